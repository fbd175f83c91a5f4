/**
 * Stateless nonces (src/acme/server/nonces.ts): handing one out writes nothing; consuming it checks the
 * MAC and the ten-minute window, then records it with insert-or-fail, so it is single use on every
 * instance sharing the database. Forged, foreign and expired nonces are refused without a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app/app.js';
import { nodeDeps, type NodeDeps } from '../../../src/adapters/node/deps.js';
import { purgeExpired } from '../../../src/core/purge.js';
import { Keyring } from '../../../src/core/secrets/keyring.js';
import { fromBase64Url, toBase64Url } from '../../../src/core/encoding.js';
import { NONCE_CLOCK_SKEW_MS, NONCE_LENGTH, NONCE_TTL_MS, issueNonce, nonceIssuedAt } from '../../../src/acme/server/nonces.js';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeTestClient } from '../../support/acme.js';

let w: AcmeWorld;
let c: AcmeTestClient;
let other: NodeDeps;
let app2: ReturnType<typeof createApp>;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
  // A second instance: its own app, services and SQLite connection, the same database file and secret.
  other = await nodeDeps(w.h.deps.config, { clock: w.h.clock, logger: { info() {}, error() {} } });
  app2 = createApp(other);
});
afterAll(async () => {
  other.sqlite.close();
  await w.close();
});

const rows = (): number => (w.h.deps.sqlite.sqlite.prepare('SELECT count(*) AS n FROM acme_nonces').get() as { n: number }).n;

/** POST-as-GET of the account with `nonce`, on instance 1 (over the socket) or 2 (in process). */
async function postAsGet(nonce: string, on: 1 | 2) {
  const body = JSON.stringify(await c.jws(c.kid!, '', { nonce }));
  const init = { method: 'POST', headers: { 'content-type': 'application/jose+json' }, body };
  const r = on === 1 ? await w.fetch(c.kid!, init) : await app2.request(c.kid!, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: JSON.parse(text) as Record<string, unknown> };
}

function flip(nonce: string, byte: number): string {
  const bytes = fromBase64Url(nonce);
  bytes[byte]! ^= 1;
  return toBase64Url(bytes);
}

describe('stateless nonces', () => {
  it('cost no row to hand out, on either instance', async () => {
    const before = rows();
    for (let i = 0; i < 20; i++) {
      await c.freshNonce();
      await app2.request(c.dir.newNonce, { method: 'HEAD' });
      await w.fetch(w.directoryUrl);
    }
    expect(rows()).toBe(before);
    const n = await c.freshNonce();
    expect(n).toMatch(new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`));
  });

  it('are accepted once: a replay on the same or the other instance is badNonce, with a fresh nonce to retry', async () => {
    const nonce = (await app2.request(c.dir.newNonce, { method: 'HEAD' })).headers.get('replay-nonce')!;
    const before = rows();
    expect((await postAsGet(nonce, 1)).status).toBe(200);
    expect(rows()).toBe(before + 1);
    for (const on of [1, 2] as const) {
      const replay = await postAsGet(nonce, on);
      expect(problemOf(replay)).toMatchObject({ type: 'badNonce', status: 400 });
      const fresh = replay.headers.get('replay-nonce')!;
      expect(fresh).toMatch(new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`));
      expect((await postAsGet(fresh, on === 1 ? 2 : 1)).status).toBe(200);
    }
  });

  it('race: of concurrent uses of one nonce on two instances, exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const nonce = await c.freshNonce();
      const results = await Promise.all([postAsGet(nonce, 1), postAsGet(nonce, 2), postAsGet(nonce, 1), postAsGet(nonce, 2)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
    }
  });

  it('refuse forgeries (any changed bit), nonces of another secret key and garbage, writing nothing', async () => {
    const nonce = await c.freshNonce();
    const foreign = await issueNonce({ keyring: await Keyring.fromSecret(crypto.getRandomValues(new Uint8Array(32))), clock: w.h.clock });
    const before = rows();
    for (const bad of [flip(nonce, 0), flip(nonce, 10), flip(nonce, 32), foreign, nonce.slice(0, -4), `${nonce}AAAA`, 'bm90LWlzc3VlZA']) {
      const r = await postAsGet(bad, 1);
      expect(problemOf(r)).toMatchObject({ type: 'badNonce', status: 400 });
      expect(r.headers.get('replay-nonce')).toBeTruthy();
    }
    expect(rows()).toBe(before);
    // The genuine one is still good.
    expect((await postAsGet(nonce, 2)).status).toBe(200);
  });

  it(`expire ${NONCE_TTL_MS / 60_000} minutes after they were issued, whichever instance's clock stamped them`, async () => {
    const keyring = w.h.deps.keyring;
    const now = w.h.clock.now().getTime();
    const late = await c.freshNonce();
    const justInTime = await c.freshNonce();
    expect(await nonceIssuedAt(keyring, late)).toBe(now);
    w.h.clock.advance(NONCE_TTL_MS - 1);
    try {
      expect((await postAsGet(justInTime, 2)).status).toBe(200);
      w.h.clock.advance(1);
      const before = rows();
      expect(problemOf(await postAsGet(late, 1))).toMatchObject({ type: 'badNonce' });
      expect(rows()).toBe(before);
    } finally {
      w.h.clock.set(now);
    }
    // Issued by an instance whose clock runs ahead (or before this clock was set back): accepted once.
    const ahead = await issueNonce({ keyring, clock: { now: () => new Date(now + 3 * NONCE_CLOCK_SKEW_MS) } });
    expect((await postAsGet(ahead, 1)).status).toBe(200);
    expect(problemOf(await postAsGet(ahead, 2))).toMatchObject({ type: 'badNonce' });
  });

  it('the purge deletes the records of used nonces once they would have expired, and only then', async () => {
    const start = w.h.clock.now().getTime();
    try {
      const nonce = await c.freshNonce();
      expect((await postAsGet(nonce, 1)).status).toBe(200);
      w.h.clock.set(start + NONCE_TTL_MS);
      await purgeExpired(w.h.deps.store, w.h.clock);
      const recorded = () => (w.h.deps.sqlite.sqlite.prepare('SELECT count(*) AS n FROM acme_nonces WHERE nonce = ?').get(nonce) as { n: number }).n;
      expect(recorded()).toBe(1);
      w.h.clock.set(start + NONCE_TTL_MS + NONCE_CLOCK_SKEW_MS + 1);
      const report = await purgeExpired(w.h.deps.store, w.h.clock);
      expect(report.acmeNonces).toBeGreaterThan(0);
      expect(recorded()).toBe(0);
    } finally {
      w.h.clock.set(start);
    }
  });
});
