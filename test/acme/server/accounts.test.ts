/**
 * The account resource over HTTP: reading and updating contacts (RFC 8555 §7.3.2), key rollover
 * (§7.3.5, each check of the inner JWS refused with its problem) and deactivation (§7.3.6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { sign, testKey, type TestKey } from '../jws/support.js';
import type { AcmeReply, AcmeTestClient } from '../../support/acme.js';

let w: AcmeWorld;
beforeAll(async () => {
  w = await acmeWorld();
});
afterAll(() => w.close());

function refused(r: AcmeReply, type: string, detail: RegExp, status: number): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
}

/** The keyChange request of §7.3.5 with each part overridable. */
async function keyChange(
  c: AcmeTestClient,
  newKey: TestKey,
  o: { header?: Record<string, unknown>; payload?: Record<string, unknown>; embed?: boolean } = {},
): Promise<AcmeReply> {
  const header: Record<string, unknown> = { alg: newKey.alg, url: c.dir.keyChange, ...(o.embed === false ? { kid: c.kid } : { jwk: newKey.publicJwk }), ...o.header };
  for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
  const inner = await sign(newKey.privateKey, header, { account: c.kid, oldKey: c.key.publicJwk, ...o.payload });
  return c.post(c.dir.keyChange, inner);
}

describe('account', () => {
  it('POST-as-GET reads it; a payload updates the contacts', async () => {
    const c = await w.registered();
    const read = await c.get(c.kid!);
    expect(read.body).toMatchObject({ status: 'valid', contact: ['mailto:ops@example.com'], orders: `${c.kid}/orders` });
    const updated = await c.post(c.kid!, { contact: ['mailto:new@Example.COM', 'mailto:two@example.com'] });
    expect(updated.body.contact).toEqual(['mailto:new@example.com', 'mailto:two@example.com']);
    refused(await c.post(c.kid!, { contact: ['https://example.com'] }), 'unsupportedContact', /only mailto/, 400);
    refused(await c.post(c.kid!, { status: 'revoked' }), 'malformed', /only be set to "deactivated"/, 400);
  });
});

describe('keyChange', () => {
  it('rolls the key over: the new key signs, the old one has no account', async () => {
    const c = await w.registered('ES256');
    const oldKey = c.key;
    const newKey = await testKey('RS256');
    const r = await keyChange(c, newKey);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('location')).toBe(c.kid);
    c.key = newKey;
    expect((await c.get(c.kid!)).status).toBe(200);
    refused(await c.get(c.kid!, { key: oldKey }), 'badSignatureAlgorithm', /RS256/, 400);
    const byOld = await w.client();
    byOld.key = oldKey;
    refused(await byOld.post(byOld.dir.newAccount, { onlyReturnExisting: true }, { jwk: true }), 'accountDoesNotExist', /No account/, 400);
  });

  it('refuses an inner JWS with "kid", with a nonce, with another url', async () => {
    const c = await w.registered();
    const newKey = await testKey('ES256');
    refused(await keyChange(c, newKey, { embed: false }), 'malformed', /"jwk", not "kid"/, 400);
    refused(await keyChange(c, newKey, { header: { nonce: await c.freshNonce() } }), 'malformed', /must not carry a "nonce"/, 400);
    refused(await keyChange(c, newKey, { header: { url: c.dir.newOrder } }), 'unauthorized', /does not match the URL/, 403);
  });

  it('refuses another account in "account", a wrong "oldKey", the current key, a signature by another key', async () => {
    const c = await w.registered();
    const other = await w.registered();
    const newKey = await testKey('ES256');
    refused(await keyChange(c, newKey, { payload: { account: other.kid } }), 'unauthorized', /is not the signing account/, 403);
    refused(await keyChange(c, newKey, { payload: { oldKey: other.key.publicJwk } }), 'unauthorized', /"oldKey" is not the current key/, 403);
    refused(await keyChange(c, c.key), 'malformed', /current key/, 400);
    const forged = await sign(newKey.privateKey, { alg: 'ES256', url: c.dir.keyChange, jwk: (await testKey('ES256')).publicJwk }, { account: c.kid, oldKey: c.key.publicJwk });
    refused(await c.post(c.dir.keyChange, forged), 'malformed', /signature does not verify/, 400);
  });

  it('a new key that already has an account → 409 conflict with its Location', async () => {
    const c = await w.registered();
    const holder = await w.registered();
    const r = await keyChange(c, holder.key);
    refused(r, 'conflict', /already the key of an account/, 409);
    expect(r.headers.get('location')).toBe(holder.kid);
  });
});

describe('deactivation', () => {
  it('deactivates: further requests are unauthorized, pending orders invalid, the key cannot come back', async () => {
    const c = await w.registered();
    const o = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'bye.example.com' }] });
    const r = await c.post(c.kid!, { status: 'deactivated' });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('deactivated');
    refused(await c.get(c.kid!), 'unauthorized', /is deactivated/, 403);
    refused(await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'x.example.com' }] }), 'unauthorized', /is deactivated/, 403);
    refused(await c.register(w.eab), 'unauthorized', /is deactivated/, 403);
    const row = w.h.deps.sqlite.sqlite.prepare('select status from acme_orders where id = ?').get(o.headers.get('location')!.split('/').pop()) as { status: string };
    expect(row.status).toBe('invalid');
  });
});
