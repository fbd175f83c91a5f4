/**
 * Bad input is never a 500: odd payloads sent, properly signed, to every resource come back as ACME
 * problems with a 4xx status, a type and a detail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeTestClient } from '../../support/acme.js';

let w: AcmeWorld;
let c: AcmeTestClient;
let urls: Record<string, string>;

beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
  const o = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'odd.example.com' }] });
  const authz = await c.get((o.body.authorizations as string[])[0]!);
  urls = {
    account: c.kid!,
    orders: `${c.kid}/orders`,
    newOrder: c.dir.newOrder,
    order: o.headers.get('location')!,
    finalize: o.body.finalize as string,
    authz: (o.body.authorizations as string[])[0]!,
    challenge: (authz.body.challenges as { url: string }[])[0]!.url,
    revokeCert: c.dir.revokeCert,
    keyChange: c.dir.keyChange,
    newAccount: c.dir.newAccount,
  };
});
afterAll(() => w.close());

const ODD: unknown[] = [
  {},
  { identifiers: null },
  { identifiers: [null, 1, 'x', { type: 'dns' }, { type: 'dns', value: 7 }] },
  { identifiers: [{ type: 'dns', value: 'a'.repeat(5000) }] },
  { identifiers: Array.from({ length: 500 }, (_, i) => ({ type: 'dns', value: `n${i}.example.com` })) },
  { identifiers: [{ type: 'dns', value: 'x.example.com' }], notAfter: 'tomorrow', profile: 7, replaces: { a: 1 } },
  { identifiers: [{ type: 'dns', value: 'x.example.com' }], replaces: 'a.b.c' },
  { csr: 12 },
  { csr: 'A'.repeat(50_000) },
  { csr: '' },
  { certificate: null, reason: 'x' },
  { certificate: 'AAAA', reason: -1 },
  { contact: [1, null] },
  { contact: ['mailto:'] },
  { status: 7 },
  { status: 'deactivated', contact: 'x' },
  { protected: 'e30', payload: '', signature: 'AA' },
  { protected: '!!', payload: '', signature: 'AA' },
  { account: null, oldKey: null },
  { onlyReturnExisting: 'yes' },
  { externalAccountBinding: 'not a jws' },
  { externalAccountBinding: { protected: 'e30', payload: 'e30', signature: 'AA' } },
];

describe('odd payloads', () => {
  it('come back as 4xx ACME problems from every resource', async () => {
    const seen = new Map<number, number>();
    for (const [name, url] of Object.entries(urls)) {
      for (const payload of ODD) {
        const r = await c.post(url, payload, name === 'newAccount' ? { jwk: true, key: (await w.client()).key } : {});
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        expect(r.status, `${name} ${JSON.stringify(payload).slice(0, 80)} → ${r.text}`).toBeLessThan(500);
        if (r.status >= 400) {
          expect(r.headers.get('content-type')).toBe('application/problem+json');
          expect(String(r.body.type)).toMatch(/^urn:ietf:params:acme:error:/);
          expect(String(r.body.detail).length).toBeGreaterThan(0);
        }
      }
    }
    expect([...seen.keys()].every((s) => s < 500)).toBe(true);
  });

  it('renewalInfo certIDs of every shape are 4xx', async () => {
    for (const id of ['', '.', 'a.', '.b', 'a.b.c', '%%%', 'A'.repeat(300), 'AAAA.AAAA']) {
      const r = await w.fetch(`${c.dir.renewalInfo}/${encodeURIComponent(id)}`);
      expect(r.status, id).toBeGreaterThanOrEqual(400);
      expect(r.status, id).toBeLessThan(500);
    }
  });
});
