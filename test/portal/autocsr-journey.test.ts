/**
 * Journey 1: a new customer signs up, orders a certificate without a CSR (AutoCSR), the key archive is
 * saved by the browser at once, the unlock code is revealed on the order page, and the real 7-Zip opens
 * the archive with it; openssl confirms the key belongs to the order's CSR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { openssl, run, sevenZip } from '../support/tools.js';
import { launch, newPage, placeOrder, screenshots, signUp, startPortal } from './support.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPortal(), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('AutoCSR order in the portal', () => {
  it('saves the key archive at once, reveals the unlock code, and 7-Zip opens the archive with it', async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    await signUp(page, server.baseUrl, 'autocsr@example.com');
    await page.getByRole('heading', { name: 'No orders yet' }).waitFor();
    await screenshots(page, 'orders-empty');

    await page.goto(`${server.baseUrl}/portal/orders/new`);
    await screenshots(page, 'order-new');

    const download = page.waitForEvent('download');
    const { caReference, orderNumber } = await placeOrder(page, server.baseUrl, { domains: 'https://Example.org/', product: 'dv' });
    const archive = await download;
    expect(caReference).toMatch(/^CAR(-[2-9A-HJKMNP-TV-Z]{4}){7}$/);
    expect(archive.suggestedFilename()).toBe(`${orderNumber}-example.org-private-key.zip`);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-portal-'));
    const zipPath = join(dir, archive.suggestedFilename());
    await archive.saveAs(zipPath);
    await page.getByText('This is the only time it is shown.').waitFor();
    await page.locator('#archive-saved').waitFor();
    for (const system of ['Windows', 'macOS', 'Linux']) await expect(page.locator('details', { hasText: 'How to open' }).textContent()).resolves.toContain(system);
    await screenshots(page, 'order-placed');

    // The order page: names with the www variant, the unlock code behind a button with the time left.
    await page.goto(`${server.baseUrl}/portal/orders/${orderNumber}`);
    await expect(page.locator('dd.mono').first().textContent()).resolves.toBe('example.org, www.example.org');
    await expect(page.locator('[data-countdown]').first().textContent()).resolves.toMatch(/^6 days 23 hours left$/);
    await page.getByRole('button', { name: 'Reveal unlock code' }).click();
    const code = (await page.locator('#unlock-code').textContent())!.trim();
    expect(code).toMatch(/^([2-9A-HJKMNP-TV-Z]{4}-){6}[2-9A-HJKMNP-TV-Z]{4}$/);
    await screenshots(page, 'order-unlock-code');
    await page.locator('summary', { hasText: 'Certificate signing request' }).click();
    const csrPem = (await page.locator('details pre').last().textContent())!;
    expect(csrPem).toContain('BEGIN CERTIFICATE REQUEST');

    // The real 7-Zip with the revealed code.
    const out = join(dir, 'out');
    const x = run(sevenZip(), ['x', `-p${code}`, `-o${out}`, '-y', zipPath]);
    expect(x.status, x.stdout + x.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['example.org.key']);
    const keyPath = join(out, 'example.org.key');
    const keyPub = openssl(['pkey', '-in', keyPath, '-pubout']);
    expect(keyPub.status).toBe(0);
    const csrPub = openssl(['req', '-noout', '-pubkey'], csrPem);
    expect(csrPub.stdout).toBe(keyPub.stdout);
    expect(readFileSync(keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // A wrong code does not open it (and 7z exits non-zero).
    const wrong = run(sevenZip(), ['x', '-pWRONG-CODE', `-o${join(dir, 'wrong')}`, '-y', zipPath]);
    expect(wrong.status).not.toBe(0);

    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
