/**
 * The JWS refusal matrix over HTTP (RFC 8555 §6.2–§6.5): each request is refused with its own problem
 * type and status, as application/problem+json with a fresh Replay-Nonce, and never reaches a handler.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlattenedSign } from 'jose';
import { utf8 } from '../../../src/core/encoding.js';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeReply, AcmeTestClient } from '../../support/acme.js';
import { b64json, signRaw } from '../jws/support.js';
import { ACME_BODY_LIMIT } from '../../../src/acme/server/http.js';

let w: AcmeWorld;
let alice: AcmeTestClient;
let bob: AcmeTestClient;
let aliceOrder: string;

beforeAll(async () => {
  w = await acmeWorld();
  alice = await w.registered('ES256');
  bob = await w.registered('RS256', await w.provision('bob@example.com'));
  const o = await alice.post(alice.dir.newOrder, { identifiers: [{ type: 'dns', value: 'alice.example.com' }] });
  aliceOrder = o.headers.get('location')!;
});
afterAll(() => w.close());

function expectRefusal(r: AcmeReply, type: string, status: number, detail: RegExp): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
}

async function send(url: string, body: string, contentType = 'application/jose+json'): Promise<AcmeReply> {
  return alice.post(url, '', { rawBody: body, contentType });
}

describe('JWS refusals over HTTP', () => {
  it('replayed nonce → badNonce 400', async () => {
    const nonce = await alice.freshNonce();
    expect((await alice.get(alice.kid!, { nonce })).status).toBe(200);
    expectRefusal(await alice.get(alice.kid!, { nonce }), 'badNonce', 400, /already used/);
  });

  it('"url" of another resource → unauthorized 403', async () => {
    const jws = await alice.jws(alice.dir.newOrder, '');
    expectRefusal(await send(alice.kid!, JSON.stringify(jws)), 'unauthorized', 403, /does not match the URL/);
  });

  it('"url" is compared with the URL as sent, path and query: a bare "?" is the same URL, a query is not', async () => {
    // fetch drops a bare "?" from the request line: node:http sends the path as written.
    const body = JSON.stringify(await alice.jws(alice.kid!, ''));
    const u = new URL(alice.kid!);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: u.hostname, port: u.port, method: 'POST', path: `${u.pathname}?`, headers: { 'content-type': 'application/jose+json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
    const jws = await alice.jws(alice.kid!, '');
    expectRefusal(await send(`${alice.kid}?x=1`, JSON.stringify(jws)), 'unauthorized', 403, /does not match the URL/);
  });

  it('alg "none" → badSignatureAlgorithm', async () => {
    const jws = await signRaw({ alg: 'none', nonce: await alice.freshNonce(), url: alice.kid, kid: alice.kid }, '', async () => new Uint8Array([0]));
    const r = await send(alice.kid!, JSON.stringify(jws));
    expectRefusal(r, 'badSignatureAlgorithm', 400, /"none" is not supported/);
    expect(r.body.algorithms).toEqual(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']);
  });

  it('an HS256 outer signature → badSignatureAlgorithm', async () => {
    const header = { alg: 'HS256', nonce: await alice.freshNonce(), url: alice.dir.newAccount, jwk: alice.key.publicJwk };
    const jws = await new FlattenedSign(utf8.encode('{}')).setProtectedHeader(header).sign(crypto.getRandomValues(new Uint8Array(32)));
    expectRefusal(await send(alice.dir.newAccount, JSON.stringify(jws)), 'badSignatureAlgorithm', 400, /"HS256" is not supported/);
  });

  it('both "jwk" and "kid" → malformed', async () => {
    const r = await alice.post(alice.dir.newOrder, { identifiers: [] }, { header: { jwk: alice.key.publicJwk } });
    expectRefusal(r, 'malformed', 400, /both "jwk" and "kid"/);
  });

  it('"jwk" where the account URL is required, and "kid" on newAccount → malformed', async () => {
    expectRefusal(await alice.post(alice.dir.newOrder, { identifiers: [] }, { jwk: true }), 'malformed', 400, /takes "kid"/);
    expectRefusal(await alice.post(alice.dir.newAccount, {}, { kid: alice.kid }), 'malformed', 400, /takes the account key in "jwk"/);
  });

  it('wrong content type → 415 malformed', async () => {
    const jws = await alice.jws(alice.kid!, '');
    expectRefusal(await send(alice.kid!, JSON.stringify(jws), 'application/json'), 'malformed', 415, /application\/jose\+json/);
  });

  it('a body over the size limit → 413 malformed, with Content-Length or chunked', async () => {
    const big = JSON.stringify({ protected: 'e30', payload: 'A'.repeat(ACME_BODY_LIMIT + 10), signature: 'AA' });
    expectRefusal(await send(alice.dir.newOrder, big), 'malformed', 413, /exceeds 65536 bytes/);

    const bytes = utf8.encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
        controller.close();
      },
    });
    const r = await w.fetch(alice.dir.newOrder, {
      method: 'POST',
      headers: { 'content-type': 'application/jose+json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    expect(r.headers.get('replay-nonce')).toBeTruthy();
  });

  it("another account's kid (signed with my key) → malformed, or badSignatureAlgorithm when the key types differ", async () => {
    const carol = await w.registered('ES256');
    const order = { identifiers: [{ type: 'dns', value: 'x.example.com' }] };
    expectRefusal(await alice.post(alice.dir.newOrder, order, { kid: carol.kid }), 'malformed', 400, /signature does not verify with the account key/);
    expectRefusal(await alice.post(alice.dir.newOrder, order, { kid: bob.kid }), 'badSignatureAlgorithm', 400, /an RSA key signs with RS256/);
  });

  it("another account's resource with my own kid → unauthorized 403", async () => {
    expectRefusal(await bob.get(aliceOrder), 'unauthorized', 403, /belongs to another account/);
    expectRefusal(await bob.get(alice.kid!), 'unauthorized', 403, /signed by account/);
  });

  it('an unknown account URL → accountDoesNotExist', async () => {
    const r = await alice.get(alice.kid!, { kid: `${w.baseUrl}/acme/acct/00000000-0000-4000-8000-000000000000` });
    expectRefusal(r, 'accountDoesNotExist', 400, /No account exists/);
  });

  it('a body that is not a JWS, an unprotected header, a bad signature → malformed', async () => {
    expectRefusal(await send(alice.kid!, 'not json'), 'malformed', 400, /not JSON/);
    const jws = await alice.jws(alice.kid!, '');
    expectRefusal(await send(alice.kid!, JSON.stringify({ ...jws, header: { kid: 'x' } })), 'malformed', 400, /unprotected "header"/);
    const forged = await alice.jws(alice.kid!, '');
    forged.payload = b64json({ forged: true });
    expectRefusal(await send(alice.kid!, JSON.stringify(forged)), 'malformed', 400, /signature does not verify/);
  });

  it('a 1024-bit RSA key → badPublicKey; EdDSA keys are accepted', async () => {
    const { privateKey, publicKey } = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', publicKey);
    const jws = await signRaw({ alg: 'RS256', nonce: await alice.freshNonce(), url: alice.dir.newAccount, jwk: { kty: 'RSA', n: jwk.n, e: jwk.e } }, {}, async (input) =>
      new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, input)),
    );
    expectRefusal(await send(alice.dir.newAccount, JSON.stringify(jws)), 'badPublicKey', 400, /1024-bit RSA key/);

    const ed = await alice.sibling('EdDSA');
    const r = await ed.register(w.eab);
    expect(r.status).toBe(201);
  });

  it('refusals spend no nonce: the nonce of a refused request still works', async () => {
    const nonce = await alice.freshNonce();
    const refused = await alice.get(alice.kid!, { nonce, header: { url: alice.dir.newOrder } });
    expect(refused.status).toBe(403);
    expect((await alice.get(alice.kid!, { nonce })).status).toBe(200);
  });

  it('each signature algorithm of the allow-list signs requests', async () => {
    for (const alg of ['ES384', 'ES512'] as const) {
      const c = await alice.sibling(alg);
      expect((await c.register(w.eab)).status).toBe(201);
      expect((await c.get(c.kid!)).status).toBe(200);
    }
  });
});
