/**
 * newAccount over HTTP (RFC 8555 §7.3, §7.3.4): External Account Binding is required, and each way a
 * binding can be wrong is refused with its problem type while no account is created. A known key comes
 * back with 200 and Location without a binding; onlyReturnExisting never creates one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeReply, AcmeTestClient } from '../../support/acme.js';
import { testKey } from '../jws/support.js';

let w: AcmeWorld;
let c: AcmeTestClient;

beforeAll(async () => {
  w = await acmeWorld();
});
afterAll(() => w.close());
beforeEach(async () => {
  c = await w.client();
});

const accounts = () => (w.h.deps.sqlite.sqlite.prepare('select count(*) as n from acme_accounts').get() as { n: number }).n;

async function refused(send: () => Promise<AcmeReply>, type: string, detail: RegExp, status = 400): Promise<AcmeReply> {
  const before = accounts();
  const r = await send();
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
  expect(r.headers.get('replay-nonce')).toBeTruthy();
  expect(accounts()).toBe(before);
  return r;
}

const newAccount = async (eab: unknown) => c.post(c.dir.newAccount, { termsOfServiceAgreed: true, externalAccountBinding: eab }, { jwk: true });

describe('newAccount with External Account Binding', () => {
  it('creates the account: 201, Location, the binding echoed, the orders URL', async () => {
    const r = await c.register(w.eab);
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toMatch(new RegExp(`^${w.baseUrl}/acme/acct/[0-9a-f-]{36}$`));
    expect(r.body).toMatchObject({
      status: 'valid',
      contact: ['mailto:ops@example.com'],
      orders: `${r.headers.get('location')}/orders`,
      externalAccountBinding: { protected: expect.any(String), payload: expect.any(String), signature: expect.any(String) },
    });
    const row = w.h.deps.sqlite.sqlite.prepare('select eab_kid, subscription_id from acme_accounts where id = ?').get(r.headers.get('location')!.split('/').pop()) as {
      eab_kid: string;
      subscription_id: string;
    };
    expect(row).toEqual({ eab_kid: w.eab.kid, subscription_id: w.eab.subscriptionId });
  });

  it('gives a registered key its account back (200 + Location) without a binding', async () => {
    const first = await c.register(w.eab);
    const again = await c.register(undefined, {}, {});
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const existing = await c.register(undefined, { onlyReturnExisting: true });
    expect(existing.status).toBe(200);
    expect(existing.headers.get('location')).toBe(first.headers.get('location'));
  });

  it('onlyReturnExisting with an unknown key → accountDoesNotExist, no account', async () => {
    await refused(() => c.post(c.dir.newAccount, { onlyReturnExisting: true }, { jwk: true }), 'accountDoesNotExist', /No account exists for this key/);
  });

  it('no binding → externalAccountRequired', async () => {
    await refused(() => c.register(undefined), 'externalAccountRequired', /requires External Account Binding/);
  });

  it('a wrong HMAC key → unauthorized', async () => {
    const eab = await c.eab(w.eab, { hmacKey: crypto.getRandomValues(new Uint8Array(32)) });
    await refused(() => newAccount(eab), 'unauthorized', /MAC does not verify/, 403);
  });

  it('an unknown key id → unauthorized', async () => {
    const eab = await c.eab({ kid: 'kid_unknown', hmacKey: w.eab.hmacKey });
    await refused(() => newAccount(eab), 'unauthorized', /"kid_unknown" is not known/, 403);
  });

  it('a revoked (replaced) key id → unauthorized', async () => {
    const sub = await w.provision('replaced@example.com');
    const replaced = await w.admin(`/api/v1/admin/subscriptions/${sub.subscriptionId}/eab-credentials/replace`);
    expect(replaced.status).toBe(201);
    await refused(async () => newAccount(await c.eab(sub)), 'unauthorized', /was revoked on .* and replaced/, 403);
  });

  it('a key id of a revoked subscription → unauthorized', async () => {
    const sub = await w.provision('revoked@example.com');
    expect((await w.admin(`/api/v1/admin/subscriptions/${sub.subscriptionId}/revoke`)).status).toBe(200);
    await refused(async () => newAccount(await c.eab(sub)), 'unauthorized', /subscription .* was revoked/, 403);
  });

  it('a key id of an expired subscription → unauthorized', async () => {
    const end = new Date(w.h.clock.now().getTime() + 10 * 86_400_000).toISOString();
    const sub = await w.provision('expired@example.com', { preset: 'starter', notAfter: end });
    w.h.clock.set(new Date(end).getTime() + 1000);
    try {
      await refused(async () => newAccount(await c.eab(sub)), 'unauthorized', /subscription .* ended on/, 403);
    } finally {
      w.h.clock.set(Date.now());
    }
  });

  it('a binding whose payload is another key → unauthorized', async () => {
    const other = await testKey('ES256');
    const eab = await c.eab(w.eab, { payloadJwk: other.publicJwk });
    await refused(() => newAccount(eab), 'unauthorized', /binds a different key/, 403);
  });

  it('a binding whose url is another endpoint → unauthorized', async () => {
    const eab = await c.eab(w.eab, { url: c.dir.newOrder });
    await refused(() => newAccount(eab), 'unauthorized', /is not the newAccount URL/, 403);
  });

  it('a nonce in the binding header → malformed', async () => {
    const eab = await c.eab(w.eab, { header: { nonce: await c.freshNonce() } });
    await refused(() => newAccount(eab), 'malformed', /must not have "nonce"/);
  });

  it('an algorithm outside HS256/384/512 → badSignatureAlgorithm', async () => {
    const forged = await c.eab(w.eab);
    const header = JSON.parse(Buffer.from(forged.protected, 'base64url').toString());
    const r = await refused(
      () => newAccount({ ...forged, protected: Buffer.from(JSON.stringify({ ...header, alg: 'RS256' })).toString('base64url') }),
      'badSignatureAlgorithm',
      /not a MAC algorithm/,
    );
    expect(r.body.algorithms).toEqual(['HS256', 'HS384', 'HS512']);
  });

  it('accepts HS384 and HS512 bindings', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const k = await w.client();
      const r = await k.post(k.dir.newAccount, { termsOfServiceAgreed: true, externalAccountBinding: await k.eab(w.eab, { alg }) }, { jwk: true });
      expect(r.status, r.text).toBe(201);
    }
  });

  it('binds no more accounts than the plan allows per credential', async () => {
    const sub = await w.provision('one-account@example.com', { preset: 'starter', maxAccountsPerCredential: 1 });
    expect((await c.register(sub)).status).toBe(201);
    const second = await w.client();
    await refused(() => second.register(sub), 'unauthorized', /maximum of 1 ACME account/, 403);
  });

  it('binds at most the plan limit when registrations race', async () => {
    const sub = await w.provision('race@example.com', { preset: 'starter', maxAccountsPerCredential: 2 });
    const clients = await Promise.all(Array.from({ length: 6 }, () => w.client()));
    const results = await Promise.all(clients.map((k) => k.register(sub)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 403)).toHaveLength(4);
  });

  it('accepts mailto: contacts only', async () => {
    await refused(() => c.register(w.eab, { contact: ['tel:+15555550100'] }), 'unsupportedContact', /only mailto: URLs/);
    await refused(() => c.register(w.eab, { contact: ['mailto:a@example.com?subject=x'] }), 'invalidContact', /header fields/);
    await refused(() => c.register(w.eab, { contact: ['mailto:a@example.com,b@example.com'] }), 'invalidContact', /several addresses/);
    await refused(() => c.register(w.eab, { contact: ['mailto:not-an-address'] }), 'invalidContact', /not a valid email address/);
    await refused(() => c.register(w.eab, { contact: 'mailto:a@example.com' }), 'malformed', /must be an array/);
    expect((await c.register(w.eab, { contact: [] })).status).toBe(201);
  });

  it('refuses a newAccount without a payload (POST-as-GET)', async () => {
    await refused(() => c.post(c.dir.newAccount, '', { jwk: true }), 'malformed', /JSON object payload/);
  });
});
