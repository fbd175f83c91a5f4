/**
 * The portal on Cloudflare's runtime: `wrangler dev --local` (workerd + local D1) runs the build step of
 * wrangler.toml and serves the same pages and bundled assets as Node. Chromium signs up, places an AutoCSR
 * order (archive saved, unlock code revealed, 7-Zip opens it) and makes a CSR with the browser generator,
 * whose script is served by the Worker.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort } from '../support/server.js';
import { openssl, run, sevenZip } from '../support/tools.js';
import { ROOT, launch, newPage, placeOrder, screenshots, signUp } from './support.js';

const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

let dir: string;
let base: string;
let wrangler: ChildProcess | undefined;
let output = '';
let browser: Browser;

function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_LOG_PATH: join(dir, 'logs') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eabgate-portal-workers-'));
  const state = join(dir, 'state');
  const migrate = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply: ${migrate.status}\n${migrate.stdout}\n${migrate.stderr}`);
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, `EABGATE_SECRET_KEY=${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  wrangler = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--env-file', envFile, '--var', `EABGATE_BASE_URL:${base}`],
    { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  wrangler.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  wrangler.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  browser = await launch();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /healthz in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const child = wrangler;
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
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
    const zip = join(dir, archive.suggestedFilename());
    await archive.saveAs(zip);
    await page.goto(`${base}/portal/orders/${orderNumber}`);
    await page.getByRole('button', { name: 'Reveal unlock code' }).click();
    const code = (await page.locator('#unlock-code').textContent())!.trim();
    const x = run(sevenZip(), ['x', `-p${code}`, `-o${join(dir, 'out')}`, '-y', zip]);
    expect(x.status, x.stdout + x.stderr).toBe(0);

    await page.goto(`${base}/portal/csr`);
    await page.getByLabel('Host names').fill('edge.example.com');
    await page.getByLabel('Key type').selectOption('ec-p256');
    const key = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await key;
    const csr = await page.locator('#csr-output').inputValue();
    const csrFile = join(dir, 'edge.csr');
    writeFileSync(csrFile, csr);
    expect(openssl(['req', '-noout', '-verify', '-in', csrFile]).status).toBe(0);
    await screenshots(page, 'workers-csr-generator');
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
