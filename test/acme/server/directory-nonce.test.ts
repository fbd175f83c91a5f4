/**
 * The directory (RFC 8555 §7.1.1), newNonce (§7.2) and nonce handling (§6.5) over HTTP: every response,
 * problems included, carries a fresh Replay-Nonce and the index Link; a nonce works once, on any instance
 * sharing the store; a bad or replayed nonce is `badNonce` (400) with a nonce to retry with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app/app.js';
import { nodeDeps } from '../../../src/adapters/node/deps.js';
import { purgeExpired } from '../../../src/core/purge.js';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeTestClient } from '../../support/acme.js';

let w: AcmeWorld;
let c: AcmeTestClient;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
});
afterAll(() => w.close());

const INDEX = () => `<${w.directoryUrl}>;rel="index"`;

describe('directory', () => {
  it('lists every resource under the configured base URL, and the meta RFC 8555 asks for', async () => {
    const r = await w.fetch(w.directoryUrl);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const d = (await r.json()) as Record<string, unknown>;
    const root = `${w.baseUrl}/acme`;
    expect(d).toMatchObject({
      newNonce: `${root}/new-nonce`,
      newAccount: `${root}/new-account`,
      newOrder: `${root}/new-order`,
      revokeCert: `${root}/revoke-cert`,
      keyChange: `${root}/key-change`,
      renewalInfo: `${root}/renewal-info`,
      meta: {
        termsOfService: `${root}/terms`,
        website: w.baseUrl,
        caaIdentities: ['eabgate.test'],
        externalAccountRequired: true,
        profiles: { tlsserver: expect.any(String), shortlived: expect.stringMatching(/7 days/) },
        challengeTypes: ['http-01', 'dns-01', 'tls-alpn-01'],
      },
    });
    expect(r.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{44}$/);
    expect(r.headers.get('link')).toContain(INDEX());
  });

  it('builds its URLs from EABGATE_BASE_URL, not from the Host header', async () => {
    const r = await w.fetch(w.directoryUrl, { headers: { host: 'evil.example:666', 'x-forwarded-host': 'evil.example' } });
    expect(JSON.stringify(await r.json())).not.toContain('evil.example');
  });

  it('serves the terms of service it points at', async () => {
    const r = await w.fetch(`${w.baseUrl}/acme/terms`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await r.text()).toMatch(/External Account Binding/);
  });
});

describe('newNonce', () => {
  it('HEAD answers 200 and GET 204, each with a fresh nonce, no-store and the index link', async () => {
    const head = await w.fetch(c.dir.newNonce, { method: 'HEAD' });
    const get = await w.fetch(c.dir.newNonce);
    expect([head.status, get.status]).toEqual([200, 204]);
    for (const r of [head, get]) {
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('link')).toContain(INDEX());
      expect(r.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(head.headers.get('replay-nonce')).not.toBe(get.headers.get('replay-nonce'));
  });

  it('refuses POST with 405', async () => {
    const r = await w.fetch(c.dir.newNonce, { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.get('replay-nonce')).toBeTruthy();
  });
});

describe('nonces', () => {
  it('work once: a replay is badNonce (400) with a fresh Replay-Nonce the client can retry with', async () => {
    const nonce = await c.freshNonce();
    const first = await c.post(c.kid!, '', { nonce });
    expect(first.status).toBe(200);
    const replay = await c.post(c.kid!, '', { nonce });
    expect(problemOf(replay)).toMatchObject({ type: 'badNonce', status: 400 });
    expect(replay.headers.get('content-type')).toBe('application/problem+json');
    const fresh = replay.headers.get('replay-nonce')!;
    expect(fresh).toBeTruthy();
    expect((await c.post(c.kid!, '', { nonce: fresh })).status).toBe(200);
  });

  it('refuses unknown, malformed and missing nonces with badNonce', async () => {
    expect(problemOf(await c.post(c.kid!, '', { nonce: 'bm90LWlzc3VlZA' })).type).toBe('badNonce');
    expect(problemOf(await c.post(c.kid!, '', { nonce: 'not base64url!' })).type).toBe('badNonce');
    expect(problemOf(await c.post(c.kid!, '', { header: { nonce: undefined } })).type).toBe('badNonce');
  });

  it('expire ten minutes after they were issued, and the purge deletes the records of used ones', async () => {
    const nonce = await c.freshNonce();
    w.h.clock.advance(10 * 60 * 1000);
    try {
      expect(problemOf(await c.post(c.kid!, '', { nonce })).type).toBe('badNonce');
      const used = await c.freshNonce();
      expect((await c.post(c.kid!, '', { nonce: used })).status).toBe(200);
      w.h.clock.advance(11 * 60 * 1000 + 1);
      const report = await purgeExpired(w.h.deps.store, w.h.clock);
      expect(report.acmeNonces).toBeGreaterThan(0);
    } finally {
      w.h.clock.set(Date.now());
    }
  });

  it('are never accepted twice by two processes on one SQLite file: the other process refuses them (badNonce)', async () => {
    const other = await nodeDeps(w.h.deps.config, { clock: w.h.clock, logger: { info() {}, error() {} } });
    const app2 = createApp(other);
    try {
      const nonce = await c.freshNonce();
      const body = JSON.stringify(await c.jws(c.kid!, '', { nonce }));
      const init = { method: 'POST', headers: { 'content-type': 'application/jose+json' }, body };
      const onSecond = await app2.request(c.kid!, init);
      expect(onSecond.status).toBe(400);
      expect(((await onSecond.json()) as { type: string }).type).toBe('urn:ietf:params:acme:error:badNonce');
      const onFirst = await w.fetch(c.kid!, init);
      expect(onFirst.status, await onFirst.clone().text()).toBe(200);
      expect((await w.fetch(c.kid!, init)).status).toBe(400);
    } finally {
      other.sqlite.close();
    }
  });
});

describe('every ACME response', () => {
  it('carries Replay-Nonce and the index Link, problems and unknown paths included', async () => {
    const responses = [
      await w.fetch(`${w.baseUrl}/acme/no-such-thing`),
      await w.fetch(`${w.baseUrl}/acme/order/some-id`),
      await w.fetch(c.dir.newAccount, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 405, 415]);
    for (const r of responses) {
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.headers.get('replay-nonce')).toBeTruthy();
      expect(r.headers.get('link')).toContain(INDEX());
      expect(((await r.json()) as { type: string }).type).toBe('urn:ietf:params:acme:error:malformed');
    }
  });

  it('carries the security headers every other response has (hono secureHeaders), from one header object', async () => {
    const other = await w.fetch(`${w.baseUrl}/healthz`);
    const security = [...other.headers.keys()].filter((k) => /^(x-|cross-origin|origin-agent|referrer-policy|strict-transport)/.test(k));
    expect(security.length).toBe(11);
    for (const r of [await w.fetch(w.directoryUrl), await w.fetch(`${w.baseUrl}/acme/no-such-thing`), await w.fetch(c.dir.newNonce, { method: 'HEAD' })]) {
      for (const k of security) expect(r.headers.get(k), k).toBe(other.headers.get(k));
      // One Link field, one Replay-Nonce: nothing appended twice.
      expect(r.headers.get('link')).toBe(INDEX());
      expect(r.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{44}$/);
    }
  });

  it('GET of a POST-as-GET resource is 405 with Allow: POST', async () => {
    const r = await w.fetch(c.kid!);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });
});
