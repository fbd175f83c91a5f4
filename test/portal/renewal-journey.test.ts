/**
 * Renewal in the portal (issue 13 part 3): an issued order's page offers "Renew certificate"; a double click
 * places one renewal (new CA Reference shown once, new key archive saved); the renewed certificate stays
 * valid; a stale second tab that renews again is told which order renewed it. The same-CSR choice signs
 * the order's CSR again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface Tracked {
  status: string;
  validation: { domain: string; status: string; instructions: { dns01: { name: string; value: string } } }[];
  certificate: { serial: string; revoked: boolean } | null;
}

/** The tracking API over the real socket (what a CA Reference holder sees). */
async function tracking(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/tracking${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
const track = async (caReference: string) => (await (await tracking('', { caReference })).json()) as Tracked;

async function issue(caReference: string): Promise<Tracked> {
  const view = await track(caReference);
  for (const v of view.validation) {
    dns.set(v.domain, 'A', ['127.0.0.1']);
    dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
  }
  const res = await tracking('/validate', { caReference });
  expect(res.status).toBe(200);
  return track(caReference);
}

describe('renewal in the portal', () => {
  it('a double click on "Renew certificate" places one renewal with a new key; the old certificate stays valid; a stale tab is told', async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    await signUp(page, server.baseUrl, 'renew-portal@example.com');
    const firstArchive = page.waitForEvent('download');
    const old = await placeOrder(page, server.baseUrl, { domains: 'renew.example.net', product: 'dv', www: false });
    await firstArchive;
    const before = await issue(old.caReference);
    expect(before.status).toBe('issued');

    await page.goto(`${server.baseUrl}/portal/orders/${old.orderNumber}`);
    await page.getByRole('heading', { name: 'Renew this certificate' }).waitFor();
    await screenshots(page, 'order-renew');
    // A second tab with the same page, left open.
    const stale = await context.newPage();
    await stale.goto(`${server.baseUrl}/portal/orders/${old.orderNumber}`);

    expect(await page.locator('#renew-key-autocsr').isChecked()).toBe(true);
    const archive = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Renew certificate' }).dblclick();
    await page.getByRole('heading', { name: 'Renewal placed' }).waitFor();
    const caReference = (await page.locator('#ca-reference').textContent())!.trim();
    const orderNumber = (await page.locator('.alert-success strong.mono').textContent())!.trim();
    expect(caReference).not.toBe(old.caReference);
    expect((await archive).suggestedFilename()).toBe(`${orderNumber}-renew.example.net-private-key.zip`);
    await screenshots(page, 'order-renewed');

    // Validation carried over: the renewal is issued without publishing anything new.
    dns.remove('_acme-challenge.renew.example.net', 'TXT');
    expect((await tracking('/validate', { caReference })).status).toBe(200);
    const renewed = await track(caReference);
    expect(renewed.status).toBe('issued');
    expect(renewed.certificate!.serial).not.toBe(before.certificate!.serial);
    const oldNow = await track(old.caReference);
    expect(oldNow.certificate).toEqual(before.certificate);

    // The stale tab's click places nothing and links to the renewal.
    await stale.getByRole('button', { name: 'Renew certificate' }).click();
    await stale.getByRole('heading', { name: 'This order was already renewed' }).waitFor();
    await expect(stale.locator(`a[href="/portal/orders/${orderNumber}"]`).count()).resolves.toBe(1);

    // The order list holds the two orders, and the old one's page links its renewal.
    await page.goto(`${server.baseUrl}/portal/orders`);
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await page.goto(`${server.baseUrl}/portal/orders/${old.orderNumber}`);
    await expect(page.locator('#renew-h').textContent()).resolves.toBe('Renewal');
    await expect(page.getByRole('button', { name: 'Renew certificate' }).count()).resolves.toBe(0);
    await page.goto(`${server.baseUrl}/portal/orders/${orderNumber}`);
    await expect(page.locator(`dd a[href="/portal/orders/${old.orderNumber}"]`).count()).resolves.toBe(1);

    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('with the same CSR: no key file, and the new certificate carries the CSR’s key', async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    await signUp(page, server.baseUrl, 'renew-csr-portal@example.com');
    const name = 'renew-csr.example.net';
    const { csr } = opensslCsr({ key: 'ec', cn: name, sans: [name] });
    const old = await placeOrder(page, server.baseUrl, { domains: name, product: 'dv', csr });
    expect((await issue(old.caReference)).status).toBe('issued');

    await page.goto(`${server.baseUrl}/portal/orders/${old.orderNumber}`);
    await page.locator('#renew-key-same').check();
    let downloaded = false;
    page.on('download', () => (downloaded = true));
    await page.getByRole('button', { name: 'Renew certificate' }).click();
    await page.getByRole('heading', { name: 'Renewal placed' }).waitFor();
    const caReference = (await page.locator('#ca-reference').textContent())!.trim();
    expect(downloaded).toBe(false);
    expect((await tracking('/validate', { caReference })).status).toBe(200);
    const pem = await (await tracking('/certificate', { caReference, format: 'pem' })).text();
    expect(openssl(['x509', '-noout', '-pubkey'], pem).stdout).toBe(openssl(['req', '-noout', '-pubkey'], csr).stdout);
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
