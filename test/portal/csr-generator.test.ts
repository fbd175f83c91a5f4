/**
 * Journey 3: the CSR generator works in the browser. Keys are made (RSA, ECDSA) or read (PKCS#1, SEC1,
 * PKCS#8) by WebCrypto in the page; openssl verifies every CSR and matches it to the key; 7-Zip opens the
 * passphrase ZIP. Every request the page made is recorded: none carries any part of a private key, and
 * the only one that carries the CSR is the "order with this CSR" form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { openssl, run, sevenZip } from '../support/tools.js';
import { launch, newPage, screenshots, signUp, startPortal, type SeenRequest } from './support.js';

let server: RunningServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPortal(), launch()]);
  dir = mkdtempSync(join(tmpdir(), 'eabgate-portal-csr-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** Every request body and URL, form-decoded, so that base64 in a urlencoded body is found too. */
function everythingSent(requests: SeenRequest[]): string {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return requests.map((r) => `${decode(r.url)}\n${decode(r.body)}\n${r.body}`).join('\n');
}

/** Asserts that no request carried the key: not its PEM label and no 40-character piece of its base64. */
function expectKeyNeverSent(requests: SeenRequest[], keyPem: string) {
  const sent = everythingSent(requests);
  expect(sent).not.toMatch(/PRIVATE KEY/);
  const b64 = keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  expect(b64.length).toBeGreaterThan(100);
  for (let i = 0; i + 40 <= b64.length; i += 40) expect(sent.includes(b64.slice(i, i + 40))).toBe(false);
}

async function fillNames(page: Page, names: string) {
  await page.getByLabel('Host names').fill(names);
}

async function createCsr(page: Page, expectKeyDownload: boolean): Promise<{ csr: string; keyPath?: string }> {
  const download = expectKeyDownload ? page.waitForEvent('download') : undefined;
  const before = await page.locator('#csr-output').inputValue();
  await page.getByRole('button', { name: 'Create CSR' }).click();
  await page.locator('#csr-result').waitFor({ state: 'visible' });
  // A second CSR on the same page: wait until the new one has replaced the first.
  await page.waitForFunction((prev) => {
    const v = (document.getElementById('csr-output') as HTMLTextAreaElement).value;
    return v !== '' && v !== prev;
  }, before);
  const csr = await page.locator('#csr-output').inputValue();
  if (!download) return { csr };
  const d = await download;
  const keyPath = join(dir, `${Date.now()}-${d.suggestedFilename()}`);
  await d.saveAs(keyPath);
  return { csr, keyPath };
}

function verifyCsr(csr: string, names: string[]) {
  const path = file(`${Date.now()}.csr`, csr);
  const v = openssl(['req', '-noout', '-verify', '-in', path]);
  expect(v.status, v.stderr).toBe(0);
  expect(v.stdout + v.stderr).toMatch(/verify OK/i);
  const text = openssl(['req', '-noout', '-text', '-in', path]).stdout;
  for (const n of names) expect(text).toContain(`DNS:${n}`);
  return path;
}

const pubOfCsr = (csrPath: string) => openssl(['req', '-noout', '-pubkey', '-in', csrPath]).stdout;
const pubOfKey = (keyPath: string) => openssl(['pkey', '-in', keyPath, '-pubout']).stdout;

describe('CSR generator in the browser', () => {
  it('makes an RSA key and CSR locally: openssl verifies the CSR, the key matches, and no request carried the key', async () => {
    const { page, requests, consoleErrors, context } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/csr`);
    await page.locator('#csr-tool').waitFor();
    await screenshots(page, 'csr-generator');
    const loadedRequests = requests.length;

    await fillNames(page, 'example.com');
    const { csr, keyPath } = await createCsr(page, true);
    expect(keyPath).toMatch(/example\.com\.key$/);
    const csrPath = verifyCsr(csr, ['example.com', 'www.example.com']);
    const keyPem = readFileSync(keyPath!, 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(openssl(['pkey', '-in', keyPath!, '-noout', '-text']).stdout).toMatch(/2048 bit/);
    expect(pubOfKey(keyPath!)).toBe(pubOfCsr(csrPath));
    expect(openssl(['req', '-noout', '-subject', '-in', csrPath]).stdout).toMatch(/CN\s*=\s*example\.com/);
    await screenshots(page, 'csr-generated');

    // Making the key and the CSR sent nothing at all; and nothing ever carried the key.
    expect(requests.slice(loadedRequests)).toEqual([]);
    expectKeyNeverSent(requests, keyPem);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('saves an ECDSA key as an AES-256 ZIP with the customer’s passphrase, which 7-Zip opens', async () => {
    const { page, requests, context, consoleErrors } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/csr`);
    await fillNames(page, 'shop.example.org');
    await page.getByLabel('Key type').selectOption('ec-p256');
    await page.getByLabel('An encrypted ZIP (AES-256) with a passphrase you choose').check();
    await page.getByLabel('Passphrase', { exact: true }).fill('short');
    await page.getByLabel('Repeat the passphrase').fill('short');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await page.locator('#csr-error').filter({ hasText: /at least 10 characters/ }).waitFor();
    const passphrase = 'blue whale 77 lantern';
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByLabel('Repeat the passphrase').fill(passphrase);
    const { csr, keyPath } = await createCsr(page, true);
    expect(keyPath).toMatch(/shop\.example\.org-private-key\.zip$/);
    const csrPath = verifyCsr(csr, ['shop.example.org']);
    expect(openssl(['req', '-noout', '-text', '-in', csrPath]).stdout).not.toContain('DNS:example.org');

    const out = join(dir, 'zip-out');
    const wrong = run(sevenZip(), ['x', '-pnot the passphrase', `-o${join(dir, 'zip-wrong')}`, '-y', keyPath!]);
    expect(wrong.status).not.toBe(0);
    const x = run(sevenZip(), ['x', `-p${passphrase}`, `-o${out}`, '-y', keyPath!]);
    expect(x.status, x.stdout + x.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['shop.example.org.key']);
    expect(run(sevenZip(), ['l', '-slt', keyPath!]).stdout).toMatch(/Method = AES-256/);
    const key = join(out, 'shop.example.org.key');
    expect(openssl(['pkey', '-in', key, '-noout', '-text']).stdout).toMatch(/prime256v1|P-256/);
    expect(pubOfKey(key)).toBe(pubOfCsr(csrPath));
    expectKeyNeverSent(requests, readFileSync(key, 'utf8'));
    expect(everythingSent(requests)).not.toContain(passphrase);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('regenerates a CSR from existing keys (PKCS#1 RSA opened as a file, SEC1 EC pasted); the keys stay in the browser', async () => {
    const rsaKey = file('legacy-rsa.key', openssl(['genrsa', '-traditional', '3072']).stdout);
    expect(readFileSync(rsaKey, 'utf8')).toMatch(/BEGIN RSA PRIVATE KEY/);
    const ecKeyText = openssl(['ecparam', '-name', 'secp384r1', '-genkey']).stdout;
    expect(ecKeyText).toMatch(/BEGIN EC PARAMETERS[\s\S]+BEGIN EC PRIVATE KEY/);
    const ecKey = file('legacy-ec.key', ecKeyText);

    const { page, requests, context, consoleErrors } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/csr`);
    await fillNames(page, 'www.example.com');
    await page.getByLabel('Use a key I already have').check();
    await page.getByLabel('Open the private key file').setInputFiles(rsaKey);
    // The file is read asynchronously (File.text()) into the text box.
    await page.waitForFunction(() => (document.getElementById('csr-key-pem') as HTMLTextAreaElement).value.includes('BEGIN RSA PRIVATE KEY'));
    const rsa = await createCsr(page, false);
    const rsaCsr = verifyCsr(rsa.csr, ['www.example.com', 'example.com']);
    expect(pubOfCsr(rsaCsr)).toBe(pubOfKey(rsaKey));
    await page.locator('#csr-key-kind').filter({ hasText: 'RSA 3072-bit' }).waitFor();
    await expect(page.locator('#csr-key-box').isVisible()).resolves.toBe(false);
    await screenshots(page, 'csr-existing-key');

    await page.locator('#csr-key-pem').fill(ecKeyText);
    const ec = await createCsr(page, false);
    const ecCsr = verifyCsr(ec.csr, ['www.example.com']);
    expect(pubOfCsr(ecCsr)).toBe(pubOfKey(ecKey));
    expect(openssl(['req', '-noout', '-text', '-in', ecCsr]).stdout).toMatch(/ecdsa-with-SHA384/);

    // An encrypted key and a certificate are explained, not failed on.
    await page.locator('#csr-key-pem').fill(openssl(['pkey', '-in', rsaKey, '-aes256', '-passout', 'pass:secret123']).stdout);
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await page.locator('#csr-error').filter({ hasText: /encrypted with a passphrase.*openssl pkey/ }).waitFor();
    await page.locator('#csr-key-pem').fill(rsa.csr);
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await page.locator('#csr-error').filter({ hasText: /not a private key/ }).waitFor();

    expectKeyNeverSent(requests, readFileSync(rsaKey, 'utf8'));
    expectKeyNeverSent(requests, ecKeyText.slice(ecKeyText.indexOf('-----BEGIN EC PRIVATE KEY')));
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('sends the CSR, and only the CSR, straight into a new order', async () => {
    const { page, requests, context, consoleErrors } = await newPage(browser);
    await signUp(page, server.baseUrl, 'csr-tool@example.com');
    await page.goto(`${server.baseUrl}/portal/csr`);
    await fillNames(page, 'api.example.com');
    const { csr, keyPath } = await createCsr(page, true);
    await page.getByRole('button', { name: 'Order a certificate with this CSR' }).click();
    await page.getByRole('heading', { name: 'Order a certificate' }).waitFor();
    await expect(page.locator('#key-csr').isChecked()).resolves.toBe(true);
    await expect(page.locator('#f-csr').inputValue()).resolves.toBe(csr);
    await expect(page.locator('#f-domains').inputValue()).resolves.toBe('api.example.com');
    await screenshots(page, 'order-new-with-csr');

    let downloads = 0;
    page.on('download', () => downloads++);
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: 'Order placed' }).waitFor();
    await page.locator('#ca-reference').waitFor();
    await expect(page.getByRole('heading', { name: 'Your private key' }).count()).resolves.toBe(0);
    expect(downloads).toBe(0);

    const posts = requests.filter((r) => r.method === 'POST' && !r.url.endsWith('/portal/signup'));
    expect(posts.map((r) => new URL(r.url).pathname)).toEqual(['/portal/orders/new', '/portal/orders']);
    expect(decodeURIComponent(posts[0]!.body.replace(/\+/g, ' '))).toContain('BEGIN CERTIFICATE REQUEST');
    expectKeyNeverSent(requests, readFileSync(keyPath!, 'utf8'));
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('explains bad host names in the page', async () => {
    const { page, context } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/csr`);
    await fillNames(page, 'localhost');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await page.locator('#csr-error').filter({ hasText: /not a fully qualified domain name/ }).waitFor();
    await context.close();
  });
});
