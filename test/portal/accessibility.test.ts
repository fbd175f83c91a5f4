/**
 * Accessibility and small screens, checked in Chromium on every kind of portal page at 390 px and 1280 px:
 * one h1 and no skipped heading level, a label for every form control, the skip link as the first Tab
 * stop, a visible focus outline, WCAG AA contrast of all text against its actual background, and no
 * sideways scrolling on a phone. Screenshots of each page are written to test-artifacts/portal/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { ADMIN_TOKEN, DESKTOP, PHONE, launch, newPage, placeOrder, screenshots, signUp, startPortal } from './support.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPortal(), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Audit {
  h1: number;
  skippedLevels: string[];
  unlabelled: string[];
  lowContrast: string[];
  overflow: number;
}

/** Runs in the page: the checks that need computed styles and the accessibility tree's inputs. */
async function audit(page: Page): Promise<Audit> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const p = m[1]!.split(/[,\s/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0.5) return c;
      }
      return [255, 255, 255, 1];
    };
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden], .visually-hidden, .skip-link');
    };

    const headings = [...document.querySelectorAll('h1, h2, h3, h4')].filter(visible).map((h) => Number(h.tagName[1]));
    const skippedLevels: string[] = [];
    headings.forEach((lvl, i) => {
      if (i > 0 && lvl > headings[i - 1]! + 1) skippedLevels.push(`h${headings[i - 1]} → h${lvl}`);
    });

    const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter(visible)
      .filter((el) => {
        const i = el as HTMLInputElement;
        return !(i.labels && i.labels.length > 0) && !i.getAttribute('aria-label') && !i.getAttribute('aria-labelledby');
      })
      .map((el) => el.outerHTML.slice(0, 80));

    const lowContrast: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      if (!visible(el) || el.closest('option, select')) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim().length > 0);
      if (!own) continue;
      const s = getComputedStyle(el);
      const fg = parse(s.color);
      const bg = background(el);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1! + 0.05) / (l2! + 0.05);
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${el.className} "${el.textContent!.trim().slice(0, 30)}"`);
    }
    return {
      h1: document.querySelectorAll('h1').length,
      skippedLevels,
      unlabelled,
      lowContrast,
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
}

async function check(page: Page, name: string): Promise<void> {
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    const a = await audit(page);
    expect(a.h1, `${name}: one h1`).toBe(1);
    expect(a.skippedLevels, `${name}: heading levels`).toEqual([]);
    expect(a.unlabelled, `${name}: labels`).toEqual([]);
    expect(a.lowContrast, `${name} at ${size.width}px: contrast`).toEqual([]);
    expect(a.overflow, `${name} at ${size.width}px: no sideways scrolling`).toBeLessThanOrEqual(0);
  }
  await screenshots(page, name);
  // The first Tab stop is the skip link, visible when focused, and it leads to the main content.
  // Move the sequential focus starting point to the top of the document, as a fresh page load does.
  await page.evaluate(() => {
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute('tabindex');
  });
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.className), name).toBe('skip-link');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).toBe('solid');
}

// One signed-in page walks through the portal; each step is its own test (run in order, in this file) so that a
// slow machine spends its time budget per group of pages, and a failure names the group.
describe('accessibility and phone layout', () => {
  let session: Awaited<ReturnType<typeof newPage>>;
  let tracked: { caReference: string; orderNumber: string };
  beforeAll(async () => {
    session = await newPage(browser);
  });
  afterAll(async () => {
    await session?.context.close();
  });

  it('the audit itself catches grey text on white and a label-less input', async () => {
    const { page } = session;
    await page.goto(`${server.baseUrl}/portal/`);
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = 'too light';
      // (A style attribute would be refused by the CSP; the CSSOM is not.)
      p.style.color = '#aaaaaa';
      p.style.background = '#ffffff';
      p.id = 'probe';
      const i = document.createElement('input');
      i.id = 'probe-input';
      document.querySelector('main')!.append(p, i);
    });
    const probe = await audit(page);
    expect(probe.lowContrast.join()).toContain('too light');
    expect(probe.unlabelled.join()).toContain('probe-input');
  });

  it('public pages: home, log-in, sign-up with errors, not found', async () => {
    const { page } = session;
    await page.goto(`${server.baseUrl}/portal/`);
    await check(page, 'home');
    await page.goto(`${server.baseUrl}/portal/login`);
    await check(page, 'login');
    await page.goto(`${server.baseUrl}/portal/signup`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#error-summary').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    await check(page, 'signup-errors');
    await page.goto(`${server.baseUrl}/portal/no-such-page`);
    await check(page, 'not-found');
  });

  it('ordering: the form, its errors, the placed order, the list and the details', async () => {
    const { page } = session;
    await signUp(page, server.baseUrl, 'a11y@example.com');
    await page.goto(`${server.baseUrl}/portal/orders/new`);
    await page.locator('#product-ov').check();
    await check(page, 'order-new-ov');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('#error-summary').waitFor();
    await check(page, 'order-new-errors');

    const placed = page.waitForEvent('download');
    tracked = await placeOrder(page, server.baseUrl, { domains: 'a11y.example.com' });
    await placed;
    await check(page, 'order-placed-page');
    await page.goto(`${server.baseUrl}/portal/orders`);
    await check(page, 'orders-list');
    await page.goto(`${server.baseUrl}/portal/orders/${tracked.orderNumber}`);
    await page.locator('summary', { hasText: 'Option B' }).first().click();
    await check(page, 'order-details');
  });

  it('tracking by CA Reference', async () => {
    const { page } = session;
    expect(tracked, 'the ordering step placed an order').toBeDefined();
    await page.goto(`${server.baseUrl}/portal/track`);
    await page.getByLabel('CA Reference').fill(tracked.caReference);
    await page.getByRole('button', { name: 'Show the order' }).click();
    await page.getByRole('button', { name: 'Check now' }).waitFor();
    await check(page, 'tracking-page');
  });

  it('ACME / CaaS: the subscriptions and the revealed EAB credentials', async () => {
    const { page, context } = session;
    const created = await context.request.post(`${server.baseUrl}/api/v1/admin/subscriptions`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      data: { accountEmail: 'a11y@example.com', plan: 'starter' },
    });
    expect(created.status()).toBe(201);
    await page.goto(`${server.baseUrl}/portal/caas`);
    await check(page, 'caas-list');
    await page.getByRole('button', { name: 'Reveal EAB credentials' }).click();
    await page.locator('summary', { hasText: 'cert-manager' }).click();
    await check(page, 'caas-reveal');
  });

  it('the CSR generator: both key choices and the result', async () => {
    const { page } = session;
    await page.goto(`${server.baseUrl}/portal/csr`);
    await page.getByLabel('Use a key I already have').check();
    await check(page, 'csr-existing-key-form');
    await page.getByLabel('Make a new key').check();
    await page.getByLabel('Host names').fill('a11y.example.com');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    await page.locator('#csr-result').waitFor();
    await check(page, 'csr-result');
  });

  it('no page wrote an error to the console', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
