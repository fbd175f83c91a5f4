/** The operator API of CaaS: off without a token, 401 with a wrong one; plans as presets or objects. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, type Harness } from '../support/harness.js';
import { DAY_MS } from '../../src/core/clock.js';
import { ADMIN_TOKEN, admin, caasHarness, customer, subscribe, type SubscriptionJson } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await caasHarness();
  await customer(h, 'alice@example.com');
});
afterAll(() => h.close());

const create = (json: unknown, token?: string) => admin(h, 'POST', '/api/v1/admin/subscriptions', json, token);

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as { type: string; detail: string; field?: string };
}

describe('admin authentication', () => {
  it('does not exist without EABGATE_ADMIN_TOKEN (404, also with a token)', async () => {
    const off = await harness();
    try {
      for (const auth of [undefined, `Bearer ${ADMIN_TOKEN}`]) {
        const res = await off.request('POST', '/api/v1/admin/subscriptions', {
          json: { accountEmail: 'x@example.com', plan: 'starter' },
          headers: auth ? { authorization: auth } : {},
        });
        expect((await problem(res, 404)).type).toMatch(/admin-disabled$/);
      }
      expect((await off.request('GET', '/api/v1/admin/subscriptions')).status).toBe(404);
    } finally {
      off.close();
    }
  });

  it('answers 401 to a wrong or missing token on every admin route', async () => {
    const sub = await subscribe(h, 'alice@example.com');
    for (const [m, p] of [
      ['POST', '/api/v1/admin/subscriptions'],
      ['GET', '/api/v1/admin/subscriptions'],
      ['GET', `/api/v1/admin/subscriptions/${sub.id}`],
      ['POST', `/api/v1/admin/subscriptions/${sub.id}/revoke`],
      ['POST', `/api/v1/admin/subscriptions/${sub.id}/eab-credentials/replace`],
    ] as const) {
      const json = m === 'POST' && p.endsWith('subscriptions') ? { accountEmail: 'alice@example.com', plan: 'starter' } : undefined;
      expect((await admin(h, m, p, json, 'wrong-token-wrong-token')).status, `${m} ${p}`).toBe(401);
      expect((await h.request(m, p, { json })).status, `${m} ${p} without token`).toBe(401);
    }
    // Nothing changed: the subscription is still active with its first key id.
    const now = (await (await admin(h, 'GET', `/api/v1/admin/subscriptions/${sub.id}`)).json()) as SubscriptionJson;
    expect(now.status).toBe('active');
    expect(now.credential!.kid).toBe(sub.credential!.kid);
  });

  it('does not accept a customer session as the admin token', async () => {
    const t = await customer(h, 'mallory@example.com');
    expect((await h.request('GET', '/api/v1/admin/subscriptions', { token: t })).status).toBe(401);
  });
});

describe('POST /api/v1/admin/subscriptions', () => {
  it('creates a subscription from a preset, with credentials and default term of 365 days', async () => {
    const res = await create({ accountEmail: 'Alice@Example.com', plan: 'starter' });
    expect(res.status).toBe(201);
    const s = (await res.json()) as SubscriptionJson;
    expect(res.headers.get('location')).toBe(`/api/v1/admin/subscriptions/${s.id}`);
    expect(s.accountEmail).toBe('alice@example.com');
    expect(s.plan).toMatchObject({ name: 'starter', maxCertificates: 10, maxNamesPerOrder: 5, wildcards: false, maxValidityDays: 90 });
    expect(s.plan.maxAccountsPerCredential).toBeNull();
    expect(new Date(s.notAfter).getTime()).toBe(h.clock.now().getTime() + 365 * DAY_MS);
    expect(s.status).toBe('active');
    expect(s.usage).toEqual({ certificatesIssued: 0, maxCertificates: 10, acmeAccountsBound: 0 });
    expect(s.credential).toMatchObject({ revoked: false, revealable: true, accountsBound: 0 });
    expect(new Date(s.credential!.revealableUntil).getTime()).toBe(h.clock.now().getTime() + 7 * DAY_MS);
    // The operator never sees the HMAC key.
    expect(JSON.stringify(s)).not.toMatch(/hmac/i);
  });

  it('takes a preset with overrides, and a full custom plan', async () => {
    // Calendar days relative to the injected clock, so the test holds on any date.
    const day = (days: number) => new Date(h.clock.now().getTime() + days * DAY_MS).toISOString().slice(0, 10);
    const over = await subscribe(h, 'alice@example.com', { preset: 'business', maxCertificates: 7, maxAccountsPerCredential: 2, notAfter: day(200) });
    expect(over.plan).toMatchObject({ name: 'business', maxCertificates: 7, maxNamesPerOrder: 50, wildcards: true, maxAccountsPerCredential: 2 });
    expect(over.notAfter).toBe(`${day(200)}T23:59:59.999Z`);
    const custom = await subscribe(h, 'alice@example.com', {
      maxCertificates: 3,
      maxNamesPerOrder: 2,
      wildcards: false,
      maxValidityDays: 47,
      maxAccountsPerCredential: 1,
      notAfter: `${day(40)}T00:00:00Z`,
    });
    expect(custom.plan).toEqual({
      name: 'custom',
      maxCertificates: 3,
      maxNamesPerOrder: 2,
      wildcards: false,
      maxValidityDays: 47,
      maxAccountsPerCredential: 1,
      notAfter: `${day(40)}T00:00:00.000Z`,
    });
  });

  it.each([
    [{ plan: 'gold' }, 'plan', /unknown plan "gold".*starter, business, enterprise/],
    [{ plan: 42 }, 'plan', /plan name .* or an object/],
    [{ plan: { preset: 'platinum' } }, 'plan.preset', /unknown plan "platinum"/],
    [{ plan: { preset: 'starter', maxCertificates: 0 } }, 'plan.maxCertificates', /between 1 and 1000000, got 0/],
    [{ plan: { preset: 'starter', maxCertificates: 2.5 } }, 'plan.maxCertificates', /whole number/],
    [{ plan: { preset: 'starter', maxCertificates: '5' } }, 'plan.maxCertificates', /whole number/],
    [{ plan: { preset: 'starter', maxNamesPerOrder: 101 } }, 'plan.maxNamesPerOrder', /between 1 and 100/],
    [{ plan: { preset: 'starter', maxValidityDays: 399 } }, 'plan.maxValidityDays', /between 1 and 398/],
    [{ plan: { preset: 'starter', maxAccountsPerCredential: 0 } }, 'plan.maxAccountsPerCredential', /between 1 and 10000/],
    [{ plan: { preset: 'starter', wildcards: 'yes' } }, 'plan.wildcards', /true or false/],
    [{ plan: { preset: 'starter', notAfter: 'next year' } }, 'plan.notAfter', /ISO 8601/],
    [{ plan: { preset: 'starter', notAfter: '2020-01-01' } }, 'plan.notAfter', /in the future/],
    [{ plan: { preset: 'starter', notAfter: new Date(Date.now() + 4000 * DAY_MS).toISOString().slice(0, 10) } }, 'plan.notAfter', /at most 3653 days/],
    [{ plan: { preset: 'starter', maxCerts: 5 } }, 'plan.maxCerts', /unknown plan field; the fields are preset, maxCertificates/],
    [{ plan: { maxCertificates: 5 } }, 'plan.maxNamesPerOrder', /required when the plan names no preset/],
    [{ plan: 'starter', extra: 1 }, 'extra', /unknown field/],
    [{}, 'plan', /.+/],
  ])('refuses %j with a 400 naming %s', async (body, field, detail) => {
    const p = await problem(await create({ accountEmail: 'alice@example.com', ...body }), 400);
    expect(p.field).toBe(field);
    expect(p.detail).toMatch(detail);
    expect(p.detail).toContain(field);
  });

  it('answers 404 naming accountEmail for an unknown account', async () => {
    const p = await problem(await create({ accountEmail: 'nobody@example.com', plan: 'starter' }), 404);
    expect(p.field).toBe('accountEmail');
    expect(p.detail).toMatch(/nobody@example\.com/);
  });
});

describe('listing, revoking, replacing', () => {
  it('lists every subscription with its account', async () => {
    await customer(h, 'bob@example.com');
    const b = await subscribe(h, 'bob@example.com', 'enterprise');
    const list = (await (await admin(h, 'GET', '/api/v1/admin/subscriptions')).json()) as { subscriptions: SubscriptionJson[] };
    const found = list.subscriptions.find((s) => s.id === b.id)!;
    expect(found.accountEmail).toBe('bob@example.com');
    expect(found.plan.name).toBe('enterprise');
    expect(list.subscriptions.some((s) => s.accountEmail === 'alice@example.com')).toBe(true);
  });

  it('revokes a subscription once (then 409), and its credential with it', async () => {
    const s = await subscribe(h, 'alice@example.com');
    const res = await admin(h, 'POST', `/api/v1/admin/subscriptions/${s.id}/revoke`);
    expect(res.status).toBe(200);
    const v = (await res.json()) as SubscriptionJson;
    expect(v.status).toBe('revoked');
    expect(v.revokedAt).toBe(h.clock.now().toISOString());
    expect(v.credential).toMatchObject({ kid: s.credential!.kid, revoked: true, revealable: false });
    expect((await problem(await admin(h, 'POST', `/api/v1/admin/subscriptions/${s.id}/revoke`), 409)).detail).toMatch(/revoked already/);
    expect((await admin(h, 'POST', `/api/v1/admin/subscriptions/${s.id}/eab-credentials/replace`)).status).toBe(410);
  });

  it('replaces the credential: a new kid, the old one revoked, no HMAC key in the answer', async () => {
    const s = await subscribe(h, 'alice@example.com');
    const res = await admin(h, 'POST', `/api/v1/admin/subscriptions/${s.id}/eab-credentials/replace`);
    expect(res.status).toBe(201);
    const r = (await res.json()) as { subscriptionId: string; kid: string; revealableUntil: string };
    expect(Object.keys(r).sort()).toEqual(['kid', 'revealableUntil', 'subscriptionId']);
    expect(r.kid).not.toBe(s.credential!.kid);
    const v = (await (await admin(h, 'GET', `/api/v1/admin/subscriptions/${s.id}`)).json()) as SubscriptionJson;
    expect(v.credential!.kid).toBe(r.kid);
    expect(v.previousCredentials).toEqual([{ kid: s.credential!.kid, issuedAt: s.credential!.issuedAt, revokedAt: h.clock.now().toISOString() }]);
  });

  it('answers 404 for an unknown subscription', async () => {
    for (const [m, p] of [
      ['GET', '/api/v1/admin/subscriptions/nope'],
      ['POST', '/api/v1/admin/subscriptions/nope/revoke'],
      ['POST', '/api/v1/admin/subscriptions/nope/eab-credentials/replace'],
    ] as const) {
      expect((await admin(h, m, p)).status).toBe(404);
    }
  });
});
