/**
 * The customer's EAB credentials: shown for 7 days after issue (every view recorded and listed), 410 for
 * good afterwards, revoke-and-replace for a new pair; the HMAC key never in the database in plain text.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness } from '../support/harness.js';
import { DAY_MS } from '../../src/core/clock.js';
import { fromBase64Url } from '../../src/core/encoding.js';
import { EabKeys } from '../../src/caas/eab-keys.js';
import { caasHarness, customer, login, subscribe, reveal, admin, type CredentialsJson, type SubscriptionJson } from './support.js';

let h: Harness;
let alice: string;
let sub: SubscriptionJson;
beforeEach(async () => {
  h = await caasHarness();
  alice = await customer(h, 'alice@example.com');
  sub = await subscribe(h, 'alice@example.com', 'business');
});
afterEach(() => h.close());

const credentials = async (res: Response) => {
  expect(res.status).toBe(200);
  return (await res.json()) as CredentialsJson;
};

describe('reading the EAB credentials', () => {
  it('shows kid, HMAC key, directory URL and expiry, with no-store', async () => {
    const res = await reveal(h, alice, sub.id);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const c = await credentials(res);
    expect(c.subscriptionId).toBe(sub.id);
    expect(c.kid).toBe(sub.credential!.kid);
    expect(c.directoryUrl).toBe('http://127.0.0.1:8080/acme/directory');
    expect(c.expiresAt).toBe(new Date(h.clock.now().getTime() + 7 * DAY_MS).toISOString());
    // The same pair on every view within the 7 days.
    const again = await credentials(await reveal(h, alice, sub.id));
    expect([again.kid, again.hmacKey]).toEqual([c.kid, c.hmacKey]);
  });

  it('issues an HMAC key of ≥ 256 bits as unpadded base64url that never starts with "-"', async () => {
    const c = await credentials(await reveal(h, alice, sub.id));
    expect(c.hmacKey).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42,}$/);
    expect(c.hmacKey).not.toContain('=');
    expect(fromBase64Url(c.hmacKey).length).toBeGreaterThanOrEqual(32);
    expect(c.kid).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]+$/);
    // Many subscriptions: every key distinct, none with a leading dash.
    const keys = new Set<string>([c.hmacKey]);
    for (let i = 0; i < 15; i++) {
      const s = await subscribe(h, 'alice@example.com', 'starter');
      const k = await credentials(await reveal(h, alice, s.id));
      expect(k.hmacKey.startsWith('-') || k.kid.startsWith('-')).toBe(false);
      keys.add(k.hmacKey);
    }
    expect(keys.size).toBe(16);
  });

  it('fills the credentials into the client snippets', async () => {
    const c = await credentials(await reveal(h, alice, sub.id));
    const { certbot, lego, acmeSh, caddy, certManager, traefik } = c.snippets;
    const dir = c.directoryUrl;
    expect(certbot).toContain(`certbot register --server ${dir} --eab-kid ${c.kid} --eab-hmac-key ${c.hmacKey} -m alice@example.com --agree-tos`);
    expect(certbot).toMatch(/^certbot certonly --server \S+ .*-d /m);
    expect(lego).toContain(`lego --server ${dir} --eab --kid ${c.kid} --hmac ${c.hmacKey} --email alice@example.com`);
    expect(lego).toMatch(/--domains \S+ --http run$/);
    expect(acmeSh).toContain(`--register-account --server ${dir} --eab-kid ${c.kid} --eab-hmac-key ${c.hmacKey}`);
    expect(caddy).toContain(`acme_ca ${dir}`);
    expect(caddy).toMatch(new RegExp(`acme_eab \\{\\s+key_id ${c.kid}\\s+mac_key ${c.hmacKey}\\s+\\}`));
    expect(certManager).toContain(`keyID: "${c.kid}"`);
    expect(certManager).toContain(`secret: "${c.hmacKey}"`);
    expect(certManager).toMatch(/externalAccountBinding:\s+keyID: .*\s+keySecretRef:\s+name: eabgate-eab\s+key: secret/);
    expect(traefik).toMatch(/certificatesResolvers:\s+eabgate:\s+acme:\s+caServer: "http:\/\/127\.0\.0\.1:8080\/acme\/directory"/);
    expect(traefik).toContain(`kid: "${c.kid}"`);
    expect(traefik).toContain(`hmacEncoded: "${c.hmacKey}"`);
  });

  it('is readable on day 6, answers 410 on day 8 and stays 410', async () => {
    h.clock.advance(6 * DAY_MS);
    alice = await login(h, 'alice@example.com');
    const day6 = await reveal(h, alice, sub.id);
    expect(day6.status).toBe(200);

    h.clock.advance(2 * DAY_MS);
    alice = await login(h, 'alice@example.com');
    const day8 = await reveal(h, alice, sub.id);
    expect(day8.status).toBe(410);
    expect(day8.headers.get('content-type')).toMatch(/problem\+json/);
    const body = await day8.text();
    const p = JSON.parse(body) as { detail: string; kid: string };
    expect(p.detail).toMatch(/7 days after issue.*cannot be shown again/);
    expect(p.detail).toMatch(/eab-credentials\/replace/);
    expect(p.kid).toBe(sub.credential!.kid);

    h.clock.advance(30 * DAY_MS);
    alice = await login(h, 'alice@example.com');
    expect((await reveal(h, alice, sub.id)).status).toBe(410);
    const listed = (await (await h.request('GET', '/api/v1/subscriptions', { token: alice })).json()) as { subscriptions: SubscriptionJson[] };
    expect(listed.subscriptions[0]!.credential).toMatchObject({ kid: sub.credential!.kid, revealable: false, revoked: false });
    // The 410 answers recorded no view.
    const views = (await (await h.request('GET', `/api/v1/subscriptions/${sub.id}/eab-credentials/views`, { token: alice })).json()) as {
      views: unknown[];
    };
    expect(views.views).toHaveLength(1);
  });

  it('records every view with time and client address, and lists them', async () => {
    await reveal(h, alice, sub.id, '198.51.100.7');
    h.clock.advance(60_000);
    const second = await credentials(await reveal(h, alice, sub.id, '2001:db8::42'));
    expect(second.views).toEqual([
      { kid: sub.credential!.kid, viewedAt: h.clock.now().toISOString(), clientAddress: '2001:db8::42' },
      { kid: sub.credential!.kid, viewedAt: new Date(h.clock.now().getTime() - 60_000).toISOString(), clientAddress: '198.51.100.7' },
    ]);
    const res = await h.request('GET', `/api/v1/subscriptions/${sub.id}/eab-credentials/views`, { token: alice });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { views: unknown[] }).views).toEqual(second.views);
  });
});

describe('revoke and replace', () => {
  it('gives the customer a new pair at once; the old kid is refused by the ACME resolver', async () => {
    const old = await credentials(await reveal(h, alice, sub.id));
    expect((await caasEab(old.kid)).status).toBe('ok');

    const res = await h.request('POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`, { token: alice, headers: { 'x-test-client': '192.0.2.9' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const fresh = (await res.json()) as CredentialsJson;
    expect(fresh.kid).not.toBe(old.kid);
    expect(fresh.hmacKey).not.toBe(old.hmacKey);
    expect(fresh.views).toEqual([{ kid: fresh.kid, viewedAt: h.clock.now().toISOString(), clientAddress: '192.0.2.9' }]);

    const refused = await caasEab(old.kid);
    expect(refused.status).toBe('refused');
    if (refused.status === 'refused') expect(refused.problem.detail).toMatch(/revoked.*replaced/);
    expect((await caasEab(fresh.kid)).status).toBe('ok');

    // Reading shows the new pair; the listing the new kid and the old one as revoked.
    expect((await credentials(await reveal(h, alice, sub.id))).kid).toBe(fresh.kid);
    const v = (await (await h.request('GET', `/api/v1/subscriptions/${sub.id}`, { token: alice })).json()) as SubscriptionJson;
    expect(v.credential).toMatchObject({ kid: fresh.kid, revoked: false, revealable: true });
    expect(v.previousCredentials).toEqual([{ kid: old.kid, issuedAt: sub.credential!.issuedAt, revokedAt: h.clock.now().toISOString() }]);
    // All views of the subscription, both kids.
    const views = (await (await h.request('GET', `/api/v1/subscriptions/${sub.id}/eab-credentials/views`, { token: alice })).json()) as {
      views: { kid: string }[];
    };
    expect(new Set(views.views.map((x) => x.kid))).toEqual(new Set([old.kid, fresh.kid]));
  });

  it('starts a new 7-day window after the old one closed', async () => {
    h.clock.advance(10 * DAY_MS);
    alice = await login(h, 'alice@example.com');
    expect((await reveal(h, alice, sub.id)).status).toBe(410);
    const res = await h.request('POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`, { token: alice });
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as CredentialsJson;
    expect(fresh.expiresAt).toBe(new Date(h.clock.now().getTime() + 7 * DAY_MS).toISOString());
    expect((await reveal(h, alice, sub.id)).status).toBe(200);
  });

  it('the operator replace leaves the new key for the customer to read', async () => {
    const r = await admin(h, 'POST', `/api/v1/admin/subscriptions/${sub.id}/eab-credentials/replace`);
    const { kid } = (await r.json()) as { kid: string };
    const c = await credentials(await reveal(h, alice, sub.id));
    expect(c.kid).toBe(kid);
    expect((await caasEab(sub.credential!.kid)).status).toBe('refused');
  });

  it('refuses reading and replacing on a revoked or lapsed subscription (410)', async () => {
    await admin(h, 'POST', `/api/v1/admin/subscriptions/${sub.id}/revoke`);
    expect((await reveal(h, alice, sub.id)).status).toBe(410);
    expect((await h.request('POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`, { token: alice })).status).toBe(410);

    // A calendar day a few days after the injected clock's today: the test holds on any date.
    const endDay = new Date(h.clock.now().getTime() + 3 * DAY_MS).toISOString().slice(0, 10);
    const short = await subscribe(h, 'alice@example.com', { preset: 'starter', notAfter: endDay });
    h.clock.set(`${endDay}T00:00:00Z`);
    h.clock.advance(DAY_MS);
    alice = await login(h, 'alice@example.com');
    const res = await reveal(h, alice, short.id);
    expect(res.status).toBe(410);
    expect(((await res.json()) as { detail: string }).detail).toMatch(new RegExp(`ended on ${endDay}`));
  });
});

describe('isolation between customers', () => {
  it("answers B's requests for A's subscription exactly like a missing one", async () => {
    const bob = await customer(h, 'bob@example.com');
    for (const [m, suffix] of [
      ['GET', ''],
      ['POST', '/eab-credentials'],
      ['POST', '/eab-credentials/replace'],
      ['GET', '/eab-credentials/views'],
    ] as const) {
      const theirs = await h.request(m, `/api/v1/subscriptions/${sub.id}${suffix}`, { token: bob });
      const missing = await h.request(m, `/api/v1/subscriptions/00000000-0000-4000-8000-000000000000${suffix}`, { token: bob });
      expect(theirs.status, `${m} ${suffix}`).toBe(404);
      expect(missing.status).toBe(404);
      const [pt, pm] = [(await theirs.json()) as { detail: string }, (await missing.json()) as { detail: string }];
      expect(pt.detail.replace(sub.id, 'X')).toBe(pm.detail.replace('00000000-0000-4000-8000-000000000000', 'X'));
    }
    // Nothing of A's leaked or changed: A's kid is still live, and B's listing is empty.
    expect((await caasEab(sub.credential!.kid)).status).toBe('ok');
    const list = (await (await h.request('GET', '/api/v1/subscriptions', { token: bob })).json()) as { subscriptions: unknown[] };
    expect(list.subscriptions).toEqual([]);
    // B's attempts recorded no view on A's credentials.
    expect(await h.deps.store.caas.viewsOf([sub.credential!.kid])).toEqual([]);
  });

  it('requires a session', async () => {
    for (const [m, p] of [
      ['GET', '/api/v1/subscriptions'],
      ['GET', `/api/v1/subscriptions/${sub.id}`],
      ['POST', `/api/v1/subscriptions/${sub.id}/eab-credentials`],
      ['POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`],
      ['GET', `/api/v1/subscriptions/${sub.id}/eab-credentials/views`],
    ] as const) {
      expect((await h.request(m, p, { token: 'egs_forged' })).status).toBe(401);
    }
  });
});

describe('the customer listing', () => {
  it('shows plan, usage, status, not-after and credential state', async () => {
    await h.deps.store.caas.reserveCertificate(sub.id, 'an-acme-order', h.clock.now());
    const res = await h.request('GET', '/api/v1/subscriptions', { token: alice });
    expect(res.status).toBe(200);
    const [s] = ((await res.json()) as { subscriptions: SubscriptionJson[] }).subscriptions;
    expect(s).toMatchObject({
      id: sub.id,
      status: 'active',
      notAfter: sub.notAfter,
      plan: { name: 'business', maxCertificates: 250 },
      usage: { certificatesIssued: 1, maxCertificates: 250, acmeAccountsBound: 0 },
      credential: { kid: sub.credential!.kid, revealable: true, revoked: false, revealableUntil: sub.credential!.revealableUntil },
    });
    h.clock.set(new Date(new Date(sub.notAfter).getTime() + 1));
    alice = await login(h, 'alice@example.com');
    const later = ((await (await h.request('GET', '/api/v1/subscriptions', { token: alice })).json()) as { subscriptions: SubscriptionJson[] })
      .subscriptions[0]!;
    expect(later.status).toBe('lapsed');
    expect(later.credential!.revealable).toBe(false);
  });
});

describe('the HMAC key at rest', () => {
  it('is neither in the SQLite files nor in the logs, in any form; only sealed', async () => {
    const c = await credentials(await reveal(h, alice, sub.id));
    const replaced = (await (await h.request('POST', `/api/v1/subscriptions/${sub.id}/eab-credentials/replace`, { token: alice })).json()) as CredentialsJson;
    const row = h.deps.sqlite.sqlite.prepare('select hmac_key_sealed as s from eab_credentials where kid = ?').get(c.kid) as { s: string };
    expect(row.s).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    h.deps.sqlite.sqlite.pragma('wal_checkpoint(PASSIVE)');

    const files = readdirSync(h.dataDir).filter((f) => f.startsWith('eabgate.db'));
    expect(files).toContain('eabgate.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(h.dataDir, f))));
    for (const key of [c.hmacKey, replaced.hmacKey]) {
      const raw = Buffer.from(fromBase64Url(key));
      for (const needle of [Buffer.from(key), Buffer.from(key.slice(0, 20)), raw, raw.subarray(0, 16), Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('hex'))]) {
        expect(bytes.indexOf(needle), `${needle.length}-byte form of the key`).toBe(-1);
      }
      expect(h.logs.join('\n')).not.toContain(key);
    }
    // The kid is there (it is not secret): the scan does look at the right bytes.
    expect(bytes.indexOf(Buffer.from(c.kid))).toBeGreaterThanOrEqual(0);
  });
});

/** The resolver the ACME server calls, over the app's store, keyring and clock. */
function caasEab(kid: string) {
  return new EabKeys(h.deps).eabKeyFor(kid);
}
