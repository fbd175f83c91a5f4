/**
 * Stateless nonces (src/acme/server/nonces.ts): handing one out writes nothing; consuming it checks the
 * MAC and the ten-minute window, then records it. On Node's SQLite (one process) the record is kept in
 * memory (src/core/store/memory-nonces.ts) and the nonce's MAC is scoped to that process: a second process
 * on the same database file refuses the first one's nonces (badNonce, then a retry with its own), so no
 * nonce is ever accepted twice. Shared databases record nonces in their table: test/db/store.test.ts and
 * test/adapters/node/postgres-instances.test.ts. Forged, foreign and expired nonces are refused at once.
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
import type { MemoryNonceStore } from '../../../src/core/store/memory-nonces.js';

let w: AcmeWorld;
let c: AcmeTestClient;
let other: NodeDeps;
let app2: ReturnType<typeof createApp>;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
  // A second process, in effect: its own app, services and SQLite connection, the same database file and secret.
  other = await nodeDeps(w.h.deps.config, { clock: w.h.clock, logger: { info() {}, error() {} } });
  app2 = createApp(other);
});
afterAll(async () => {
  other.sqlite.close();
  await w.close();
});

const rows = (): number => (w.h.deps.sqlite.sqlite.prepare('SELECT count(*) AS n FROM acme_nonces').get() as { n: number }).n;
const remembered = (): number => (w.h.deps.store.acme.nonces as MemoryNonceStore).size;

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
  it('cost no row to hand out, on either instance, nor to use on SQLite', async () => {
    const before = rows();
    for (let i = 0; i < 20; i++) {
      await c.freshNonce();
      await app2.request(c.dir.newNonce, { method: 'HEAD' });
      await w.fetch(w.directoryUrl);
    }
    expect(rows()).toBe(before);
    const n = await c.freshNonce();
    expect(n).toMatch(new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`));
    const used = remembered();
    expect((await postAsGet(n, 1)).status).toBe(200);
    expect(rows()).toBe(0);
    expect(remembered()).toBe(used + 1);
  });

  it('are accepted once: a replay is badNonce, with a fresh nonce to retry', async () => {
    for (const on of [1, 2] as const) {
      const nonce = on === 1 ? await c.freshNonce() : (await app2.request(c.dir.newNonce, { method: 'HEAD' })).headers.get('replay-nonce')!;
      expect((await postAsGet(nonce, on)).status).toBe(200);
      const replay = await postAsGet(nonce, on);
      expect(problemOf(replay)).toMatchObject({ type: 'badNonce', status: 400 });
      const fresh = replay.headers.get('replay-nonce')!;
      expect(fresh).toMatch(new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`));
      expect((await postAsGet(fresh, on)).status).toBe(200);
    }
  });

  it('of another process on the same SQLite file are refused with badNonce, whose fresh nonce then works', async () => {
    for (const [from, to] of [[1, 2], [2, 1]] as const) {
      const nonce = from === 1 ? await c.freshNonce() : (await app2.request(c.dir.newNonce, { method: 'HEAD' })).headers.get('replay-nonce')!;
      const refused = await postAsGet(nonce, to);
      expect(problemOf(refused)).toMatchObject({ type: 'badNonce', status: 400 });
      expect((await postAsGet(refused.headers.get('replay-nonce')!, to)).status).toBe(200);
      // Refused there, the nonce is still good (once) where it was issued.
      expect((await postAsGet(nonce, from)).status).toBe(200);
      expect(problemOf(await postAsGet(nonce, from))).toMatchObject({ type: 'badNonce' });
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
    expect((await postAsGet(nonce, 1)).status).toBe(200);
  });

  it(`expire ${NONCE_TTL_MS / 60_000} minutes after they were issued, whatever the clock that stamped them`, async () => {
    const keyring = w.h.deps.keyring;
    const scope = w.h.deps.store.acme.nonces.scope;
    const now = w.h.clock.now().getTime();
    const late = await c.freshNonce();
    const justInTime = await c.freshNonce();
    expect(await nonceIssuedAt(keyring, late, scope)).toBe(now);
    expect(await nonceIssuedAt(keyring, late)).toBeUndefined();
    w.h.clock.advance(NONCE_TTL_MS - 1);
    try {
      expect((await postAsGet(justInTime, 1)).status).toBe(200);
      w.h.clock.advance(1);
      const before = rows();
      expect(problemOf(await postAsGet(late, 1))).toMatchObject({ type: 'badNonce' });
      expect(rows()).toBe(before);
    } finally {
      w.h.clock.set(now);
    }
    // Issued before this clock was set back: accepted once.
    const ahead = await issueNonce({ keyring, scope, clock: { now: () => new Date(now + 3 * NONCE_CLOCK_SKEW_MS) } });
    expect((await postAsGet(ahead, 1)).status).toBe(200);
    expect(problemOf(await postAsGet(ahead, 1))).toMatchObject({ type: 'badNonce' });
  });

  it('the purge deletes the records of used nonces once they would have expired, and only then', async () => {
    const start = w.h.clock.now().getTime();
    try {
      const nonce = await c.freshNonce();
      expect((await postAsGet(nonce, 1)).status).toBe(200);
      w.h.clock.set(start + NONCE_TTL_MS);
      const kept = remembered();
      expect((await purgeExpired(w.h.deps.store, w.h.clock)).acmeNonces).toBe(0);
      expect(remembered()).toBe(kept);
      w.h.clock.set(start + NONCE_TTL_MS + NONCE_CLOCK_SKEW_MS + 1);
      const report = await purgeExpired(w.h.deps.store, w.h.clock);
      expect(report.acmeNonces).toBeGreaterThan(0);
      expect(remembered()).toBe(kept - report.acmeNonces);
    } finally {
      w.h.clock.set(start);
    }
  });
});
