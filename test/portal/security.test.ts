/**
 * Journey 5, security in a real browser over HTTPS (EABGATE_TLS=auto): the session cookie's flags, the
 * CSP and no inline script or style on any page, forms refused without the CSRF token or from another
 * site (even with a valid token), no secret in any URL the browser visited, no-store on every page with
 * a secret, and the cookie's token being the API's session token (ended by log-out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Response as PwResponse } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { launch, newPage, placeOrder, signUp, startPortal } from './support.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPortal({ EABGATE_TLS: 'auto' }), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('portal security', () => {
  it('cookie flags, CSP, CSRF, secrets never in URLs, no-store, one session with the API', async () => {
    const { page, context, requests, consoleErrors } = await newPage(browser, undefined, { ignoreHTTPSErrors: true });
    const documents: PwResponse[] = [];
    const visited: string[] = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'document') documents.push(r);
    });
    page.on('framenavigated', (f) => visited.push(f.url()));

    await signUp(page, server.baseUrl, 'security@example.com');

    // 1. The session cookie.
    const cookies = await context.cookies(server.baseUrl);
    const session = cookies.find((c) => c.name === '__Host-eabgate_session');
    expect(session, JSON.stringify(cookies)).toBeDefined();
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(session!.domain).toBe('localhost');
    expect(session!.expires * 1000 - Date.now()).toBeGreaterThan(11 * 3600_000);
    const csrfCookie = cookies.find((c) => c.name === '__Host-eabgate_csrf');
    expect(csrfCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The cookie holds the API's own session token.
    const api = await context.request.get(`${server.baseUrl}/api/v1/orders`, { headers: { authorization: `Bearer ${session!.value}` } });
    expect(api.status()).toBe(200);

    // 2. Secrets: a CA Reference, an unlock code; then tracking.
    const { caReference, orderNumber } = await placeOrder(page, server.baseUrl, { domains: 'secure.example.com' });
    await page.goto(`${server.baseUrl}/portal/orders/${orderNumber}`);
    await page.getByRole('button', { name: 'Reveal unlock code' }).click();
    const unlockCode = (await page.locator('#unlock-code').textContent())!.trim();
    await page.goto(`${server.baseUrl}/portal/track`);
    await page.getByLabel('CA Reference').fill(caReference);
    await page.getByRole('button', { name: 'Show the order' }).click();
    await page.getByRole('heading', { name: `Order ${orderNumber}` }).waitFor();
    for (const p of ['/portal/', '/portal/orders/new', '/portal/csr', '/portal/caas', '/portal/no-such-page']) await page.goto(`${server.baseUrl}${p}`);

    for (const url of [...requests.map((r) => r.url), ...visited]) {
      const u = decodeURIComponent(url);
      for (const secret of [caReference, caReference.replace(/-/g, ''), unlockCode, unlockCode.replace(/-/g, ''), session!.value]) expect(u).not.toContain(secret);
    }

    // 3. Every portal document: the CSP, no inline script or style, and never cached.
    expect(documents.length).toBeGreaterThan(8);
    for (const r of documents) {
      const h = r.headers();
      const csp = h['content-security-policy'] ?? '';
      expect(csp, r.url()).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("connect-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(h['cache-control'], r.url()).toBe('no-store');
      expect(h['x-content-type-options']).toBe('nosniff');
    }
    const posts = documents.filter((r) => r.request().method() === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    for (const p of ['/portal/', '/portal/orders/new', '/portal/csr', '/portal/track']) {
      await page.goto(`${server.baseUrl}${p}`);
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await page.locator('style, [style]').count()).toBe(0);
      expect(await page.evaluate(() => [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on'))).length)).toBe(0);
    }

    // 4. CSRF: a POST with the session cookie but without the token (or with another token) is refused.
    const noToken = await context.request.post(`${server.baseUrl}/portal/orders`, { form: { product: 'dv', domains: 'csrf.example.com', key: 'auto' } });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toContain('This form could not be accepted');
    const wrongToken = await context.request.post(`${server.baseUrl}/portal/orders`, { form: { _csrf: 'a'.repeat(64), product: 'dv', domains: 'csrf.example.com' } });
    expect(wrongToken.status()).toBe(403);

    // A form on another site, even one carrying this session's valid token, is refused (Origin / Sec-Fetch-Site).
    await page.goto(`${server.baseUrl}/portal/orders/new`);
    const token = await page.locator('input[name="_csrf"]').first().inputValue();
    await page.route('https://attacker.test/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form id="f" method="post" action="${server.baseUrl}/portal/orders"><input name="_csrf" value="${token}"><input name="product" value="dv"><input name="domains" value="attack.example.com"><input name="key" value="auto"></form><script>document.getElementById('f').submit()</script>`,
      }),
    );
    const attacked = page.waitForResponse((r) => r.url() === `${server.baseUrl}/portal/orders`);
    await page.goto('https://attacker.test/');
    expect((await attacked).status()).toBe(403);
    await page.unroute('https://attacker.test/**');
    const orders = await (await context.request.get(`${server.baseUrl}/api/v1/orders`, { headers: { authorization: `Bearer ${session!.value}` } })).json();
    expect((orders as { orders: { domains: string[] }[] }).orders.map((o) => o.domains[0])).toEqual(['secure.example.com']);

    // 5. Log-out ends the API session too, and drops the cookie.
    await page.goto(`${server.baseUrl}/portal/orders`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    expect((await context.cookies(server.baseUrl)).find((c) => c.name === '__Host-eabgate_session')).toBeUndefined();
    const after = await context.request.get(`${server.baseUrl}/api/v1/orders`, { headers: { authorization: `Bearer ${session!.value}` } });
    expect(after.status()).toBe(401);

    expect(consoleErrors.filter((e) => !e.includes('attacker.test'))).toEqual([]);
    await context.close();
  });
});
