/**
 * Journey 2: someone with only a CA Reference (not logged in) tracks the order, reads what to publish,
 * presses "Check now" (first too early, then with the web file and the DNS record in place on the loopback
 * responders), downloads the certificate in every format and openssl verifies the chain against the
 * embedded root. Then a reissue with a new AutoCSR key. The reference never appears in a URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import type { TestDnsServer } from '../support/dns-server.js';
import type { Http01Responder } from '../support/http01-responder.js';
import { openssl } from '../support/tools.js';
import { newPage, placeOrder, screenshots, signUp, type SeenRequest, validationWorld, type ValidationWorld } from './support.js';

let server: RunningServer;
let browser: Browser;
let dns: TestDnsServer;
let http: Http01Responder;
let dir: string;

let world: ValidationWorld;

beforeAll(async () => {
  world = await validationWorld();
  ({ server, browser, dns, http } = world);
  dir = mkdtempSync(join(tmpdir(), 'eabgate-portal-track-'));
});
afterAll(() => world?.stop());

async function download(page: Page, button: string, name: string): Promise<string> {
  const event = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  const d = await event;
  const path = join(dir, `${name}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return path;
}

function expectNoReferenceInUrls(requests: SeenRequest[], ...secrets: string[]) {
  for (const r of requests) for (const s of secrets) expect(decodeURIComponent(r.url).toUpperCase()).not.toContain(s.toUpperCase());
}

describe('tracking by CA Reference in the portal', () => {
  it('checks the domains, issues, downloads every format and openssl verifies the chain; reissues with a new key', async () => {
    const owner = await newPage(browser);
    await signUp(owner.page, server.baseUrl, 'tracking@example.com');
    const { caReference, orderNumber } = await placeOrder(owner.page, server.baseUrl, { domains: 'example.net', product: 'dv' });
    await owner.context.close();

    // A visitor without an account: the reference typed in lower case without dashes still works.
    const { page, requests, consoleErrors, context } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/track`);
    await screenshots(page, 'track-form');
    await page.getByLabel('CA Reference').fill(caReference.toLowerCase().replace(/-/g, ''));
    await page.getByRole('button', { name: 'Show the order' }).click();
    await page.getByRole('heading', { name: `Order ${orderNumber}` }).waitFor();
    await expect(page.locator('.badge').first().textContent()).resolves.toBe('Waiting for domain check');

    const url = (await page.locator('#v-0-url').textContent())!;
    const body = (await page.locator('#v-0-body').textContent())!;
    const txtName = (await page.locator('#v-1-dns-name').textContent())!;
    const txtValue = (await page.locator('#v-1-dns-value').textContent())!;
    expect(url).toMatch(/^http:\/\/example\.net\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{43}$/);
    expect(txtName).toBe('_acme-challenge.www.example.net');

    // Too early: the page says what was found instead.
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByRole('heading', { name: 'Result of the check' }).waitFor();
    await page.getByText('Not every name could be verified yet').waitFor();
    await expect(page.locator('.domain-check').first().textContent()).resolves.toMatch(/Last check/);
    await page.locator('summary', { hasText: 'Option A' }).first().click();
    await screenshots(page, 'track-pending');

    // Publish the web file for example.net and the TXT record for www.example.net, then check again.
    dns.set('example.net', 'A', ['127.0.0.1']);
    http.setToken(url.split('/').pop()!, body);
    dns.set(txtName, 'TXT', [txtValue]);
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByText('the certificate is issued').waitFor();
    await expect(page.locator('.badge').first().textContent()).resolves.toBe('Issued');
    await screenshots(page, 'track-issued');

    const fullchain = await download(page, 'Full chain (PEM)', 'fullchain');
    const intermediates = await download(page, 'Intermediate certificates (PEM)', 'intermediates');
    const leaf = await download(page, 'Certificate only (PEM)', 'leaf');
    const der = await download(page, 'DER (.cer)', 'der');
    const p7b = await download(page, 'PKCS#7 (.p7b)', 'p7b');

    const root = join(server.dataDir, 'ca', 'root.pem');
    const verify = openssl(['verify', '-CAfile', root, '-untrusted', intermediates, '-purpose', 'sslserver', '-verify_hostname', 'www.example.net', leaf]);
    expect(verify.stdout + verify.stderr).toMatch(/: OK/);
    expect(verify.status).toBe(0);
    const blocks = readFileSync(fullchain, 'utf8').match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(blocks.length).toBe(2);
    const verifyChain = openssl(['verify', '-CAfile', root, '-untrusted', fullchain, leaf]);
    expect(verifyChain.status).toBe(0);
    expect(openssl(['x509', '-inform', 'DER', '-in', der, '-noout', '-subject']).stdout).toMatch(/CN\s*=\s*example\.net/);
    expect(openssl(['pkcs7', '-inform', 'DER', '-in', p7b, '-print_certs', '-noout']).status === 0 || openssl(['pkcs7', '-in', p7b, '-print_certs', '-noout']).status === 0).toBe(true);

    // Reissue with a new AutoCSR key: the confirmation is required, then a new archive is saved at once.
    await page.getByRole('button', { name: 'Reissue' }).click();
    await page.getByText('Tick the box to confirm').first().waitFor();
    await page.getByLabel('I understand that the current certificate will be revoked.').check();
    const archive = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Reissue' }).click();
    expect((await archive).suggestedFilename()).toMatch(new RegExp(`^${orderNumber}-example\\.net-private-key-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
    await page.getByText('Reissued: the new certificate is ready').waitFor();
    await screenshots(page, 'track-reissued');
    const leaf2 = await download(page, 'Certificate only (PEM)', 'leaf2');
    expect(readFileSync(leaf2, 'utf8')).not.toBe(readFileSync(leaf, 'utf8'));
    expect(openssl(['verify', '-CAfile', root, '-untrusted', intermediates, leaf2]).status).toBe(0);

    // The reference travelled in POST bodies only.
    expect(requests.filter((r) => r.method === 'POST').every((r) => r.body.includes('caReference='))).toBe(true);
    expectNoReferenceInUrls(requests, caReference, caReference.replace(/-/g, ''));
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('answers a wrong reference with a message on the form, not an error page', async () => {
    const { page, context } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/track`);
    await page.getByLabel('CA Reference').fill('CAR-2222-2222-2222-2222-2222-2222-2222');
    await page.getByRole('button', { name: 'Show the order' }).click();
    await expect(page.locator('#error-summary').textContent()).resolves.toMatch(/No order has this CA Reference/);
    await page.getByLabel('CA Reference').fill('hello');
    await page.getByRole('button', { name: 'Show the order' }).click();
    await expect(page.locator('#error-summary').textContent()).resolves.toMatch(/This is not a CA Reference/);
    await expect(page.locator('#f-caReference').getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshots(page, 'track-wrong-reference');
    await context.close();
  });
});
