/** The whole pipeline: content type → parse → key mode → key lookup → signature → url → payload → nonce. */
import { beforeAll, beforeEach, describe, it, expect } from 'vitest';
import type { JWK } from 'jose';
import { verifyAcmeRequest, verifyParsedJws, type AccountKeyResolver } from '../../../src/acme/jws/verify.js';
import { parseAcmeJwsValue } from '../../../src/acme/jws/parse.js';
import { acmeProblems } from '../../../src/core/problem.js';
import { generateKeyPair, exportJWK } from 'jose';
import { MemoryNonceStore, expectProblem, sign, signRaw, testKey, type TestKey } from './support.js';

const BASE = 'https://acme.example/acme';
const NEW_ACCOUNT = `${BASE}/new-account`;
const NEW_ORDER = `${BASE}/new-order`;
const ACCT = `${BASE}/acct/1`;
const JOSE = 'application/jose+json';

let keys: Record<'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA', TestKey>;
let nonces: MemoryNonceStore;
const accounts = new Map<string, JWK>();
const resolveAccountKey: AccountKeyResolver = async (kid) => accounts.get(kid);

beforeAll(async () => {
  const [RS256, ES256, ES384, ES512, EdDSA] = await Promise.all([
    testKey('RS256'),
    testKey('ES256'),
    testKey('ES384'),
    testKey('ES512'),
    testKey('EdDSA'),
  ]);
  keys = { RS256, ES256, ES384, ES512, EdDSA };
  accounts.set(ACCT, ES256.publicJwk);
});

beforeEach(() => {
  nonces = new MemoryNonceStore();
});

const deps = () => ({ nonces, resolveAccountKey });

/** A newAccount-style request signed with `key`, with its jwk embedded. */
async function jwkRequest(key: TestKey, opts: { url?: string; nonce?: string; payload?: unknown; extra?: Record<string, unknown> } = {}) {
  const nonce = opts.nonce ?? (await nonces.issue());
  const header = { alg: key.alg, nonce, url: opts.url ?? NEW_ACCOUNT, jwk: key.publicJwk, ...opts.extra };
  return { nonce, body: JSON.stringify(await sign(key.privateKey, header, opts.payload ?? { termsOfServiceAgreed: true })) };
}

/** A request of account ACCT (ES256 key), with `kid`. */
async function kidRequest(opts: { url?: string; nonce?: string; payload?: unknown; kid?: string; key?: TestKey; alg?: string } = {}) {
  const nonce = opts.nonce ?? (await nonces.issue());
  const key = opts.key ?? keys.ES256;
  const header = { alg: opts.alg ?? key.alg, nonce, url: opts.url ?? NEW_ORDER, kid: opts.kid ?? ACCT };
  return { nonce, body: JSON.stringify(await sign(key.privateKey, header, opts.payload ?? { identifiers: [] })) };
}

describe('accepted requests', () => {
  for (const alg of ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
    it(`verifies a jwk request signed with ${alg} and spends its nonce`, async () => {
      const { nonce, body } = await jwkRequest(keys[alg]);
      const v = await verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps());
      expect(v.keyMode).toBe('jwk');
      expect(v.header).toMatchObject({ alg, url: NEW_ACCOUNT, nonce });
      expect(v.payload).toEqual({ termsOfServiceAgreed: true });
      expect(v.postAsGet).toBe(false);
      expect(v.jwk).not.toHaveProperty('d');
      expect(v.jwk.kty).toBe(keys[alg].publicJwk.kty);
      expect(nonces.unused.has(nonce)).toBe(false);
    });
  }

  it('verifies a kid request with the account key the resolver returns', async () => {
    const { body } = await kidRequest();
    const v = await verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps());
    expect(v).toMatchObject({ keyMode: 'kid', kid: ACCT, payload: { identifiers: [] } });
    expect(v.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: keys.ES256.publicJwk.x, y: keys.ES256.publicJwk.y });
  });

  it('verifies a POST-as-GET (empty payload)', async () => {
    const { body } = await kidRequest({ url: ACCT, payload: '' });
    const v = await verifyAcmeRequest({ contentType: JOSE, body, url: ACCT }, { keyMode: 'kid' }, deps());
    expect(v.postAsGet).toBe(true);
    expect(v.payload).toBeUndefined();
  });

  it('accepts both key modes under keyMode "either" (revokeCert)', async () => {
    const a = await jwkRequest(keys.ES384, { url: `${BASE}/revoke-cert` });
    const b = await kidRequest({ url: `${BASE}/revoke-cert` });
    for (const { body } of [a, b]) {
      const v = await verifyAcmeRequest({ contentType: JOSE, body, url: `${BASE}/revoke-cert` }, { keyMode: 'either' }, deps());
      expect(['jwk', 'kid']).toContain(v.keyMode);
    }
  });
});

describe('refused requests', () => {
  it('refuses a wrong content type before reading the body', async () => {
    await expectProblem(
      verifyAcmeRequest({ contentType: 'application/json', body: 'garbage', url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()),
      'malformed',
      /application\/jose\+json/,
      415,
    );
  });

  it('refuses an HS256 outer JWS', async () => {
    const nonce = await nonces.issue();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const body = JSON.stringify(await sign(secret, { alg: 'HS256', nonce, url: NEW_ORDER, kid: ACCT }, {}));
    const p = await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'badSignatureAlgorithm',
      /"HS256" is not supported/,
    );
    expect(p.extensions.algorithms).toEqual(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']);
    expect(nonces.unused.has(nonce)).toBe(true);
  });

  it('refuses alg none', async () => {
    const nonce = await nonces.issue();
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const body = JSON.stringify({ protected: b64({ alg: 'none', nonce, url: NEW_ORDER, kid: ACCT }), payload: b64({}), signature: 'AA' });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'badSignatureAlgorithm',
      /"none" is not supported/,
    );
  });

  it('refuses both jwk and kid, and neither', async () => {
    const nonce = await nonces.issue();
    const both = JSON.stringify(await sign(keys.ES256.privateKey, { alg: 'ES256', nonce, url: NEW_ORDER, kid: ACCT, jwk: keys.ES256.publicJwk }, {}));
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body: both, url: NEW_ORDER }, { keyMode: 'either' }, deps()), 'malformed', /both "jwk" and "kid"/);
    const neither = JSON.stringify(await sign(keys.ES256.privateKey, { alg: 'ES256', nonce, url: NEW_ORDER }, {}));
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body: neither, url: NEW_ORDER }, { keyMode: 'either' }, deps()), 'malformed', /neither "jwk" nor "kid"/);
  });

  it('refuses the wrong key mode for the resource', async () => {
    const a = await jwkRequest(keys.ES256, { url: NEW_ORDER });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body: a.body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'malformed',
      /takes "kid".*only by newAccount and revokeCert/,
    );
    const b = await kidRequest({ url: NEW_ACCOUNT });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body: b.body, url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()),
      'malformed',
      /takes the account key in "jwk"/,
    );
    expect(nonces.unused.has(a.nonce) && nonces.unused.has(b.nonce)).toBe(true);
  });

  it('refuses an unknown kid with accountDoesNotExist', async () => {
    const { nonce, body } = await kidRequest({ kid: `${BASE}/acct/404` });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'accountDoesNotExist',
      /No account exists at "https:\/\/acme\.example\/acme\/acct\/404"/,
    );
    expect(nonces.unused.has(nonce)).toBe(true);
  });

  it("passes on the resolver's own problem (a deactivated account)", async () => {
    const { body } = await kidRequest();
    const resolver: AccountKeyResolver = async () => {
      throw acmeProblems.unauthorized('Account is deactivated.');
    };
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, { nonces, resolveAccountKey: resolver }),
      'unauthorized',
      /deactivated/,
    );
  });

  it('refuses a kid request whose alg does not go with the account key', async () => {
    // Account ACCT holds a P-256 key; the request is signed with a P-384 key and says ES384.
    const { body } = await kidRequest({ key: keys.ES384 });
    const p = await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'badSignatureAlgorithm',
      /does not match the account key/,
    );
    expect(p.extensions.algorithms).toEqual(['ES256']);
  });

  it('refuses a kid request signed by another key than the account key', async () => {
    const other = await testKey('ES256');
    const { nonce, body } = await kidRequest({ key: other });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'malformed',
      /signature does not verify with the account key/,
    );
    expect(nonces.unused.has(nonce)).toBe(true);
  });

  it('refuses a jwk request signed by another key than the embedded one', async () => {
    const other = await testKey('ES256');
    const nonce = await nonces.issue();
    const body = JSON.stringify(await sign(other.privateKey, { alg: 'ES256', nonce, url: NEW_ACCOUNT, jwk: keys.ES256.publicJwk }, {}));
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()),
      'malformed',
      /signature does not verify with the embedded "jwk"/,
    );
  });

  it('refuses a tampered payload', async () => {
    const { nonce, body } = await jwkRequest(keys.RS256);
    const jws = JSON.parse(body);
    jws.payload = Buffer.from(JSON.stringify({ termsOfServiceAgreed: false })).toString('base64url');
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body: JSON.stringify(jws), url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()),
      'malformed',
      /signature does not verify/,
    );
    expect(nonces.unused.has(nonce)).toBe(true);
  });

  it('refuses an embedded key that is not a point on its curve with badPublicKey', async () => {
    const nonce = await nonces.issue();
    const bogus = { ...keys.ES256.publicJwk, y: keys.ES256.publicJwk.x };
    const body = JSON.stringify(await sign(keys.ES256.privateKey, { alg: 'ES256', nonce, url: NEW_ACCOUNT, jwk: bogus }, {}));
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()),
      'badPublicKey',
      /not a usable public key/,
    );
  });

  it('refuses a wrong url with unauthorized, and leaves the nonce unspent', async () => {
    const { nonce, body } = await kidRequest({ url: `${BASE}/new-order-elsewhere` });
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()),
      'unauthorized',
      /"https:\/\/acme\.example\/acme\/new-order-elsewhere" does not match.*"https:\/\/acme\.example\/acme\/new-order"/,
    );
    expect(nonces.unused.has(nonce)).toBe(true);
    expect(nonces.consumeCalls).toBe(0);
  });

  it('refuses a replayed nonce with badNonce', async () => {
    const { body } = await kidRequest();
    const req = { contentType: JOSE, body, url: NEW_ORDER };
    await verifyAcmeRequest(req, { keyMode: 'kid' }, deps());
    await expectProblem(verifyAcmeRequest(req, { keyMode: 'kid' }, deps()), 'badNonce', /already used: retry with the Replay-Nonce/);
  });

  it('refuses a nonce the store never issued with badNonce', async () => {
    const { body } = await kidRequest({ nonce: 'bmV2ZXItaXNzdWVk' });
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()), 'badNonce', /unknown, expired or already used/);
  });

  it('refuses a payload that is not a JSON object, before spending the nonce', async () => {
    const { nonce, body } = await kidRequest({ payload: ['not', 'an', 'object'] });
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()), 'malformed', /payload must be a JSON object/);
    expect(nonces.unused.has(nonce)).toBe(true);
  });

  it('refuses a private key in jwk and an RSA key of 1024 bits (details in parse.test.ts)', async () => {
    const nonce = await nonces.issue();
    const body = JSON.stringify(await sign(keys.ES256.privateKey, { alg: 'ES256', nonce, url: NEW_ACCOUNT, jwk: keys.ES256.privateJwk }, {}));
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ACCOUNT }, { keyMode: 'jwk' }, deps()), 'badPublicKey', /private key member/);
  });
});

describe('order of checks', () => {
  it('reports the signature before the nonce, and spends nothing', async () => {
    const { body } = await kidRequest({ nonce: 'cmVwbGF5ZWQ', key: await testKey('ES256') });
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()), 'malformed', /signature/);
    expect(nonces.consumeCalls).toBe(0);
  });

  it('a refused request does not burn the nonce: the same nonce still serves a correct request', async () => {
    const nonce = await nonces.issue();
    const wrongUrl = await kidRequest({ nonce, url: `${BASE}/other` });
    await expectProblem(verifyAcmeRequest({ contentType: JOSE, body: wrongUrl.body, url: NEW_ORDER }, { keyMode: 'kid' }, deps()), 'unauthorized', /does not match/);
    const good = await kidRequest({ nonce });
    await expect(verifyAcmeRequest({ contentType: JOSE, body: good.body, url: NEW_ORDER }, { keyMode: 'kid' }, deps())).resolves.toMatchObject({ keyMode: 'kid' });
  });

  it('does not call the account resolver for a request refused by parse', async () => {
    let calls = 0;
    const nonce = await nonces.issue();
    const body = JSON.stringify(await signRaw({ alg: 'HS256', nonce, url: NEW_ORDER, kid: ACCT }, {}, async () => new Uint8Array(32)));
    await expectProblem(
      verifyAcmeRequest({ contentType: JOSE, body, url: NEW_ORDER }, { keyMode: 'kid' }, { nonces, resolveAccountKey: async () => (calls++, undefined) }),
      'badSignatureAlgorithm',
      /HS256/,
    );
    expect(calls).toBe(0);
  });
});

describe('keyChange inner JWS (parsed without nonce)', () => {
  it('verifies with its embedded new key, and its url must match the outer one', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const newJwk = await exportJWK(publicKey);
    const url = `${BASE}/key-change`;
    const inner = await sign(privateKey, { alg: 'ES256', url, jwk: newJwk }, { account: ACCT, oldKey: keys.ES256.publicJwk });
    const v = await verifyParsedJws(parseAcmeJwsValue(inner, { nonce: 'forbidden' }), { keyMode: 'jwk', url });
    expect(v).toMatchObject({ keyMode: 'jwk', payload: { account: ACCT } });
    await expectProblem(
      verifyParsedJws(parseAcmeJwsValue(inner, { nonce: 'forbidden' }), { keyMode: 'jwk', url: NEW_ORDER }),
      'unauthorized',
      /does not match/,
    );
  });
});
