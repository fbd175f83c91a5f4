/**
 * The in-browser PFX maker (issue 13 part 5): on an issued order's tracking page the customer picks the key
 * file and a passphrase; Chromium makes the .pfx without sending anything; the real openssl opens it with the
 * passphrase and finds the order's certificate, its chain and the very key. A key of another certificate
 * is refused with a sentence; the p7b is no longer offered for IIS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import type { TestDnsServer } from '../support/dns-server.js';
import type { Http01Responder } from '../support/http01-responder.js';
import { openssl } from '../support/tools.js';
import { opensslCsr } from '../support/csr.js';
import { newPage, placeOrder, screenshots, signUp, validationWorld, type ValidationWorld } from './support.js';

let server: RunningServer;
let browser: Browser;
let dns: TestDnsServer;
let http: Http01Responder;

let world: ValidationWorld;

beforeAll(async () => {
  world = await validationWorld();
  ({ server, browser, dns, http } = world);
});
afterAll(() => world?.stop());

async function api(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/tracking${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('PFX maker', () => {
  it('makes a .pfx in Chromium that openssl opens with the passphrase: the order’s certificate, chain and key', async () => {
    const name = 'iis.example.net';
    const { csr, keyFile } = opensslCsr({ key: 'rsa:2048', cn: name, sans: [name] });
    const { page, context, requests, consoleErrors } = await newPage(browser);
    await signUp(page, server.baseUrl, 'pfx@example.com');
    const { caReference } = await placeOrder(page, server.baseUrl, { domains: name, product: 'dv', csr });
    const view = (await (await api('', { caReference })).json()) as { validation: { instructions: { dns01: { name: string; value: string } } }[] };
    dns.set(name, 'A', ['127.0.0.1']);
    for (const v of view.validation) dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
    expect((await api('/validate', { caReference })).status).toBe(200);

    await page.goto(`${server.baseUrl}/portal/track`);
    await page.getByLabel('CA Reference').fill(caReference);
    await page.getByRole('button', { name: 'Show the order' }).click();
    await page.getByRole('heading', { name: 'Windows and IIS: make a .pfx file' }).waitFor();
    await expect(page.locator('button[data-format="p7b"] small').textContent()).resolves.not.toMatch(/IIS$/);
    await expect(page.locator('#pfx-maker pre').last().textContent()).resolves.toContain(`openssl pkcs12 -export -inkey ${name}.key`);

    // A key of another certificate is refused in the page.
    const other = opensslCsr({ key: 'rsa:2048', cn: name, sans: [name] }).keyFile;
    await page.locator('#pfx-key').setInputFiles(other);
    await page.locator('#pfx-pass').fill('Tr0ub4dor&3 horse');
    await page.locator('#pfx-pass2').fill('Tr0ub4dor&3 horse');
    await page.getByRole('button', { name: 'Make the .pfx file' }).click();
    await page.getByText('This private key does not belong to this certificate.', { exact: false }).waitFor();

    const before = requests.length;
    await page.locator('#pfx-key').setInputFiles(keyFile);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Make the .pfx file' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${name}.pfx`);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-pfx-'));
    const pfxPath = join(dir, file.suggestedFilename());
    await file.saveAs(pfxPath);
    await page.getByText(`Saved ${name}.pfx`, { exact: false }).waitFor();
    await screenshots(page, 'pfx-maker');
    // Nothing left the page while the file was made (a blob: URL for the save is not a request to anyone).
    expect(requests.slice(before).filter((r) => !r.url.startsWith('blob:'))).toEqual([]);
    const keyText = readFileSync(keyFile, 'utf8').replace(/-----[^-]+-----|\s/g, '');
    for (const r of requests) expect(r.body.replace(/%2B/g, '+').replace(/%2F/g, '/')).not.toContain(keyText.slice(40, 100));

    const out = openssl(['pkcs12', '-in', pfxPath, '-passin', 'pass:Tr0ub4dor&3 horse', '-nodes']);
    expect(out.status, out.stderr).toBe(0);
    const certs = out.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(certs).toHaveLength(2);
    const fullchain = await (await api('/certificate', { caReference, format: 'fullchain' })).text();
    const expected = fullchain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(certs.map((c) => c.replace(/\s/g, ''))).toEqual(expected.map((c) => c.replace(/\s/g, '')));
    const key = out.stdout.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)![0];
    expect(openssl(['pkey', '-pubout'], key).stdout).toBe(openssl(['pkey', '-pubout', '-in', keyFile]).stdout);
    expect(out.stdout).toMatch(/friendlyName: iis\.example\.net/);
    const info = openssl(['pkcs12', '-in', pfxPath, '-passin', 'pass:Tr0ub4dor&3 horse', '-nodes', '-info', '-noout']);
    expect(info.stderr + info.stdout).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
    expect(info.stderr + info.stdout).toMatch(/MAC: sha256/);
    expect(openssl(['pkcs12', '-in', pfxPath, '-passin', 'pass:wrong passphrase', '-nodes']).status).not.toBe(0);

    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
