/**
 * Rate limits (EABGATE_LIMIT_*): per account and per client address for sign-ups, new orders, domain checks
 * and new ACME accounts; over a limit 429 with Retry-After (ACME: rateLimited). Counts are in the store.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';
import { trackingWorld, type TrackingWorld } from '../support/tracking.js';
import { acmeWorld, problemOf, type AcmeWorld } from '../support/acme-world.js';
import { AcmeTestClient, type Fetcher } from '../support/acme.js';
import { placeAutoCsr } from '../support/order.js';
import { FormClient } from '../portal/form-client.js';

const PASSWORD = 'correct horse battery staple';
let closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});
async function h(env: Record<string, string>): Promise<Harness> {
  const x = await harness(env);
  closers.push(() => x.close());
  return x;
}

const from = (client: string) => ({ 'x-test-client': client });

async function expect429(r: Response, windowSeconds: number, detail: RegExp): Promise<void> {
  expect(r.status).toBe(429);
  const retry = Number(r.headers.get('retry-after'));
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(windowSeconds);
  const body = (await r.json()) as { type: string; detail: string; retryAfter: number };
  expect(body.type).toMatch(/too-many-requests$/);
  expect(body.retryAfter).toBe(retry);
  expect(body.detail).toMatch(detail);
}

describe('sign-ups', () => {
  it('are limited per client address (REST), other addresses unaffected, until the window ends', async () => {
    const x = await h({ EABGATE_LIMIT_SIGNUPS: 'address=2/600' });
    const signup = (email: string, client: string) => x.request('POST', '/api/v1/accounts', { json: { email, password: PASSWORD }, headers: from(client) });
    expect((await signup('a1@example.com', '192.0.2.1')).status).toBe(201);
    expect((await signup('a2@example.com', '192.0.2.1')).status).toBe(201);
    await expect429(await signup('a3@example.com', '192.0.2.1'), 600, /sign-ups from this address/);
    expect((await signup('b1@example.com', '192.0.2.2')).status).toBe(201);
    x.clock.advance(600_000);
    expect((await signup('a3@example.com', '192.0.2.1')).status).toBe(201);
  });

  it('count the portal and the REST API together; the portal answers its 429 page with Retry-After', async () => {
    const x = await h({ EABGATE_LIMIT_SIGNUPS: 'address=1/600' });
    expect((await x.request('POST', '/api/v1/accounts', { json: { email: 'r@example.com', password: PASSWORD }, headers: from('192.0.2.7') })).status).toBe(201);
    const browser = new FormClient(x);
    await browser.get('/portal/signup');
    const fields = { email: 'p@example.com', password: PASSWORD, password2: PASSWORD };
    const refused = await browser.post('/portal/signup', fields, { headers: from('192.0.2.7') });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.html).toMatch(/Too many/);
    await browser.get('/portal/signup');
    const other = await browser.post('/portal/signup', fields, { headers: from('192.0.2.8') });
    expect(other.status).toBe(303);
  });

  it('an IPv6 client counts as its /64', async () => {
    const x = await h({ EABGATE_LIMIT_SIGNUPS: 'address=1/600' });
    const signup = (email: string, client: string) => x.request('POST', '/api/v1/accounts', { json: { email, password: PASSWORD }, headers: from(client) });
    expect((await signup('v6a@example.com', '2001:db8:1:2::1')).status).toBe(201);
    expect((await signup('v6b@example.com', '2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await signup('v6c@example.com', '2001:db8:1:3::1')).status).toBe(201);
  });
});

describe('new orders', () => {
  // A body the schema accepts and the order service refuses: counted, cheap (no key pair is made).
  const order = (x: Harness, token: string, client: string) =>
    x.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['not a domain!'] }, headers: from(client) });

  it('are limited per account and per client address', async () => {
    const x = await h({ EABGATE_LIMIT_ORDERS: 'account=2/600,address=3/600' });
    const alice = await customer(x, 'alice@example.com');
    const bob = await customer(x, 'bob@example.com');
    expect((await order(x, alice, '192.0.2.1')).status).toBe(400);
    expect((await order(x, alice, '192.0.2.1')).status).toBe(400);
    await expect429(await order(x, alice, '192.0.2.1'), 600, /new orders for this account/);
    // Another account from another address is not affected …
    expect((await order(x, bob, '192.0.2.2')).status).toBe(400);
    // … but from the busy address it is (3 counted there already).
    await expect429(await order(x, bob, '192.0.2.1'), 600, /new orders from this address/);
    x.clock.advance(600_000);
    expect((await order(x, alice, '192.0.2.1')).status).toBe(400);
  });

  it('the portal answers its 429 page with Retry-After', async () => {
    const x = await h({ EABGATE_LIMIT_ORDERS: 'account=1/600' });
    await customer(x, 'portal@example.com');
    const browser = new FormClient(x);
    await browser.get('/portal/login');
    expect((await browser.post('/portal/login', { email: 'portal@example.com', password: PASSWORD })).status).toBe(303);
    const fields = { form_id: 'f1', product: 'dv', key: 'auto', domains: 'not a domain!' };
    await browser.get('/portal/orders/new');
    const first = await browser.post('/portal/orders', { ...fields, form_id: /name="form_id" value="([^"]+)"/.exec((await browser.get('/portal/orders/new')).html)?.[1] ?? 'x' });
    expect(first.status).toBe(400);
    const second = await browser.post('/portal/orders', { ...fields, form_id: /name="form_id" value="([^"]+)"/.exec((await browser.get('/portal/orders/new')).html)?.[1] ?? 'y' });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('domain checks (validate, "Check now")', () => {
  let w: TrackingWorld;
  afterEach(async () => w?.close());

  it('are limited per account of the order and per client address, REST and portal together', async () => {
    w = await trackingWorld({ EABGATE_LIMIT_VALIDATE: 'account=3/600,address=2/600' });
    const token = await customer(w.h, 'tracker@example.com');
    const placed = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['unknown.test'] });
    const validate = (client: string) =>
      w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: placed.caReference }, headers: from(client) });
    expect((await validate('192.0.2.1')).status).toBe(200);
    expect((await validate('192.0.2.1')).status).toBe(200);
    await expect429(await validate('192.0.2.1'), 600, /domain checks from this address/);
    await expect429(await validate('192.0.2.2'), 600, /domain checks for this order's account/);
    // The portal's "Check now" counts in the same family and shows the 429 page.
    const browser = new FormClient(w.h);
    await browser.get('/portal/track');
    const page = await browser.post('/portal/track/validate', { caReference: placed.caReference }, { headers: from('192.0.2.3') });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    w.h.clock.advance(600_000);
    expect((await validate('192.0.2.1')).status).toBe(200);
  });
});

describe('new ACME accounts', () => {
  let w: AcmeWorld;
  afterEach(async () => w?.close());

  it('are limited per subscription and per client address (rateLimited + Retry-After); finding an account is not counted', async () => {
    w = await acmeWorld({ env: { EABGATE_LIMIT_ACME_ACCOUNTS: 'account=1/600,address=2/600' } });
    const fromAddress = (client: string): Fetcher => (url, init) =>
      w.fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-test-client': client } });
    const first = await w.registered();
    // The same key again finds its account: not counted.
    expect((await first.register(undefined)).status).toBe(200);
    const second = await AcmeTestClient.open(fromAddress('192.0.2.9'), w.directoryUrl);
    const refused = await second.register(w.eab);
    expect(problemOf(refused)).toMatchObject({ type: 'rateLimited', status: 429 });
    expect(problemOf(refused).detail).toMatch(/new ACME accounts for this subscription/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Per address: the default test address has one new account counted; one more passes, then 429.
    const other = await w.provision('second@example.com');
    expect((await (await w.client()).register(other)).status).toBe(201);
    const third = await w.provision('third@example.com');
    const byAddress = await (await w.client()).register(third);
    expect(problemOf(byAddress)).toMatchObject({ type: 'rateLimited', status: 429 });
    expect(problemOf(byAddress).detail).toMatch(/from this address/);
    expect(Number(byAddress.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('logins', () => {
  it('a lock-out of one address does not lock another address out of the same account', async () => {
    const x = await h({});
    await customer(x, 'owner@example.com');
    const login = (password: string, client: string) =>
      x.request('POST', '/api/v1/sessions', { json: { email: 'owner@example.com', password }, headers: from(client) });
    for (let i = 0; i < 6; i++) expect((await login('wrong password!!', '198.51.100.66')).status).toBe(401);
    const locked = await login(PASSWORD, '198.51.100.66');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(PASSWORD, '198.51.100.67')).status).toBe(201);
  });
});

describe('settings', () => {
  it('are validated at start', async () => {
    const { loadConfig } = await import('../../src/core/config.js');
    const base = { EABGATE_DATA_DIR: '/tmp/x' };
    expect(() => loadConfig({ ...base, EABGATE_LIMIT_SIGNUPS: 'account=1/60' })).toThrow(/^EABGATE_LIMIT_SIGNUPS: /);
    expect(() => loadConfig({ ...base, EABGATE_LIMIT_ORDERS: 'account=0/60' })).toThrow(/^EABGATE_LIMIT_ORDERS: /);
    expect(() => loadConfig({ ...base, EABGATE_LIMIT_VALIDATE: 'address=5/100000' })).toThrow(/^EABGATE_LIMIT_VALIDATE: /);
    expect(() => loadConfig({ ...base, EABGATE_LIMIT_ACME_ACCOUNTS: 'five' })).toThrow(/^EABGATE_LIMIT_ACME_ACCOUNTS: /);
    expect(() => loadConfig({ ...base, EABGATE_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/^EABGATE_TRUSTED_PROXIES: /);
    expect(() => loadConfig({ ...base, EABGATE_PASSWORD_HASH_THREADS: '-1' })).toThrow(/^EABGATE_PASSWORD_HASH_THREADS: /);
    const c = loadConfig({ ...base, EABGATE_LIMIT_ORDERS: 'off', EABGATE_LIMIT_VALIDATE: 'address=5/60', EABGATE_TRUSTED_PROXIES: '10.0.0.0/8, ::1' });
    expect(c.limits.orders).toEqual({});
    expect(c.limits.validate).toEqual({ address: { count: 5, windowSeconds: 60 } });
    expect(c.limits.signups).toEqual({ address: { count: 20, windowSeconds: 3600 } });
    expect(c.trustedProxies.map((n) => n.text)).toEqual(['10.0.0.0/8', '::1/128']);
  });
});
