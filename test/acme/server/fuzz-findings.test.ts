/**
 * Inputs the fuzz campaign (scripts/campaigns/fuzz.ts) answered with a 500, now clear 4xx problems:
 * base64url whose length leaves a partial byte (finalize `csr`, revokeCert `certificate`) and an empty
 * password at REST login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, hostAt127, type AcmeWorld } from '../../support/acme-world.js';
import { answer, type AcmeTestClient } from '../../support/acme.js';
import { fromBase64Url } from '../../../src/core/encoding.js';

let w: AcmeWorld;
let c: AcmeTestClient;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
});
afterAll(() => w.close());

describe('fuzz findings', () => {
  it('base64url with a partial byte is refused as such, not with a DOMException', () => {
    expect(() => fromBase64Url('abcde')).toThrow(/not base64url/);
    expect(Array.from(fromBase64Url('AQID'))).toEqual([1, 2, 3]);
  });

  it('finalize with such a "csr" → badCSR (400)', async () => {
    hostAt127(w.dns, 'fuzz-finalize.example.com');
    const o = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'fuzz-finalize.example.com' }] });
    const authz = await c.get((o.body.authorizations as string[])[0]!);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((x) => x.type === 'http-01')!;
    await answer(c, w, 'fuzz-finalize.example.com', ch);
    expect((await c.post(ch.url, {})).body.status).toBe('valid');
    for (const csr of ['y', 'undefined', 'localhost']) {
      const r = await c.post(o.body.finalize as string, { csr });
      expect(r.status, r.text).toBe(400);
      expect(r.body.type).toBe('urn:ietf:params:acme:error:badCSR');
    }
  });

  it('revokeCert with such a "certificate" → malformed (400)', async () => {
    const r = await c.post(c.dir.revokeCert, { certificate: '__proto__' });
    expect(r.status, r.text).toBe(400);
    expect(r.body.type).toBe('urn:ietf:params:acme:error:malformed');
  });

  it('REST login with an empty password → 401 invalid credentials', async () => {
    const r = await w.h.request('POST', '/api/v1/sessions', { json: { email: 'nobody@example.com', password: '' } });
    expect(r.status).toBe(401);
  });
});
