/**
 * Browser-test support: the portal assets built, the real Node server, Debian's Chromium driven by
 * playwright-core, screenshots as artifacts, and a log of every request the page made (URL and body) so
 * that tests can prove what never left the browser and what never went into a URL.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../support/server.js';
import { TestDnsServer } from '../support/dns-server.js';
import { Http01Responder } from '../support/http01-responder.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'portal');
export const PASSWORD = 'maple river candle orbit';
export const ADMIN_TOKEN = 'admin-token-for-portal-tests-0123';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** Builds the browser assets once per process (esbuild; ~0.5 s). */
let built = false;
export function buildAssets(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-portal.mjs')], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`build-portal failed: ${r.stderr}`);
  built = true;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function startPortal(env: Record<string, string> = {}): Promise<RunningServer> {
  buildAssets();
  return startServer({ EABGATE_ADMIN_TOKEN: ADMIN_TOKEN, EABGATE_LOG_REQUESTS: 'false', ...env });
}

/** A browser and the portal whose VA checks names in a test DNS server and http-01 files on a test web server. */
export interface ValidationWorld {
  server: RunningServer;
  browser: Browser;
  dns: TestDnsServer;
  http: Http01Responder;
  stop(): Promise<void>;
}

export async function validationWorld(): Promise<ValidationWorld> {
  const [dns, http, browser] = await Promise.all([TestDnsServer.start(), Http01Responder.start(), launch()]);
  const server = await startPortal({ EABGATE_VA_DNS_SERVER: dns.address, EABGATE_VA_HTTP_PORT: String(http.port), EABGATE_CAA_IDENTITIES: 'eabgate.test' });
  return {
    server,
    browser,
    dns,
    http,
    async stop() {
      await browser.close();
      await server.stop();
      await dns.stop();
      await http.stop();
    },
  };
}

export interface SeenRequest {
  url: string;
  method: string;
  body: string;
}

/** A fresh context (own cookies) whose page records every request it makes. */
export async function newPage(
  browser: Browser,
  viewport = DESKTOP,
  opts: { ignoreHTTPSErrors?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; requests: SeenRequest[]; consoleErrors: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...opts });
  const page = await context.newPage();
  const requests: SeenRequest[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? '' }));
  page.on('console', (m) => {
    // A 4xx page (a form shown again with its errors) is logged by Chromium too; CSP refusals and script errors are not 4xx.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { context, page, requests, consoleErrors };
}

/** Full-page screenshots of the current page at phone and desktop width. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(size);
    // Let Chromium lay out and paint after the resize (else scrollable boxes can come out blank): two animation
    // frames, the second of which starts after the first's paint.
    await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

export async function signUp(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/portal/signup`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/portal/orders`);
}

/** Places an order through the form; returns the CA Reference shown once. */
export async function placeOrder(
  page: Page,
  base: string,
  opts: { domains: string; product?: 'dv' | 'ov' | 'ev'; csr?: string; www?: boolean },
): Promise<{ caReference: string; orderNumber: string }> {
  await page.goto(`${base}/portal/orders/new`);
  await page.locator(`#product-${opts.product ?? 'dv'}`).check();
  await page.getByLabel('Host names').fill(opts.domains);
  if (opts.csr) {
    await page.locator('#key-csr').check();
    await page.locator('#f-csr').fill(opts.csr);
  } else if (opts.www === false) {
    await page.locator('#f-www').uncheck();
  }
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('heading', { name: 'Order placed' }).waitFor();
  const caReference = (await page.locator('#ca-reference').textContent())!.trim();
  const orderNumber = (await page.locator('.alert-success strong.mono').textContent())!.trim();
  return { caReference, orderNumber };
}
