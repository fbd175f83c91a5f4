/**
 * The portal in process (app.request, a real SQLite file, a manual clock): every page renders with its
 * headers, bad input gets a friendly 4xx page naming the field (never a 500 or a problem document), CSRF
 * and same-origin refusals, cookie attributes on http and https, expiry of the unlock code and of the EAB
 * view window, throttling, isolation between customers, and the assets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.js';
import { DAY_MS } from '../../src/core/clock.js';
import { FormClient, text } from './form-client.js';
import { opensslCsr } from '../support/csr.js';
import { ADMIN_TOKEN, buildAssets } from './support.js';

let h: Harness;

beforeAll(async () => {
  buildAssets();
  h = await harness({ EABGATE_ADMIN_TOKEN: ADMIN_TOKEN });
});
afterAll(() => h.close());

const ORG_FIELDS = { org_name: 'Example Trading Ltd', org_locality: 'London', org_country: 'GB' };

describe('pages and headers', () => {
  it('renders every public page as HTML with the CSP, and redirects / to the portal', async () => {
    const c = new FormClient(h);
    expect((await c.get('/')).location).toBe('/portal/');
    for (const path of ['/portal/', '/portal/login', '/portal/signup', '/portal/track', '/portal/csr']) {
      const r = await c.get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.html).toMatch(/^<!doctype html><html lang="en">/);
      expect(r.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(r.html).not.toMatch(/\sstyle=|<style/);
      expect(r.html).toMatch(/<h1>/);
    }
  });

  it('sends visitors of customer pages to the log-in page and back, never to another site', async () => {
    const c = new FormClient(h);
    expect((await c.get('/portal/orders')).location).toBe('/portal/login?next=%2Fportal%2Forders');
    expect((await c.get('/portal/caas')).location).toBe('/portal/login?next=%2Fportal%2Fcaas');
    await c.signUp('next@example.com');
    const logIn = async (next: string) => {
      const fresh = new FormClient(h);
      await fresh.get('/portal/login');
      return fresh.post('/portal/login', { email: 'next@example.com', password: 'maple river candle orbit', next });
    };
    for (const next of ['//evil.example/', 'https://evil.example/', '/portal/../api', '/api/v1/orders', '/portal//evil.example']) {
      expect((await logIn(next)).location, next).toBe('/portal/orders');
    }
    const back = await logIn('/portal/caas');
    expect(back.location).toBe('/portal/caas');
  });

  it('answers unknown pages and other customers’ orders with a friendly 404 page', async () => {
    const alice = new FormClient(h);
    await alice.signUp('alice@example.com');
    await alice.get('/portal/orders/new');
    const placed = await alice.post('/portal/orders', { product: 'dv', domains: 'alice.example.com', key: 'auto', www: '1' });
    expect(placed.status).toBe(201);
    const orderNumber = /Order <strong class="mono">([^<]+)</.exec(placed.html)![1]!;

    const bob = new FormClient(h);
    await bob.signUp('bob@example.com');
    for (const path of [`/portal/orders/${orderNumber}`, '/portal/orders/EG-NOPE', '/portal/no-such-page']) {
      const r = await bob.get(path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(text(r.html)).toContain('Page not found');
    }
    await bob.get('/portal/orders');
    const reveal = await bob.post(`/portal/orders/${orderNumber}/unlock-code`, {});
    expect(reveal.status).toBe(404);
    expect((await alice.get(`/portal/orders/${orderNumber}`)).status).toBe(200);
  });

  it('serves the built assets with a content hash, cached for a year', async () => {
    const c = new FormClient(h);
    const page = await c.get('/portal/csr');
    const paths = [...page.html.matchAll(/(?:src|href)="(\/portal\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(paths.some((p) => /\/csr-tool\.[0-9a-f]{12}\.js$/.test(p))).toBe(true);
    expect(paths.some((p) => /\/portal\.[0-9a-f]{12}\.css$/.test(p))).toBe(true);
    for (const p of new Set(paths)) {
      const r = await h.app.request(p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(r.headers.get('content-type')).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml)/);
    }
    expect((await h.app.request('/portal/assets/portal.000000000000.js')).status).toBe(404);
  });
});

describe('friendly errors for bad input', () => {
  it('sign-up: names each faulty field; a taken address is explained', async () => {
    const c = new FormClient(h);
    await c.get('/portal/signup');
    let r = await c.post('/portal/signup', { email: 'not-an-email', password: 'short', password2: 'short' });
    expect(r.status).toBe(400);
    expect(text(r.html)).toContain('Enter an email address, like name@example.com.');
    expect(text(r.html)).toContain('Use at least 12 characters.');
    expect(r.html).toMatch(/id="f-email"[^>]*aria-invalid="true"/);
    r = await c.post('/portal/signup', { email: 'x@example.com', password: 'maple river candle orbit', password2: 'maple river candle orbiT' });
    expect(text(r.html)).toContain('The two passwords are not the same.');
    await new FormClient(h).signUp('taken@example.com');
    r = await c.post('/portal/signup', { email: 'Taken@Example.com', password: 'maple river candle orbit', password2: 'maple river candle orbit' });
    expect(r.status).toBe(400);
    expect(text(r.html)).toContain('exists already');
  });

  it('log-in: a wrong password is a message on the form; repeated failures are slowed down with a wait time', async () => {
    await new FormClient(h).signUp('throttle@example.com');
    const c = new FormClient(h);
    await c.get('/portal/login');
    const first = await c.post('/portal/login', { email: 'throttle@example.com', password: 'wrong password here' });
    expect(first.status).toBe(401);
    expect(text(first.html)).toContain('The email address or the password is wrong.');
    let last = first;
    for (let i = 0; i < 8 && last.status !== 429; i++) last = await c.post('/portal/login', { email: 'throttle@example.com', password: 'wrong password here' });
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(text(last.html)).toMatch(/Too many attempts\. Please wait \d+ seconds and try again\./);
  });

  it('a re-sent order form (reload of the result page) does not place the order twice', async () => {
    const c = new FormClient(h);
    await c.signUp('reload@example.com');
    const form = await c.get('/portal/orders/new');
    const formId = /name="form_id" value="([A-Za-z0-9_-]{22})"/.exec(form.html)![1]!;
    const fields = { form_id: formId, product: 'dv', domains: 'reload.example.com', key: 'auto' };
    expect((await c.post('/portal/orders', fields)).status).toBe(201);
    const again = await c.post('/portal/orders', fields);
    expect(again.status).toBe(409);
    expect(text(again.html)).toContain('This order was already placed');
    const list = await c.get('/portal/orders');
    expect(list.html.match(/reload\.example\.com/g)?.length ?? 0).toBeGreaterThan(0);
    const customer = await h.deps.store.customers.byEmail('reload@example.com');
    expect((await h.deps.store.orders.listByCustomer(customer!.id)).length).toBe(1);
    // A new form is a new order.
    const next = await c.get('/portal/orders/new');
    const nextId = /name="form_id" value="([A-Za-z0-9_-]{22})"/.exec(next.html)![1]!;
    expect(nextId).not.toBe(formId);
    expect((await c.post('/portal/orders', { ...fields, form_id: nextId })).status).toBe(201);
  });

  it('new order: every fault is shown next to its field with a 400, never a 500', async () => {
    const c = new FormClient(h);
    await c.signUp('orders-bad@example.com');
    await c.get('/portal/orders/new');
    const cases: [Record<string, string>, string, string][] = [
      [{ product: 'dv', domains: '', key: 'auto' }, 'domains', 'Enter at least one host name'],
      [{ product: 'dv', domains: 'bad_name.example.com', key: 'auto' }, 'domains', 'invalid label'],
      [{ product: 'dv', domains: 'localhost', key: 'auto' }, 'domains', 'not a fully qualified domain name'],
      [{ product: 'dv', domains: 'co.uk', key: 'auto' }, 'domains', 'public suffix'],
      [{ product: 'ov', domains: 'ov.example.com', key: 'auto' }, 'org_name', 'Required for OV certificates'],
      [{ product: 'ev', domains: 'ev.example.com', key: 'auto', ...ORG_FIELDS, org_country: 'XX' }, 'org_country', 'not an ISO 3166-1 alpha-2 country code'],
      [{ product: 'ev', domains: 'ev.example.com', key: 'auto', ...ORG_FIELDS }, 'ev_category', 'Required for EV certificates'],
      [{ product: 'ev', domains: 'ev.example.com', key: 'auto', ...ORG_FIELDS, ev_category: 'Private Organization' }, 'ev_registration', 'Required for EV certificates'],
      [{ product: 'dv', domains: 'csr.example.com', key: 'csr', csr: '' }, 'csr', 'Paste your CSR'],
      [{ product: 'dv', domains: 'csr.example.com', key: 'csr', csr: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----' }, 'csr', 'This is a private key, not a CSR'],
      [{ product: 'dv', domains: '', key: 'csr', csr: '-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----' }, 'csr', 'could not be read'],
      [{ product: 'dv', domains: 'csr.example.com', key: 'csr', csr: '-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----' }, 'csr', ''],
      [{ product: 'zz', domains: 'ok.example.com', key: 'weird', www: 'maybe' }, '', ''],
    ];
    // A complete EV order is placed.
    const ev = await c.post('/portal/orders', {
      product: 'ev',
      domains: 'ev-ok.example.com',
      key: 'auto',
      ...ORG_FIELDS,
      ev_category: 'Private Organization',
      ev_registration: '01234567',
      ev_jurisdiction_country: 'GB',
    });
    expect(ev.status).toBe(201);
    for (const [fields, field, message] of cases) {
      const r = await c.post('/portal/orders', fields);
      if (!field) {
        // Unknown choices fall back to the defaults (DV, AutoCSR): the order is placed.
        expect(r.status).toBe(201);
        continue;
      }
      expect(r.status, JSON.stringify(fields)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.html).toContain('id="error-summary"');
      expect(r.html).toMatch(new RegExp(`id="f-${field}"[^>]*aria-invalid="true"|<textarea id="f-${field}"[^>]*aria-invalid="true"|<select id="f-${field}"[^>]*aria-invalid="true"`));
      if (message) expect(text(r.html), JSON.stringify(fields)).toContain(message);
      // What was typed is kept.
      if (fields.domains) expect(r.html).toContain(fields.domains);
    }
  });

  it('takes the names from a pasted CSR and strips https:// and paths from typed names', async () => {
    const c = new FormClient(h);
    await c.signUp('orders-good@example.com');
    await c.get('/portal/orders/new');
    const r = await c.post('/portal/orders', { product: 'dv', domains: 'https://Shop.Example.com/cart?x=1\nhttp://www.example.com:8443/', key: 'auto', www: '1' });
    expect(r.status).toBe(201);
    expect(text(r.html)).toContain('shop.example.com, www.example.com, example.com');

    const { csr } = opensslCsr({ key: 'rsa:2048', cn: 'mail.example.com', sans: ['mail.example.com', 'smtp.example.com'] });
    await c.get('/portal/orders/new');
    const fromCsr = await c.post('/portal/orders', { product: 'dv', domains: '', key: 'csr', csr });
    expect(fromCsr.status).toBe(201);
    expect(text(fromCsr.html)).toContain('for mail.example.com, smtp.example.com is placed');
    expect(fromCsr.html).not.toContain('id="archive-h"');
    // Names that differ from the CSR's are refused by the API's own check, shown by the CSR field.
    await c.get('/portal/orders/new');
    const mismatch = await c.post('/portal/orders', { product: 'dv', domains: 'other.example.com', key: 'csr', csr });
    expect(mismatch.status).toBe(400);
    expect(mismatch.html).toMatch(/<textarea id="f-csr"[^>]*aria-invalid="true"|id="f-domains"[^>]*aria-invalid="true"/);
  });

  it('refuses oversized forms with a 413 page', async () => {
    const c = new FormClient(h);
    await c.get('/portal/track');
    const r = await c.post('/portal/track', {}, { body: `_csrf=${c.csrf}&caReference=${'A'.repeat(70 * 1024)}` });
    expect(r.status).toBe(413);
    expect(text(r.html)).toContain('Too much data');
  });
});

describe('CSRF and same-origin', () => {
  it('refuses a POST without the token, with another session’s token, from another origin, or not urlencoded', async () => {
    const c = new FormClient(h);
    await c.signUp('csrf@example.com');
    await c.get('/portal/orders/new');
    const good = c.csrf;
    const other = new FormClient(h);
    await other.signUp('csrf-other@example.com');
    await other.get('/portal/orders/new');
    expect(other.csrf).not.toBe(good);

    const fields = { product: 'dv', domains: 'csrf.example.com', key: 'auto' };
    const refused = [
      await c.post('/portal/orders', fields, { csrf: null }),
      await c.post('/portal/orders', fields, { csrf: '' }),
      await c.post('/portal/orders', fields, { csrf: other.csrf }),
      await c.post('/portal/orders', fields, { headers: { origin: 'https://evil.example' } }),
      await c.post('/portal/orders', fields, { headers: { origin: 'null' } }),
      await c.post('/portal/orders', fields, { headers: { 'sec-fetch-site': 'cross-site' } }),
      await c.post('/portal/orders', fields, { headers: { 'sec-fetch-site': 'same-site' } }),
      await c.post('/portal/orders', fields, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, _csrf: good }) }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(text(r.html)).toContain('This form could not be accepted');
    }
    // The same form with the token, from this origin, passes; "Origin: null" only with Sec-Fetch-Site: same-origin.
    expect((await c.post('/portal/orders', fields, { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } })).status).toBe(201);
    expect((await c.post('/portal/orders', fields, { headers: { origin: 'http://localhost' } })).status).toBe(201);
  });

  it('binds the token to the session: a new log-in gets a new token, log-out needs it too', async () => {
    const c = new FormClient(h);
    await c.signUp('rotate@example.com');
    await c.get('/portal/orders');
    const first = c.csrf;
    expect((await c.post('/portal/logout', {}, { csrf: null })).status).toBe(403);
    expect((await c.post('/portal/logout', {})).location).toBe('/portal/login?bye');
    await c.get('/portal/login');
    await c.post('/portal/login', { email: 'rotate@example.com', password: 'maple river candle orbit' });
    await c.get('/portal/orders');
    expect(c.csrf).not.toBe(first);
  });
});

describe('cookies', () => {
  it('http base URL: HttpOnly, SameSite=Lax, no Secure; the token is the API session token', async () => {
    const c = new FormClient(h);
    await c.get('/portal/signup');
    const r = await h.app.request('http://localhost/portal/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ _csrf: c.csrf, email: 'cookie@example.com', password: 'maple river candle orbit', password2: 'maple river candle orbit' }).toString(),
    });
    const set = r.headers.getSetCookie().find((s) => s.startsWith('eabgate_session='))!;
    expect(set).toMatch(/; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(set).not.toMatch(/Secure/);
    const token = set.slice('eabgate_session='.length, set.indexOf(';'));
    expect((await h.request('GET', '/api/v1/orders', { token })).status).toBe(200);
  });

  it('https base URL: __Host- prefix and Secure', async () => {
    const hs = await harness({ EABGATE_BASE_URL: 'https://portal.example.com' });
    try {
      const c = new FormClient(hs, 'https://portal.example.com');
      const page = await hs.app.request('https://portal.example.com/portal/signup');
      expect(page.headers.getSetCookie()[0]).toMatch(/^__Host-eabgate_csrf=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      await c.signUp('secure@example.com');
      expect([...c.cookies.keys()].sort()).toEqual(['__Host-eabgate_csrf', '__Host-eabgate_session']);
    } finally {
      hs.close();
    }
  });
});

describe('secrets with a time limit', () => {
  it('explains an expired unlock code and links to a reissue', async () => {
    const c = new FormClient(h);
    await c.signUp('expiry@example.com');
    await c.get('/portal/orders/new');
    const placed = await c.post('/portal/orders', { product: 'dv', domains: 'expiry.example.com', key: 'auto' });
    const orderNumber = /Order <strong class="mono">([^<]+)</.exec(placed.html)![1]!;
    expect(placed.headers.get('cache-control')).toBe('no-store');
    const before = await c.get(`/portal/orders/${orderNumber}`);
    expect(text(before.html)).toMatch(/6 days 23 hours left|7 days 0 hours left/);
    const revealed = await c.post(`/portal/orders/${orderNumber}/unlock-code`, {});
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.html).toMatch(/id="unlock-code"[^>]*>([2-9A-Z]{4}-){6}[2-9A-Z]{4}</);

    h.clock.advance(7 * DAY_MS + 60_000);
    try {
      // The 12-hour session is long over: log in again.
      expect((await c.get(`/portal/orders/${orderNumber}`)).location).toMatch(/^\/portal\/login\?next=/);
      await c.logIn('expiry@example.com');
      const page = await c.get(`/portal/orders/${orderNumber}`);
      expect(text(page.html)).toContain('The unlock code is no longer available');
      const gone = await c.post(`/portal/orders/${orderNumber}/unlock-code`, {});
      expect(gone.status).toBe(410);
      expect(text(gone.html)).toContain('cannot be regenerated');
      expect(gone.html).toContain('href="/portal/track"');
      expect(text(gone.html)).toContain('reissue');
    } finally {
      h.clock.advance(-(7 * DAY_MS + 60_000));
    }
  });

  it('EAB: reveal within 7 days (view recorded); afterwards an explanation, and revoke-and-replace gives a readable pair', async () => {
    const c = new FormClient(h);
    await c.signUp('eab@example.com');
    const created = await h.request('POST', '/api/v1/admin/subscriptions', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      json: { accountEmail: 'eab@example.com', plan: 'business' },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const list = await c.get('/portal/caas');
    expect(text(list.html)).toContain('Plan “business”');
    expect(text(list.html)).toContain('0 of 250 used');
    const shown = await c.post(`/portal/caas/${id}/reveal`, {});
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.html).toMatch(/id="eab-hmac"[^>]*>[A-Za-z0-9_-]{43}</);
    for (const name of ['certbot', 'lego', 'acme.sh', 'Caddy', 'cert-manager', 'Traefik']) expect(text(shown.html)).toContain(name);

    h.clock.advance(8 * DAY_MS);
    try {
      await c.logIn('eab@example.com');
      const later = await c.get('/portal/caas');
      expect(text(later.html)).toContain('The credentials can no longer be viewed');
      expect(text(later.html)).toContain('203.0.113.1');
      const gone = await c.post(`/portal/caas/${id}/reveal`, {});
      expect(gone.status).toBe(410);
      expect(text(gone.html)).toContain('cannot be shown again');
      expect(text(gone.html)).not.toContain('POST /api');
      const unconfirmed = await c.post(`/portal/caas/${id}/replace`, {});
      expect(unconfirmed.status).toBe(400);
      const replaced = await c.post(`/portal/caas/${id}/replace`, { confirm: '1' });
      expect(replaced.status).toBe(201);
      expect(replaced.html).toMatch(/id="eab-hmac"[^>]*>[A-Za-z0-9_-]{43}</);
      const other = new FormClient(h);
      await other.signUp('eab-other@example.com');
      await other.get('/portal/caas');
      expect((await other.post(`/portal/caas/${id}/reveal`, {})).status).toBe(404);
    } finally {
      h.clock.advance(-8 * DAY_MS);
    }
  });

  it('tracking: wrong references are slowed down with a message on the form', async () => {
    const c = new FormClient(h);
    await c.get('/portal/track');
    let r = await c.post('/portal/track', { caReference: 'CAR-2222-2222-2222-2222-2222-2222-2222' }, { headers: { 'x-test-client': '198.51.100.99' } });
    expect(r.status).toBe(404);
    for (let i = 0; i < 15 && r.status !== 429; i++) {
      r = await c.post('/portal/track', { caReference: 'CAR-2222-2222-2222-2222-2222-2222-2222' }, { headers: { 'x-test-client': '198.51.100.99' } });
    }
    expect(r.status).toBe(429);
    expect(text(r.html)).toContain('Too many wrong CA References from your network.');
    expect(r.html).toContain('name="caReference"');
  });
});
