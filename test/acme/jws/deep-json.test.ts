/**
 * Deeply nested JSON (issue 9): JSON.parse copes with 10 000 levels, but code that recurses over the value
 * afterwards (JSON.stringify in a detail, schema validation) overflowed the stack: a 500 before any
 * authentication. Every edge now reads JSON through src/core/json.ts and answers 400 in its own dialect:
 * ACME `malformed`, REST `malformed-json`, a friendly page for portal forms. The server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlattenedSign } from 'jose';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import type { AcmeTestClient } from '../../support/acme.js';
import { toBase64Url, utf8 } from '../../../src/core/encoding.js';
import { JSON_MAX_DEPTH, JsonInputError, jsonDepth, parseJson } from '../../../src/core/json.js';
import { API_PROBLEM_BASE } from '../../../src/core/problem.js';

const DEPTH = 10_000;
const deepArray = (n = DEPTH) => '['.repeat(n) + ']'.repeat(n);
/** Objects take 5 bytes a level: 8 000 levels still fit base64url-encoded in the 64 KiB ACME body. */
const OBJECT_DEPTH = 8_000;
const deepObject = (n = OBJECT_DEPTH) => '{"":'.repeat(n) + '1' + '}'.repeat(n);
const b64 = (text: string) => toBase64Url(utf8.encode(text));

let w: AcmeWorld;
let c: AcmeTestClient;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
});
afterAll(() => w.close());

async function acmePost(url: string, body: string) {
  const r = await w.fetch(url, { method: 'POST', headers: { 'content-type': 'application/jose+json' }, body });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** A JWS with this exact protected-header text and payload text, signed with the client's key. */
async function signedText(headerText: string, payloadText: string) {
  const protectedB64 = b64(headerText);
  // jose signs bytes: sign the payload with a header we then replace by the exact text (same members).
  const jws = await new FlattenedSign(utf8.encode(payloadText)).setProtectedHeader(JSON.parse(headerText) as { alg: string }).sign(c.key.privateKey);
  return JSON.stringify({ protected: protectedB64, payload: jws.payload, signature: jws.signature });
}

async function expectAlive() {
  const r = await w.fetch(w.directoryUrl);
  expect(r.status).toBe(200);
}

describe('the JSON reader (src/core/json.ts)', () => {
  it('counts depth without recursion and ignores brackets inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[[["')).toBe(0);
    expect(jsonDepth(deepArray(1_000_000), JSON_MAX_DEPTH)).toBe(JSON_MAX_DEPTH + 1);
  });

  it('refuses depth, size and syntax with a JsonInputError naming the reason', () => {
    expect(parseJson(deepArray(JSON_MAX_DEPTH))).toBeInstanceOf(Array);
    const reason = (text: string, max?: number) => {
      try {
        parseJson(text, max ? { maxLength: max } : {});
      } catch (err) {
        return err instanceof JsonInputError ? err.reason : 'other';
      }
      return 'accepted';
    };
    expect(reason(deepArray(JSON_MAX_DEPTH + 1))).toBe('depth');
    expect(reason(deepObject())).toBe('depth');
    expect(reason('[1,2,3]', 3)).toBe('size');
    expect(reason('{"a":')).toBe('syntax');
  });
});

describe('ACME: deeply nested JSON is malformed (400), never a 500', () => {
  it('as the whole request body', async () => {
    for (const body of [deepArray(), deepObject()]) {
      const r = await acmePost(c.dir.newAccount, body);
      expect(problemOf(r)).toMatchObject({ type: 'malformed', status: 400 });
      expect(r.headers.get('replay-nonce')).toBeTruthy();
    }
    await expectAlive();
  });

  it('in the protected header, as a member or as the header itself, unauthenticated', async () => {
    const nonce = await c.freshNonce();
    const head = (extra: string) => `{"alg":"ES256","nonce":"${nonce}","url":"${c.dir.newAccount}","jwk":${JSON.stringify(c.key.publicJwk)},"x":${extra}}`;
    const cases = [
      JSON.stringify({ protected: b64(head(deepArray())), payload: '', signature: 'AAAA' }),
      JSON.stringify({ protected: b64(head(deepObject())), payload: '', signature: 'AAAA' }),
      JSON.stringify({ protected: b64(deepArray()), payload: '', signature: 'AAAA' }),
      JSON.stringify({ protected: b64(deepObject()), payload: '', signature: 'AAAA' }),
      // As `kid` (quoted into a detail) and `jwk` (walked by the key checks).
      JSON.stringify({ protected: b64(`{"alg":"ES256","nonce":"${nonce}","url":"${c.dir.newOrder}","kid":${deepArray()}}`), payload: '', signature: 'AAAA' }),
      JSON.stringify({ protected: b64(`{"alg":"ES256","nonce":"${nonce}","url":"${c.dir.newAccount}","jwk":${deepObject()}}`), payload: '', signature: 'AAAA' }),
    ];
    const replies = [];
    for (const body of cases) replies.push(problemOf(await acmePost(c.dir.newAccount, body)));
    for (const p of replies) expect(p).toMatchObject({ type: 'malformed', status: 400, detail: expect.stringMatching(/nests deeper than 32 levels/) });
    // Nothing got far enough to spend the nonce.
    expect((await c.post(c.kid!, '', { nonce })).status).toBe(200);
    await expectAlive();
  });

  it('in a correctly signed payload (newAccount, an account update, keyChange)', async () => {
    for (const [url, kid] of [
      [c.dir.newAccount, undefined],
      [c.kid!, c.kid!],
      [c.dir.keyChange, c.kid!],
    ] as const) {
      for (const payload of [deepArray(), deepObject(), `{"contact":${deepArray()}}`]) {
        const nonce = await c.freshNonce();
        const header = kid
          ? `{"alg":"ES256","nonce":"${nonce}","url":"${url}","kid":"${kid}"}`
          : `{"alg":"ES256","nonce":"${nonce}","url":"${url}","jwk":${JSON.stringify(c.key.publicJwk)}}`;
        const r = await acmePost(url, await signedText(header, payload));
        expect(problemOf(r), r.text).toMatchObject({ type: 'malformed', status: 400 });
        expect(problemOf(r).detail).toMatch(/payload.*nests deeper than 32 levels/);
      }
    }
    await expectAlive();
  });

  it('still accepts ordinary nesting in a payload', async () => {
    const r = await c.post(c.kid!, { contact: ['mailto:deep@example.com'] });
    expect(r.status).toBe(200);
  });
});

describe('REST: deeply nested JSON is malformed-json (400), never a 500', () => {
  const post = (path: string, body: string, token?: string) =>
    w.fetch(`${w.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  it('as the body, or as a field, on public and authenticated routes', async () => {
    const bodies = [deepArray(), deepObject(), `{"email":${deepArray()},"password":"x"}`, `{"email":"a@example.com","password":${deepObject()}}`];
    const routes: [string, string | undefined][] = [
      ['/api/v1/accounts', undefined],
      ['/api/v1/sessions', undefined],
      ['/api/v1/orders', w.eab.customerToken],
      ['/api/v1/admin/subscriptions', 'ADMIN'],
    ];
    for (const [path, token] of routes) {
      for (const body of bodies) {
        const r = await post(path, body, token === 'ADMIN' ? undefined : token);
        expect(r.status, `${path}: ${await r.clone().text()}`).toBe(400);
        const p = (await r.json()) as { type: string; detail: string };
        expect(p.type).toBe(`${API_PROBLEM_BASE}malformed-json`);
        expect(p.detail).toMatch(/nests deeper than 32 levels/);
      }
    }
    await expectAlive();
  });

  it('ordinary bodies still reach the routes and their validation', async () => {
    const r = await post('/api/v1/sessions', JSON.stringify({ email: 'nobody@example.com', password: 'wrong password here' }));
    expect(r.status).toBe(401);
    const v = await post('/api/v1/sessions', JSON.stringify({ email: 'nobody@example.com', password: 'x', extra: { a: [1] } }));
    expect(v.status).toBe(400);
    expect(((await v.json()) as { type: string }).type).toBe(`${API_PROBLEM_BASE}validation`);
    const broken = await post('/api/v1/sessions', '{"email":');
    expect(((await broken.json()) as { type: string }).type).toBe(`${API_PROBLEM_BASE}malformed-json`);
  });
});

describe('portal forms', () => {
  it('too many fields, or a long field name, get a friendly 400 page', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join('&');
    const longName = `${'x'.repeat(500)}=1&_csrf=x`;
    for (const body of [many, longName]) {
      const r = await w.fetch(`${w.baseUrl}/portal/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await r.text()).toMatch(/Reload the page and send the form again/);
    }
    await expectAlive();
  });
});
