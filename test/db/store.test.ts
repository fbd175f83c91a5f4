/**
 * Store conformance: the same behaviour from the one store (src/db/drizzle-store.ts) on every backend it
 * runs on, each seen as two instances sharing one database (two connections to one SQLite file; two
 * pools on one real PostgreSQL, test/support/postgres.ts). Races are run between the two instances:
 * whatever the interleaving, every conditional change has one winner and every counter counts right.
 *
 * D1: the project's own binding (wrangler.toml, `DB`) from wrangler's getPlatformProxy, in memory (no
 * persistence, so nothing touches .wrangler/state), migrated from drizzle/ as `wrangler d1 migrations
 * apply` would; both "instances" are Drizzle d1 stores on that binding, as Workers isolates share it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openSqliteStore } from '../../src/adapters/node/sqlite.js';
import { openPostgresStore } from '../../src/adapters/node/postgres.js';
import { drizzleStore } from '../../src/db/drizzle-store.js';
import { drizzle as drizzleD1 } from 'drizzle-orm/d1';
import { migrate as migrateD1 } from 'drizzle-orm/d1/migrator';
import { getPlatformProxy } from 'wrangler';
import type { D1Database } from '@cloudflare/workers-types/latest';
import { isUniqueViolation } from '../../src/db/store/conditional.js';
import { ACCOUNT_CACHE_MS } from '../../src/db/store/acme.js';
import type { Store, OrderRecord } from '../../src/core/store/types.js';
import { startPostgres, postgresMissing, pgMigrationCount, type TestPostgres } from '../support/postgres.js';

interface Backend {
  a: Store;
  b: Store;
  close(): Promise<void>;
}

let seq = 0;
const id = (p: string) => `${p}-${Date.now().toString(36)}-${(seq++).toString(36)}`;
const NOW = Date.now();
const at = (offsetMs = 0) => new Date(NOW + offsetMs);

async function customer(s: Store) {
  const c = { id: id('cust'), email: `${id('e')}@example.com`, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y', createdAt: at() };
  await s.customers.create(c);
  return c;
}

function order(customerId: string): OrderRecord {
  return {
    id: id('ord'),
    orderNumber: id('no'),
    customerId,
    caReferenceDigest: id('ref'),
    product: 'dv',
    domains: ['a.example', 'b.example'],
    organization: { name: 'Example', country: 'DE' },
    csrPem: '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n',
    autoCsr: true,
    status: 'pending_validation',
    statusReason: null,
    issuerHandle: null,
    issuanceId: null,
    issuanceStartedAt: null,
    issuanceLeaseAt: null,
    replacesCertificateId: null,
    approvedAt: null,
    createdAt: at(),
    processedAt: at(),
    updatedAt: at(),
    renewsOrderId: null,
  };
}

async function subscription(s: Store, customerId: string, maxCertificates: number) {
  const sub = {
    id: id('sub'),
    customerId,
    plan: 'test',
    maxCertificates,
    maxNamesPerOrder: 10,
    wildcards: true,
    maxValidityDays: 90,
    maxAccountsPerCredential: 2,
    notAfter: at(86_400_000),
    certificatesIssued: 0,
    status: 'active' as const,
    createdAt: at(),
    revokedAt: null,
  };
  await s.caas.createSubscription(sub);
  return sub;
}

function conformance(name: string, open: () => Promise<Backend>, skip?: string) {
  describe.skipIf(!!skip)(`store on ${name}`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await open();
    }, 60_000);
    afterAll(async () => {
      await be?.close();
    });

    it('keeps values as written: dates to the millisecond, booleans, JSON, nulls', async () => {
      const c = await customer(be.a);
      const o = order(c.id);
      await be.a.orders.create(o);
      const back = await be.b.orders.byId(o.id);
      expect(back).toEqual(o);
      expect(back!.createdAt.getTime()).toBe(NOW);
      expect(await be.b.customers.byEmail(c.email)).toEqual(c);
    });

    it('refuses a duplicate unique value with an error the store recognises', async () => {
      const c = await customer(be.a);
      const err = await be.b.customers.create({ ...c, id: id('cust') }).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });

    it('applies one of two racing transitions from the same state, on either instance', async () => {
      const c = await customer(be.a);
      const o = order(c.id);
      await be.a.orders.create(o);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? be.a : be.b).orders.transition(o.id, ['pending_validation'], { status: 'pending_issuance', issuanceId: `iss-${i}`, updatedAt: at(i) }),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect((await be.a.orders.byId(o.id))!.issuanceId).toBe(winners[0]!.issuanceId);
      // A match on a column (IS NULL / equality) is part of the condition too.
      expect(await be.b.orders.transition(o.id, ['pending_issuance'], { statusReason: 'x' }, { replacesCertificateId: 'nope' })).toBeUndefined();
      expect(await be.b.orders.transition(o.id, ['pending_issuance'], { statusReason: 'x' }, { replacesCertificateId: null })).toMatchObject({ statusReason: 'x' });
    });

    it('writes an order with its validations and mail atomically, and a transition\'s mail only for the one winner', async () => {
      const c = await customer(be.a);
      const o = order(c.id);
      const validation = (domain: string) => ({
        id: id('dv'),
        orderId: o.id,
        domain,
        token: id('tok'),
        keyAuthorization: id('ka'),
        status: 'pending' as const,
        method: null,
        lastCheckedAt: null,
        lastResult: null,
        validatedAt: null,
      });
      const mail = (eventKey: string) => ({ id: id('mail'), eventKey, recipient: c.email, kind: 'test', sealed: 'sealed', createdAt: at() });
      await be.a.mail.placeOrder({ order: o, validations: o.domains.map(validation) }, [mail(`shipment:${o.id}`)]);
      expect((await be.b.domainValidations.forOrder(o.id)).map((v) => v.domain).sort()).toEqual(o.domains);
      expect(await be.b.mail.byEvent(`shipment:${o.id}`)).toHaveLength(1);
      // A placement that fails part-way (a duplicate order number) leaves no row of it behind.
      const twin = { ...order(c.id), orderNumber: o.orderNumber };
      await expect(be.b.mail.placeOrder({ order: twin, validations: [] }, [mail(`shipment:${twin.id}`)])).rejects.toThrow();
      expect(await be.a.orders.byId(twin.id)).toBeUndefined();
      expect(await be.a.mail.byEvent(`shipment:${twin.id}`)).toHaveLength(0);
      // Racing transitions with a mail each under one event key: one wins, one mail is written.
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? be.a : be.b).mail.transitionOrder(o.id, ['pending_validation'], { status: 'rejected', statusReason: `r${i}`, updatedAt: at(1000 + i) }, {}, [
            mail(`rejected:${o.id}`),
          ]),
        ),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect(await be.a.mail.byEvent(`rejected:${o.id}`)).toHaveLength(1);
      // A transition whose condition fails writes no mail.
      expect(await be.b.mail.transitionOrder(o.id, ['pending_validation'], { status: 'failed', updatedAt: at(2000) }, {}, [mail(`failed:${o.id}`)])).toBeUndefined();
      expect(await be.b.mail.byEvent(`failed:${o.id}`)).toHaveLength(0);
    });

    it('creates the CA material once: the first instance wins, the others get its row', async () => {
      const material = (n: number) => ({
        id: id('ca'),
        rootCertPem: `root-${n}`,
        intermediateCertPem: `int-${n}`,
        rootKeySealed: `rk-${n}`,
        intermediateKeySealed: `ik-${n}`,
        crlNumber: 0,
        createdAt: at(),
      });
      const first = material(1);
      const rows = await Promise.all([1, 2, 3, 4].map((n) => (n % 2 ? be.a : be.b).caMaterial.createIfAbsent({ ...material(n), id: first.id })));
      expect(new Set(rows.map((r) => r.rootCertPem)).size).toBe(1);
      expect(rows[0]).toEqual(await be.b.caMaterial.get(first.id));
      // CRL numbers: distinct and consecutive however many instances ask at once.
      const numbers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? be.a : be.b).caMaterial.nextCrlNumber(first.id)));
      expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('lets a nonce be used once across instances, and purges used nonces once expired', async () => {
      const nonce = id('nonce');
      const used = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? be.a : be.b).acme.nonces.markUsed(nonce, at(60_000))));
      expect(used.filter(Boolean)).toHaveLength(1);
      await be.b.acme.nonces.markUsed(id('nonce'), at(-1));
      const purged = await Promise.all([be.a.acme.nonces.purgeExpired(at()), be.b.acme.nonces.purgeExpired(at())]);
      expect(purged[0] + purged[1]).toBeGreaterThanOrEqual(1);
      expect(await be.a.acme.nonces.markUsed(nonce, at(60_000))).toBe(false);
    });

    it('counts failures in one row however many instances hit it at once', async () => {
      const key = id('throttle');
      const counts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? be.a : be.b).throttles.hit(key, at(), 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      // A hit after the window starts a new one.
      expect(await be.a.throttles.hit(key, at(61_000), 60_000)).toEqual({ count: 1, windowStart: at(61_000) });
    });

    it('counts several keys in one unit, each in its own window, racing instances included', async () => {
      const [k1, k2] = [id('throttle'), id('throttle')];
      const hits = [{ key: k1, windowMs: 60_000 }, { key: k2, windowMs: 10_000 }];
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? be.a : be.b).throttles.hitAll(hits, at())));
      for (const k of [0, 1]) expect(results.map((r) => r[k]!.count).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      // 20 s later the second key's window (10 s) starts again, the first's (60 s) goes on; results keep the order asked.
      expect(await be.a.throttles.hitAll(hits, at(20_000))).toEqual([
        { count: 7, windowStart: at() },
        { count: 1, windowStart: at(20_000) },
      ]);
      expect(await be.b.throttles.hit(k2, at(21_000), 10_000)).toEqual({ count: 2, windowStart: at(20_000) });
      expect(await be.a.throttles.hitAll([], at())).toEqual([]);
    });

    it("reserves no more certificates than the plan's maximum, whatever the instances race", async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 3);
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? be.a : be.b).caas.reserveCertificate(sub.id, `acme-order-${sub.id}-${i}`, at())));
      expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(3);
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(9);
      expect((await be.b.caas.subscription(sub.id))!.certificatesIssued).toBe(3);
      const held = `acme-order-${sub.id}-${outcomes.indexOf('reserved')}`;
      expect(await be.b.caas.reserveCertificate(sub.id, held, at())).toBe('held');
      expect(await be.a.caas.releaseCertificate(held)).toBe(true);
      expect(await be.b.caas.releaseCertificate(held)).toBe(false);
      // The count (a column kept with the rows) follows: one released, none twice.
      expect((await be.a.caas.subscription(sub.id))!.certificatesIssued).toBe(2);
      expect((await be.b.caas.subscriptionsOf(c.id)).find((x) => x.id === sub.id)!.certificatesIssued).toBe(2);
      expect(await be.b.caas.reserveCertificate(sub.id, held, at())).toBe('reserved');
      expect((await be.a.caas.subscription(sub.id))!.certificatesIssued).toBe(3);
      expect(await be.a.caas.reserveCertificate(sub.id, `acme-order-${sub.id}-extra`, at())).toBe('refused');
    });

    it('binds no more ACME accounts to a key id than allowed, whatever the instances race', async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 3);
      const kid = id('kid');
      const account = (i: number) => ({
        id: id('acct'),
        thumbprint: id(`tp${i}`),
        jwk: { kty: 'EC', crv: 'P-256', x: `x${i}`, y: `y${i}` },
        status: 'valid' as const,
        contact: [`mailto:${i}@example.com`],
        eabKid: kid,
        subscriptionId: sub.id,
        createdAt: at(),
      });
      const accounts = Array.from({ length: 8 }, (_, i) => account(i));
      const outcomes = await Promise.all(accounts.map((a, i) => (i % 2 ? be.a : be.b).acme.accounts.create(a, 2)));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(2);
      expect(await be.a.caas.accountsBoundTo(kid)).toBe(2);
      const created = accounts[outcomes.indexOf('created')]!;
      expect(await be.b.acme.accounts.byThumbprint(created.thumbprint)).toEqual(created);
      expect(await be.b.acme.accounts.create(created, 2)).toBe('exists');
    });

    it('answers accounts by id from memory for ACCOUNT_CACHE_MS: its own changes at once, another instance\'s within that time', async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 3);
      const acct = { id: id('acct'), thumbprint: id('tp'), jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, status: 'valid' as const, contact: [], eabKid: id('kid'), subscriptionId: sub.id, createdAt: at() };
      expect(await be.a.acme.accounts.create(acct, null)).toBe('created');
      expect(await be.a.acme.accounts.byId(acct.id)).toEqual(acct);
      expect(await be.b.acme.accounts.byId(acct.id)).toEqual(acct);
      // A copy each time: changing one does not change what the next caller gets.
      const mine = (await be.a.acme.accounts.byId(acct.id))!;
      mine.status = 'revoked';
      expect((await be.a.acme.accounts.byId(acct.id))!.status).toBe('valid');
      // Through the same store: seen at once (contact, key rollover, deactivation).
      await be.a.acme.accounts.update(acct.id, { contact: ['mailto:new@example.com'] });
      expect((await be.a.acme.accounts.byId(acct.id))!.contact).toEqual(['mailto:new@example.com']);
      expect(await be.a.acme.accounts.changeKey(acct.id, acct.thumbprint, { thumbprint: id('tp2'), jwk: { kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2' } })).toBe('changed');
      expect((await be.a.acme.accounts.byId(acct.id))!.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2' });
      await be.a.acme.accounts.update(acct.id, { status: 'deactivated' });
      expect((await be.a.acme.accounts.byId(acct.id))!.status).toBe('deactivated');
      // Through another instance: seen once the entry is ACCOUNT_CACHE_MS old.
      await new Promise((r) => setTimeout(r, ACCOUNT_CACHE_MS + 50));
      expect(await be.b.acme.accounts.byId(acct.id)).toMatchObject({ status: 'deactivated', jwk: { x: 'x2' }, contact: ['mailto:new@example.com'] });
    });

    it('stores an ACME order with its authorizations at once, and readies the pending orders using an authorization when all of theirs are valid', async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 10);
      const acct = { id: id('acct'), thumbprint: id('tp'), jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, status: 'valid' as const, contact: [], eabKid: id('kid'), subscriptionId: sub.id, createdAt: at() };
      expect(await be.a.acme.accounts.create(acct, null)).toBe('created');
      const acmeOrder = (oid: string) => ({
        id: oid, accountId: acct.id, status: 'pending' as const, identifiers: [{ type: 'dns', value: 'a.example' }, { type: 'dns', value: 'b.example' }],
        notBefore: null, notAfter: null, expires: at(7 * 86_400_000), error: null, certificateId: null, issuerHandle: null, replaces: null,
        profile: null, csrPem: null, processingStartedAt: null, leaseAt: null, createdAt: at(),
      });
      const o1 = acmeOrder(id('ao'));
      const authz = (value: string) => ({ id: id('az'), orderId: o1.id, accountId: acct.id, identifierType: 'dns', identifierValue: value, wildcard: false, status: 'pending' as const, expires: at(7 * 86_400_000), validatedAt: null });
      const [za, zb] = [authz('a.example'), authz('b.example')];
      const chall = (authzId: string) => ({ id: id('ch'), authzId, type: 'http-01', token: id('tok'), status: 'pending' as const, validated: null, error: null, attemptedAt: null });
      const challenges = [chall(za.id), chall(zb.id)];
      await be.a.acme.orders.create(o1, [za, zb], challenges);
      // A second order reusing a.example's authorization only (and its own, already valid, for b).
      const o2 = acmeOrder(id('ao'));
      const zb2 = { ...authz('b.example'), orderId: o2.id, status: 'valid' as const, validatedAt: at() };
      await be.b.acme.orders.create(o2, [zb2], [], [za.id]);
      expect((await be.b.acme.authorizations.forOrder(o1.id)).map((a) => a.id).sort()).toEqual([za.id, zb.id].sort());
      expect(await be.b.acme.challenges.withAuthorization(challenges[1]!.id)).toEqual({ challenge: challenges[1], authorization: zb });
      expect(await be.b.acme.challenges.withAuthorization(id('none'))).toBeUndefined();

      // a.example validated (one unit: challenge, authorization, orders): o2 (a valid, b valid) becomes ready,
      // o1 (b still pending) does not.
      const [ca, cb] = challenges as [(typeof challenges)[0], (typeof challenges)[0]];
      expect(await be.a.acme.challenges.update(ca.id, { status: 'processing', attemptedAt: at() }, ['pending'])).toBe(true);
      expect(await be.b.acme.challenges.validated(ca.id, za.id, at(1000), at(7 * 86_400_000))).toBe(true);
      expect(await be.a.acme.challenges.withAuthorization(ca.id)).toEqual({
        challenge: { ...ca, status: 'valid', validated: at(1000), attemptedAt: at() },
        authorization: { ...za, status: 'valid', validatedAt: at(1000), expires: at(7 * 86_400_000) },
      });
      expect((await be.a.acme.orders.byId(o2.id))!.status).toBe('ready');
      expect((await be.a.acme.orders.byId(o1.id))!.status).toBe('pending');
      // A second success for the same challenge (a racing validation) changes nothing.
      expect(await be.a.acme.challenges.validated(ca.id, za.id, at(2000), at(8 * 86_400_000))).toBe(false);
      expect((await be.b.acme.authorizations.byId(za.id))!.validatedAt).toEqual(at(1000));
      expect(await be.a.acme.challenges.update(cb.id, { status: 'processing', attemptedAt: at() }, ['pending'])).toBe(true);
      expect(await be.a.acme.challenges.validated(cb.id, zb.id, at(), at(7 * 86_400_000))).toBe(true);
      expect((await be.b.acme.orders.byId(o1.id))!.status).toBe('ready');

      // Reuse: the newest valid authorization of the account for the name, validated since the cut-off.
      const found = await be.a.acme.authorizations.reusable(acct.id, { type: 'dns', value: 'b.example', wildcard: false }, at(), at(-60_000));
      expect([zb.id, zb2.id]).toContain(found?.id);
      expect(await be.a.acme.authorizations.reusable(acct.id, { type: 'dns', value: 'b.example', wildcard: true }, at(), at(-60_000))).toBeUndefined();
      expect(await be.a.acme.authorizations.reusable(acct.id, { type: 'dns', value: 'b.example', wildcard: false }, at(8 * 86_400_000), at(-60_000))).toBeUndefined();

      // A failed validation (one unit): the challenge carries the problem, the authorization is invalid.
      const o4 = acmeOrder(id('ao'));
      const zd = { ...authz('d.example'), orderId: o4.id };
      const cd = chall(zd.id);
      await be.a.acme.orders.create(o4, [zd], [cd]);
      expect(await be.a.acme.challenges.invalidated(cd.id, zd.id, { type: 'urn:ietf:params:acme:error:connection' })).toBe(false);
      expect(await be.a.acme.challenges.update(cd.id, { status: 'processing', attemptedAt: at() }, ['pending'])).toBe(true);
      expect(await be.b.acme.challenges.invalidated(cd.id, zd.id, { type: 'urn:ietf:params:acme:error:connection' })).toBe(true);
      expect(await be.a.acme.challenges.withAuthorization(cd.id)).toEqual({
        challenge: { ...cd, status: 'invalid', error: { type: 'urn:ietf:params:acme:error:connection' }, attemptedAt: at() },
        authorization: { ...zd, status: 'invalid' },
      });

      // All or nothing: an order whose challenge clashes with an existing one leaves no order behind.
      const o3 = acmeOrder(id('ao'));
      const z3 = { ...authz('c.example'), orderId: o3.id };
      await expect(be.a.acme.orders.create(o3, [z3], [{ ...challenges[0]!, authzId: z3.id }])).rejects.toThrow();
      expect(await be.b.acme.orders.byId(o3.id)).toBeUndefined();
      expect(await be.b.acme.authorizations.byId(z3.id)).toBeUndefined();
    });

    it("stores one certificate per issuance: a racing attempt gets the first one's row, a serial clash surfaces", async () => {
      // An ACME issuance is named by its order's id (src/ra/acme/issuance.ts), so forAcmeOrder finds it.
      const issuanceId = id('ao');
      const cert = (i: number) => ({
        id: id('cert'), orderId: null, acmeOrderId: issuanceId, serialHex: id(`serial${i}`), certPem: `leaf ${i}`, chainPem: 'chain',
        issuer: 'CN=Test', notBefore: at(), notAfter: at(86_400_000), revokedAt: null, revocationReason: null, replacedBy: null,
        issuanceId, createdAt: at(),
      });
      const attempts = [cert(1), cert(2), cert(3), cert(4)];
      const stored = await Promise.all(attempts.map((c, i) => (i % 2 ? be.a : be.b).certificates.createForIssuance(c)));
      expect(new Set(stored.map((r) => r.id)).size).toBe(1);
      const winner = attempts.find((c) => c.id === stored[0]!.id)!;
      expect(stored[0]).toEqual(winner);
      expect(await be.b.certificates.byId(winner.id)).toEqual(winner);
      expect(await be.a.certificates.byIssuance(issuanceId)).toEqual(winner);
      expect(await be.a.certificates.forAcmeOrder(winner.acmeOrderId)).toEqual(winner);
      // Another issuance reusing the winner's serial is a fault, not a second certificate of that issuance.
      await expect(be.a.certificates.createForIssuance({ ...cert(5), serialHex: winner.serialHex, issuanceId: id('iss') })).rejects.toThrow();
      // A certificate of another issuance that names the order is not the order's (a tracking issuance id never is one).
      expect(await be.a.certificates.forAcmeOrder(id('ao'))).toBeUndefined();
    });

    it('stores an ACME order\'s certificate and makes the order valid in one unit: racing attempts store one and move the order once', async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 10);
      const acct = { id: id('acct'), thumbprint: id('tp'), jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, status: 'valid' as const, contact: [], eabKid: id('kid'), subscriptionId: sub.id, createdAt: at() };
      expect(await be.a.acme.accounts.create(acct, null)).toBe('created');
      const o = {
        id: id('ao'), accountId: acct.id, status: 'pending' as const, identifiers: [{ type: 'dns', value: 'a.example' }],
        notBefore: null, notAfter: null, expires: at(7 * 86_400_000), error: null, certificateId: null, issuerHandle: 'upstream-1', replaces: null,
        profile: null, csrPem: null, processingStartedAt: null, leaseAt: null, createdAt: at(),
      };
      await be.a.acme.orders.create(o, [], []);
      const cert = (i: number) => ({
        id: id('cert'), orderId: null, acmeOrderId: o.id, serialHex: id(`serial${i}`), certPem: `leaf ${i}`, chainPem: 'chain',
        issuer: 'CN=Test', notBefore: at(), notAfter: at(86_400_000), revokedAt: null, revocationReason: null, replacedBy: null,
        issuanceId: o.id, createdAt: at(),
      });
      // Not processing: the certificate is stored, the order stays as it is.
      const early = await be.a.certificates.createForAcmeOrder(cert(0));
      expect(early.attached).toBe(false);
      expect((await be.b.acme.orders.byId(o.id))!.status).toBe('pending');
      // The stored one is the order's: later attempts get it back and move the processing order once.
      await be.a.acme.orders.update(o.id, { status: 'processing' }, ['pending']);
      const results = await Promise.all([cert(1), cert(2), cert(3), cert(4)].map((x, i) => (i % 2 ? be.a : be.b).certificates.createForAcmeOrder(x)));
      expect(results.filter((r) => r.attached)).toHaveLength(1);
      expect(new Set(results.map((r) => r.certificate.id))).toEqual(new Set([early.certificate.id]));
      expect(await be.b.acme.orders.byId(o.id)).toMatchObject({ status: 'valid', certificateId: early.certificate.id, issuerHandle: null, error: null });
      // A serial clash with another issuance is a fault and leaves the order as it was.
      const other = { ...o, id: id('ao'), status: 'pending' as const };
      await be.a.acme.orders.create(other, [], []);
      await be.a.acme.orders.update(other.id, { status: 'processing' }, ['pending']);
      await expect(be.a.certificates.createForAcmeOrder({ ...cert(5), acmeOrderId: other.id, issuanceId: other.id, serialHex: early.certificate.serialHex })).rejects.toThrow();
      expect(await be.b.acme.orders.byId(other.id)).toMatchObject({ status: 'processing', certificateId: null });
    });

    it("claims a ready ACME order and reserves the plan's certificate in one unit: one racing finalize wins, a refusal leaves the order claimed", async () => {
      const c = await customer(be.a);
      const sub = await subscription(be.a, c.id, 1);
      const acct = { id: id('acct'), thumbprint: id('tp'), jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, status: 'valid' as const, contact: [], eabKid: id('kid'), subscriptionId: sub.id, createdAt: at() };
      expect(await be.a.acme.accounts.create(acct, null)).toBe('created');
      const order = (status: 'pending' | 'ready') => ({
        id: id('ao'), accountId: acct.id, status, identifiers: [{ type: 'dns', value: 'a.example' }],
        notBefore: null, notAfter: null, expires: at(7 * 86_400_000), error: null, certificateId: null, issuerHandle: null, replaces: null,
        profile: null, csrPem: null, processingStartedAt: null, leaseAt: null, createdAt: at(),
      });
      // Not ready: nothing changes, nothing is reserved.
      const pending = order('pending');
      await be.a.acme.orders.create(pending, [], []);
      expect(await be.b.caas.claimAndReserve(sub.id, pending.id, 'csr', at(1000))).toBe('unclaimed');
      expect(await be.a.acme.orders.byId(pending.id)).toMatchObject({ status: 'pending', csrPem: null, leaseAt: null });
      expect((await be.a.caas.subscription(sub.id))!.certificatesIssued).toBe(0);
      // Racing finalizes of one ready order: one claims it and reserves, the others change nothing.
      const ready = order('ready');
      await be.a.acme.orders.create(ready, [], []);
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? be.a : be.b).caas.claimAndReserve(sub.id, ready.id, `csr ${i}`, at(2000))));
      expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'unclaimed')).toHaveLength(5);
      const winner = outcomes.indexOf('reserved');
      expect(await be.b.acme.orders.byId(ready.id)).toMatchObject({ status: 'processing', csrPem: `csr ${winner}`, processingStartedAt: at(2000), leaseAt: at(2000) });
      expect((await be.a.caas.subscription(sub.id))!.certificatesIssued).toBe(1);
      expect(await be.a.caas.reserveCertificate(sub.id, ready.id, at(3000))).toBe('held');
      // The plan's one certificate is taken: the next ready order is claimed, and refused.
      const next = order('ready');
      await be.a.acme.orders.create(next, [], []);
      expect(await be.a.caas.claimAndReserve(sub.id, next.id, 'csr', at(4000))).toBe('refused');
      expect(await be.b.acme.orders.byId(next.id)).toMatchObject({ status: 'processing', csrPem: 'csr' });
      expect((await be.b.caas.subscription(sub.id))!.certificatesIssued).toBe(1);
    });

    it('finds closed orders still holding personal data (organization JSON members) and purges their validations', async () => {
      const c = await customer(be.a);
      const old = at(-40 * 86_400_000);
      const withEmail = { ...order(c.id), status: 'failed' as const, organization: { email: 'x@example.com' }, csrPem: '', updatedAt: old };
      const withUnit = { ...order(c.id), status: 'rejected' as const, organization: { unit: 'Ops' }, csrPem: '', updatedAt: old };
      const clean = { ...order(c.id), status: 'failed' as const, organization: { name: 'Example' }, csrPem: '', updatedAt: old };
      const recent = { ...order(c.id), status: 'failed' as const, organization: { email: 'y@example.com' }, updatedAt: at() };
      for (const o of [withEmail, withUnit, clean, recent]) await be.a.orders.create(o);
      await be.a.domainValidations.createMany([
        { id: id('dv'), orderId: withEmail.id, domain: 'a.example', token: 't', keyAuthorization: 'k', status: 'pending', method: null, lastCheckedAt: null, lastResult: null, validatedAt: null },
      ]);
      const found = await be.b.retention.closedOrdersWithPersonalData(at(-30 * 86_400_000), 100);
      const ids = found.map((o) => o.id);
      expect(ids).toEqual(expect.arrayContaining([withEmail.id, withUnit.id]));
      expect(ids).not.toContain(clean.id);
      expect(ids).not.toContain(recent.id);
      expect(await be.b.retention.purgeValidationsOfOrdersClosedBefore(at(-30 * 86_400_000))).toBeGreaterThanOrEqual(1);
      expect(await be.a.domainValidations.forOrder(withEmail.id)).toEqual([]);
    });

    it('selects the upstream orders to follow: live, a name found published, least recently read first, bounded', async () => {
      const c = await customer(be.a);
      const place = async (o: OrderRecord, validation: 'pending' | 'valid', upstream: string, readAt: number) => {
        const v = (domain: string, i: number) => ({
          id: id('dv'),
          orderId: o.id,
          domain,
          token: id('tok'),
          keyAuthorization: id('ka'),
          status: i === 0 ? validation : ('pending' as const),
          method: i === 0 && validation === 'valid' ? 'http-01' : null,
          lastCheckedAt: null,
          lastResult: null,
          validatedAt: i === 0 && validation === 'valid' ? at() : null,
        });
        await be.a.mail.placeOrder({ order: o, validations: o.domains.map(v) }, []);
        const authorizations = [{ domain: 'a.example', url: `https://up.example/authz/${o.id}`, status: 'pending', challenges: [] }];
        await be.a.upstreamOrders.createIfAbsent({
          id: o.id, orderUrl: `https://up.example/order/${o.id}`, status: upstream, expiresAt: null,
          authorizations, detail: null, createdAt: at(), updatedAt: at(readAt),
        } as never);
        return o.id;
      };
      const recent = await place(order(c.id), 'valid', 'pending', 0);
      const older = await place(order(c.id), 'valid', 'ready', -60_000);
      await place(order(c.id), 'pending', 'pending', -120_000); // nothing published yet: Check now answered nothing
      await place(order(c.id), 'valid', 'invalid', -120_000); // the upstream order is over
      await place({ ...order(c.id), status: 'issued' }, 'valid', 'pending', -120_000); // not waiting for validation
      expect(await be.b.upstreamOrders.answered(100)).toEqual([older, recent]);
      expect(await be.a.upstreamOrders.answered(1)).toEqual([older]);
    });

    it('purges expired sessions once when every instance purges at the same time', async () => {
      const c = await customer(be.a);
      for (let i = 0; i < 5; i++) await be.a.sessions.create({ tokenDigest: id('tok'), customerId: c.id, createdAt: at(-10_000), expiresAt: at(-1) });
      const live = { tokenDigest: id('tok'), customerId: c.id, createdAt: at(), expiresAt: at(3_600_000) };
      await be.a.sessions.create(live);
      const gone = await Promise.all([be.a.sessions.purgeExpired(at()), be.b.sessions.purgeExpired(at()), be.a.sessions.purgeExpired(at())]);
      expect(gone.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(5);
      expect(await be.b.sessions.live(live.tokenDigest, at())).toEqual(live);
    });
  });
}

conformance('SQLite (two connections to one file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-store-'));
  const file = join(dir, 'eabgate.db');
  const a = openSqliteStore(file);
  const b = openSqliteStore(file);
  return {
    a: a.store,
    b: b.store,
    async close() {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

conformance('D1 (wrangler getPlatformProxy, in memory)', async () => {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: 'wrangler.toml', persist: false });
  const db = drizzleD1(proxy.env.DB);
  await migrateD1(db, { migrationsFolder: 'drizzle' });
  return {
    a: drizzleStore(db),
    b: drizzleStore(drizzleD1(proxy.env.DB)),
    close: () => proxy.dispose(),
  };
});

let server: TestPostgres | undefined;
conformance(
  'PostgreSQL (two pools, migrated by both at once)',
  async () => {
    server = await startPostgres();
    const url = await server.database('conformance');
    // Two instances starting together: the advisory lock lets one migrate, the other finds it done.
    const [a, b] = await Promise.all([openPostgresStore({ url, poolSize: 4 }), openPostgresStore({ url, poolSize: 4 })]);
    const check = new pg.Client(url);
    await check.connect();
    const applied = await check.query('select count(*)::int as n from drizzle.__drizzle_migrations');
    await check.end();
    expect(applied.rows[0].n).toBe(pgMigrationCount());
    return {
      a: a.store,
      b: b.store,
      async close() {
        await a.close();
        await b.close();
        server?.stop();
      },
    };
  },
  postgresMissing(),
);

describe('PostgreSQL adapter at start', () => {
  it('stops with a clear reason, never the password, when the database cannot be reached', async () => {
    // A loopback port nobody listens on (bound, then released).
    const { freePort } = await import('../support/server.js');
    const port = await freePort();
    const err = await openPostgresStore({ url: `postgres://eabgate:s3cret-pw@127.0.0.1:${port}/eabgate`, poolSize: 2 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^EABGATE_DATABASE_URL: cannot connect to PostgreSQL/);
    expect((err as Error).message).not.toContain('s3cret-pw');
  });
});
