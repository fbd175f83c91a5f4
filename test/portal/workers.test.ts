/**
 * The portal on Cloudflare's runtime: `wrangler dev --local` (workerd + local D1) runs the build step of
 * wrangler.toml and serves the same pages and bundled assets as Node. Chromium signs up, places an AutoCSR
 * order (archive saved, unlock code revealed, 7-Zip opens it) and makes a CSR with the browser generator,
 * whose script is served by the Worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startWrangler, type RunningWorker } from '../support/wrangler.js';
import { openssl, run, sevenZip } from '../support/tools.js';
import { launch, newPage, placeOrder, screenshots, signUp } from './support.js';

let worker: RunningWorker;
let base: string;
let browser: Browser;

beforeAll(async () => {
  worker = await startWrangler();
  base = worker.base;
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

describe('the portal on workerd (wrangler dev --local)', () => {
  it('serves pages and hashed assets; sign-up, AutoCSR order, unlock code and the CSR generator work', async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    const first = await page.goto(`${base}/portal/signup`);
    expect(first!.headers()['content-security-policy']).toContain("script-src 'self'");
    const css = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(css).toMatch(/^\/portal\/assets\/portal\.[0-9a-f]{12}\.css$/);
    const asset = await context.request.get(`${base}${css}`);
    expect(asset.status()).toBe(200);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');

    await signUp(page, base, 'workers@example.com');
    const cookie = (await context.cookies(base)).find((c) => c.name === 'eabgate_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // The country pick-list is named by workerd's Intl.DisplayNames too.
    await page.goto(`${base}/portal/orders/new`);
    await expect(page.locator('#f-org_country option[value="DE"]').textContent()).resolves.toBe('Germany (DE)');

    const download = page.waitForEvent('download');
    const { orderNumber } = await placeOrder(page, base, { domains: 'workers.example.com' });
    const archive = await download;
    const zip = join(worker.dir, archive.suggestedFilename());
    await archive.saveAs(zip);
    await page.goto(`${base}/portal/orders/${orderNumber}`);
    await page.getByRole('button', { name: 'Reveal unlock code' }).click();
    const code = (await page.locator('#unlock-code').textContent())!.trim();
    const x = run(sevenZip(), ['x', `-p${code}`, `-o${join(worker.dir, 'out')}`, '-y', zip]);
    expect(x.status, x.stdout + x.stderr).toBe(0);

    await page.goto(`${base}/portal/csr`);
    await page.getByLabel('Host names').fill('edge.example.com');
    await page.getByLabel('Key type').selectOption('ec-p256');
    const key = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await key;
    const csr = await page.locator('#csr-output').inputValue();
    const csrFile = join(worker.dir, 'edge.csr');
    writeFileSync(csrFile, csr);
    expect(openssl(['req', '-noout', '-verify', '-in', csrFile]).status).toBe(0);
    await screenshots(page, 'workers-csr-generator');
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
