/**
 * What the ACME server and the registration authority call: `eabKeyFor` (the EAB key resolver), the plan
 * policy's `check` (newOrder/finalize) and `reserve`/`release` (the certificate count). The resolver's
 * answers are checked against the EAB verifier of src/acme/eab; the policy's domain errors through the
 * ACME edge's mapping to RFC 8555 problem types.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { exportJWK, FlattenedSign, generateKeyPair } from 'jose';
import type { Harness } from '../support/harness.js';
import { DAY_MS } from '../../src/core/clock.js';
import { Problem, ACME_PROBLEM_BASE } from '../../src/core/problem.js';
import { fromBase64Url, utf8 } from '../../src/core/encoding.js';
import { EabKeys } from '../../src/caas/eab-keys.js';
import type { EabBinding } from '../../src/caas/subscriptions.js';
import { AcmePlanPolicy, type PlanRequest } from '../../src/caas/acme-policy.js';
import { DomainError } from '../../src/core/errors.js';
import { acmeProblem } from '../../src/acme/server/domain-errors.js';
import { verifyExternalAccountBinding, type EabKeyResolver } from '../../src/acme/eab/verify.js';
import { caasHarness, customer, subscribe, reveal, admin, bindAcmeAccount, type CredentialsJson, type SubscriptionJson } from './support.js';

let h: Harness;
let caas: EabKeys;
let plans: AcmePlanPolicy;
let token: string;
beforeEach(async () => {
  h = await caasHarness();
  caas = new EabKeys(h.deps);
  plans = new AcmePlanPolicy(h.deps);
  token = await customer(h, 'alice@example.com');
});
afterEach(() => h.close());

async function refusal(kid: string): Promise<Problem> {
  const r = await caas.eabKeyFor(kid);
  expect(r.status).toBe('refused');
  if (r.status !== 'refused') throw new Error('not refused');
  expect(r.problem.type).toBe(`${ACME_PROBLEM_BASE}unauthorized`);
  return r.problem;
}

async function credentials(sub: SubscriptionJson): Promise<CredentialsJson> {
  return (await (await reveal(h, token, sub.id)).json()) as CredentialsJson;
}

describe('eabKeyFor', () => {
  it('hands back the raw HMAC key bytes and the subscription for a usable kid', async () => {
    const sub = await subscribe(h, 'alice@example.com', 'starter');
    const c = await credentials(sub);
    const r = await caas.eabKeyFor(c.kid);
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.hmacKey).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.hmacKey)).toEqual(Array.from(fromBase64Url(c.hmacKey)));
    expect(r.subscriptionId).toBe(sub.id);
    expect(r.binding).toEqual({ kid: c.kid, subscriptionId: sub.id, customerId: r.customerId, maxAccountsPerCredential: null });
  });

  it('refuses an unknown kid', async () => {
    expect((await refusal('no-such-kid')).detail).toMatch(/"no-such-kid" is not known/);
    expect((await refusal('')).detail).toMatch(/not known/);
    expect((await refusal('x'.repeat(5000))).detail.length).toBeLessThan(300);
  });

  it('refuses a revoked (replaced) credential', async () => {
    const sub = await subscribe(h, 'alice@example.com');
    await admin(h, 'POST', `/api/v1/admin/subscriptions/${sub.id}/eab-credentials/replace`);
    expect((await refusal(sub.credential!.kid)).detail).toMatch(/was revoked on .* and replaced/);
  });

  it('refuses a kid of a revoked subscription, naming the subscription', async () => {
    const sub = await subscribe(h, 'alice@example.com');
    await admin(h, 'POST', `/api/v1/admin/subscriptions/${sub.id}/revoke`);
    expect((await refusal(sub.credential!.kid)).detail).toMatch(/subscription .* was revoked on/);
  });

  it('refuses a kid of a lapsed subscription (by the injected clock)', async () => {
    const endDay = new Date(h.clock.now().getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
    const sub = await subscribe(h, 'alice@example.com', { preset: 'starter', notAfter: `${endDay}T00:00:00Z` });
    h.clock.set(`${endDay}T00:00:00Z`);
    h.clock.advance(-1000);
    expect((await caas.eabKeyFor(sub.credential!.kid)).status).toBe('ok');
    h.clock.set(`${endDay}T00:00:00Z`);
    expect((await refusal(sub.credential!.kid)).detail).toMatch(new RegExp(`subscription .* ended on ${endDay}`));
  });

  it('refuses a credential that has bound its maximum of ACME accounts; unlimited by default', async () => {
    const two = await subscribe(h, 'alice@example.com', { preset: 'business', maxAccountsPerCredential: 2 });
    const kid = two.credential!.kid;
    bindAcmeAccount(h, kid, two.id);
    expect((await caas.eabKeyFor(kid)).status).toBe('ok');
    bindAcmeAccount(h, kid, two.id);
    expect((await refusal(kid)).detail).toMatch(/bound its maximum of 2 ACME accounts/);
    // A replacement credential starts from zero.
    const r = (await (await admin(h, 'POST', `/api/v1/admin/subscriptions/${two.id}/eab-credentials/replace`)).json()) as { kid: string };
    expect((await caas.eabKeyFor(r.kid)).status).toBe('ok');
    const listed = (await (await admin(h, 'GET', `/api/v1/admin/subscriptions/${two.id}`)).json()) as SubscriptionJson;
    expect(listed.usage.acmeAccountsBound).toBe(2);
    expect(listed.credential!.accountsBound).toBe(0);

    const unlimited = await subscribe(h, 'alice@example.com', 'business');
    for (let i = 0; i < 25; i++) bindAcmeAccount(h, unlimited.credential!.kid, unlimited.id);
    expect((await caas.eabKeyFor(unlimited.credential!.kid)).status).toBe('ok');

    const one = await subscribe(h, 'alice@example.com', { preset: 'starter', maxAccountsPerCredential: 1 });
    bindAcmeAccount(h, one.credential!.kid, one.id);
    expect((await refusal(one.credential!.kid)).detail).toMatch(/maximum of 1 ACME account:/);
  });

  it('works as the resolver of the EAB verifier (RFC 8555 §7.3.4), with the key as the customer got it', async () => {
    const sub = await subscribe(h, 'alice@example.com');
    const c = await credentials(sub);
    const { publicKey } = await generateKeyPair('ES256');
    const accountJwk = await exportJWK(publicKey);
    const url = 'http://127.0.0.1:8080/acme/new-account';
    const resolveKey: EabKeyResolver<EabBinding> = (kid) => caas.eabKeyFor(kid);
    const bind = async (kid: string, key: string) => {
      const jws = await new FlattenedSign(utf8.encode(JSON.stringify(accountJwk)))
        .setProtectedHeader({ alg: 'HS256', kid, url })
        .sign(fromBase64Url(key));
      return verifyExternalAccountBinding({ externalAccountBinding: jws, accountJwk, url, resolveKey });
    };

    const ok = await bind(c.kid, c.hmacKey);
    expect(ok.kid).toBe(c.kid);
    expect(ok.binding.subscriptionId).toBe(sub.id);

    // After revoke-and-replace the old pair is refused with the resolver's own detail.
    const fresh = (await (await h.request('POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`, { token })).json()) as CredentialsJson;
    await expect(bind(c.kid, c.hmacKey)).rejects.toMatchObject({ type: `${ACME_PROBLEM_BASE}unauthorized`, detail: expect.stringMatching(/revoked/) });
    await expect(bind(fresh.kid, c.hmacKey)).rejects.toMatchObject({ detail: expect.stringMatching(/MAC does not verify/) });
    expect((await bind(fresh.kid, fresh.hmacKey)).kid).toBe(fresh.kid);
  });
});

describe('the plan policy: check, reserve and release', () => {
  const order = (names: string[], extra: Partial<PlanRequest> = {}): PlanRequest => ({
    names,
    wildcard: names.some((n) => n.startsWith('*.')),
    ...extra,
  });

  async function rejects(p: Promise<unknown>, type: string, detail: RegExp) {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    const problem = acmeProblem(err as DomainError);
    expect(problem.type).toBe(`${ACME_PROBLEM_BASE}${type}`);
    expect(problem.detail).toMatch(detail);
  }

  it('allows what the plan allows and reports the allowance', async () => {
    const sub = await subscribe(h, 'alice@example.com', 'business');
    const a = await plans.check(sub.id, order(['a.example.com', '*.example.com'], { validityDays: 200 }));
    expect(a).toMatchObject({ subscriptionId: sub.id, maxValidityDays: 200, certificatesIssued: 0, maxCertificates: 250 });
  });

  it('limits names per order and wildcards (rejectedIdentifier)', async () => {
    const sub = await subscribe(h, 'alice@example.com', { preset: 'starter', maxNamesPerOrder: 2 });
    await plans.check(sub.id, order(['a.example.com', 'b.example.com', 'A.example.com']));
    await rejects(plans.check(sub.id, order(['a.example.com', 'b.example.com', 'c.example.com'])), 'rejectedIdentifier', /at most 2 names per order \(maxNamesPerOrder\); this order has 3/);
    await rejects(plans.check(sub.id, order(['*.example.com'])), 'rejectedIdentifier', /does not allow wildcard names \(wildcards: false\) \("\*\.example\.com"\)/);
    await rejects(plans.check(sub.id, { names: ['example.com'], wildcard: true }), 'rejectedIdentifier', /wildcard/);
  });

  it('limits validity (unauthorized, naming maxValidityDays)', async () => {
    const sub = await subscribe(h, 'alice@example.com', 'starter');
    await plans.check(sub.id, order(['a.example.com'], { validityDays: 90 }));
    await rejects(plans.check(sub.id, order(['a.example.com'], { validityDays: 91 })), 'unauthorized', /at most 90 days \(maxValidityDays\); 91 days/);
  });

  it('counts certificates and stops at maxCertificates', async () => {
    const sub = await subscribe(h, 'alice@example.com', { preset: 'starter', maxCertificates: 2 });
    await plans.check(sub.id, order(['a.example.com']));
    await plans.reserve(sub.id, 'order-1');
    await plans.reserve(sub.id, 'order-1'); // idempotent per order
    expect((await plans.check(sub.id, order(['a.example.com']))).certificatesIssued).toBe(1);
    await plans.reserve(sub.id, 'order-2');
    await rejects(plans.check(sub.id, order(['a.example.com'])), 'unauthorized', /2 certificates \(maxCertificates\) have all been issued/);
    await rejects(plans.reserve(sub.id, 'order-3'), 'unauthorized', /2 certificates \(maxCertificates\) have all been issued/);
    await plans.release('order-2');
    await plans.reserve(sub.id, 'order-3');
    // Reservations racing for the last certificate: exactly one wins.
    await plans.release('order-3');
    const raced = await Promise.allSettled(['r1', 'r2', 'r3', 'r4'].map((id) => plans.reserve(sub.id, id)));
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const listed = (await (await h.request('GET', '/api/v1/subscriptions', { token })).json()) as { subscriptions: SubscriptionJson[] };
    expect(listed.subscriptions[0]!.usage).toMatchObject({ certificatesIssued: 2, maxCertificates: 2 });
  });

  it('refuses a revoked, a lapsed and an unknown subscription (unauthorized)', async () => {
    const revoked = await subscribe(h, 'alice@example.com');
    await admin(h, 'POST', `/api/v1/admin/subscriptions/${revoked.id}/revoke`);
    await rejects(plans.check(revoked.id, order(['a.example.com'])), 'unauthorized', /subscription was revoked on/);

    const endDay = new Date(h.clock.now().getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
    const lapsing = await subscribe(h, 'alice@example.com', { preset: 'business', notAfter: endDay });
    h.clock.advance(30 * DAY_MS);
    await rejects(plans.check(lapsing.id, order(['a.example.com'])), 'unauthorized', new RegExp(`subscription ended on ${endDay}T23:59:59.999Z`));

    await rejects(plans.check('nope', order(['a.example.com'])), 'unauthorized', /no known subscription/);
  });
});
