/**
 * Journey 4: a CaaS customer reveals the EAB credentials in the portal (over HTTPS, EABGATE_TLS=auto) and
 * Debian's certbot registers with exactly what the page shows against the server's ACME directory. The
 * portal then counts the ACME account and lists the view; revoke-and-replace shows a new pair, and the old
 * key id no longer registers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { ADMIN_TOKEN, launch, newPage, screenshots, signUp, startPortal } from './support.js';

let server: RunningServer;
let browser: Browser;
let acmeMounted = false;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPortal({ EABGATE_TLS: 'auto' }), launch()]);
  const probe = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(server.dataDir, 'ca', 'root.pem'), `${server.baseUrl}/acme/directory`], {
    encoding: 'utf8',
  });
  acmeMounted = probe.stdout.trim() !== '404';
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function certbotRegister(kid: string, hmacKey: string, directoryUrl: string, email: string) {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-portal-certbot-'));
  const r = spawnSync(
    'certbot',
    [
      'register',
      '--server', directoryUrl,
      '--eab-kid', kid,
      '--eab-hmac-key', hmacKey,
      '-m', email,
      '--agree-tos', '--no-eff-email', '--non-interactive',
      '--config-dir', join(dir, 'config'), '--work-dir', join(dir, 'work'), '--logs-dir', join(dir, 'logs'),
    ],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, REQUESTS_CA_BUNDLE: join(server.dataDir, 'ca', 'root.pem') } },
  );
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe.skipIf(!existsSync('/usr/bin/certbot'))('EAB credentials in the portal', () => {
  it('reveals kid and HMAC key with the time left, and certbot registers with them', async (ctx) => {
    if (!acmeMounted) ctx.skip(); // the ACME server answers 404 at /acme/directory: nothing to register with yet
    const { page, context, consoleErrors, requests } = await newPage(browser, undefined, { ignoreHTTPSErrors: true });
    const email = 'caas@example.com';
    await signUp(page, server.baseUrl, email);
    await page.goto(`${server.baseUrl}/portal/caas`);
    await page.getByRole('heading', { name: 'No subscriptions yet' }).waitFor();

    const created = await context.request.post(`${server.baseUrl}/api/v1/admin/subscriptions`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      data: { accountEmail: email, plan: 'starter' },
    });
    expect(created.status(), await created.text()).toBe(201);

    await page.goto(`${server.baseUrl}/portal/caas`);
    await expect(page.locator('[data-countdown]').first().textContent()).resolves.toMatch(/^6 days 23 hours left$/);
    await page.getByText('The credentials have not been viewed yet.').waitFor();
    await screenshots(page, 'caas-subscriptions');

    await page.getByRole('button', { name: 'Reveal EAB credentials' }).click();
    await page.getByRole('heading', { name: 'Your EAB credentials' }).waitFor();
    const kid = (await page.locator('#eab-kid').textContent())!.trim();
    const hmacKey = (await page.locator('#eab-hmac').textContent())!.trim();
    const directoryUrl = (await page.locator('#acme-directory').textContent())!.trim();
    expect(hmacKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(directoryUrl).toBe(`${server.baseUrl}/acme/directory`);
    for (const client of ['certbot', 'lego', 'acmeSh', 'caddy', 'certManager', 'traefik']) {
      await expect(page.locator(`#snippet-${client}`).textContent()).resolves.toContain(kid);
    }
    await expect(page.locator('table.data tbody tr').count()).resolves.toBe(1);
    await page.locator('summary', { hasText: 'certbot' }).click();
    await screenshots(page, 'caas-credentials');

    const registered = certbotRegister(kid, hmacKey, directoryUrl, 'ops@example.com');
    expect(registered.status, registered.output).toBe(0);

    // The portal counts the account and lists the view.
    await page.goto(`${server.baseUrl}/portal/caas`);
    await expect(page.locator('.kv').first().textContent()).resolves.toMatch(/1 registered/);
    await expect(page.locator('table.data tbody tr').count()).resolves.toBe(1);

    // Revoke and replace: the confirmation is required; then a new pair, and the old key id is refused.
    await page.locator('summary', { hasText: 'Revoke and replace' }).click();
    await page.getByRole('button', { name: 'Revoke and replace the credentials' }).click();
    await page.getByText('Tick the box to confirm').waitFor();
    await page.getByLabel(/current key id stops working/).check();
    await page.getByRole('button', { name: 'Revoke and replace the credentials' }).click();
    await page.getByText('New credentials are issued.').waitFor();
    const newKid = (await page.locator('#eab-kid').textContent())!.trim();
    expect(newKid).not.toBe(kid);
    const refused = certbotRegister(kid, hmacKey, directoryUrl, 'ops@example.com');
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/revoked|replaced|unauthorized/i);

    // Secrets only in POST responses: no URL held them.
    for (const r of requests) {
      expect(r.url).not.toContain(hmacKey);
      expect(r.url).not.toContain(kid);
    }
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
