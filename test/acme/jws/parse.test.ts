/** The parse step: everything decided from the body alone (RFC 8555 §6.2). */
import { beforeAll, describe, it, expect } from 'vitest';
import { parseAcmeJws, parseAcmeJwsValue } from '../../../src/acme/jws/parse.js';
import { ACCOUNT_KEY_ALGORITHMS } from '../../../src/acme/jws/keys.js';
import { toBase64Url } from '../../../src/core/encoding.js';
import { b64json, expectProblem, sign, signRaw, testKey, type TestKey } from './support.js';

const URL_ = 'https://acme.example/acme/new-order';
const NONCE = 'bm9uY2Utb25l';
let es256: TestKey;

beforeAll(async () => {
  es256 = await testKey('ES256');
});

const header = (extra: Record<string, unknown> = {}) => ({ alg: 'ES256', nonce: NONCE, url: URL_, kid: 'https://acme.example/acme/acct/1', ...extra });
const body = async (h: Record<string, unknown>, payload: unknown = {}) => JSON.stringify(await sign(es256.privateKey, h, payload));
const rawBody = async (h: Record<string, unknown>, payload: unknown = {}) =>
  JSON.stringify(await signRaw(h, payload, async () => new Uint8Array(64)));

describe('parse: flattened JWS shape', () => {
  it('parses a kid request and a jwk request', async () => {
    const kid = parseAcmeJws(await body(header()));
    expect(kid.key).toEqual({ mode: 'kid', kid: 'https://acme.example/acme/acct/1' });
    expect(kid.header).toMatchObject({ alg: 'ES256', nonce: NONCE, url: URL_ });
    expect(kid.postAsGet).toBe(false);

    const { kid: _k, ...noKid } = header();
    const jwk = parseAcmeJws(await body({ ...noKid, jwk: es256.publicJwk }));
    expect(jwk.key).toEqual({ mode: 'jwk', jwk: { kty: 'EC', crv: 'P-256', x: es256.publicJwk.x, y: es256.publicJwk.y } });
  });

  it('marks an empty payload as POST-as-GET', async () => {
    expect(parseAcmeJws(await body(header(), '')).postAsGet).toBe(true);
  });

  it('refuses a body that is not JSON, or not an object', async () => {
    await expectProblem(() => parseAcmeJws('{not json'), 'malformed', /not JSON/);
    await expectProblem(() => parseAcmeJws('[]'), 'malformed', /flattened JWS JSON object/);
    await expectProblem(() => parseAcmeJws('"a.b.c"'), 'malformed', /flattened JWS JSON object/);
  });

  it('refuses the general serialization ("signatures")', async () => {
    const jws = await sign(es256.privateKey, header(), {});
    const general = { payload: jws.payload, signatures: [{ protected: jws.protected, signature: jws.signature }] };
    await expectProblem(() => parseAcmeJws(JSON.stringify(general)), 'malformed', /general JWS serialization/);
  });

  it('refuses an unprotected header', async () => {
    const jws = await sign(es256.privateKey, header(), {});
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, header: { kid: 'x' } })), 'malformed', /unprotected "header"/);
  });

  it('refuses unexpected members, missing members and non-base64url members', async () => {
    const jws = await sign(es256.privateKey, header(), {});
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, extra: 1 })), 'malformed', /unexpected member.*"extra"/);
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, signature: undefined })), 'malformed', /"signature" is missing/);
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, signature: '' })), 'malformed', /"signature" is empty/);
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, payload: 'e30=' })), 'malformed', /"payload" is not unpadded base64url/);
    await expectProblem(() => parseAcmeJws(JSON.stringify({ ...jws, protected: 'bm90IGpzb24' })), 'malformed', /protected header is not/);
  });
});

describe('parse: protected header', () => {
  it('requires alg', async () => {
    const { alg: _a, ...h } = header();
    await expectProblem(async () => parseAcmeJws(await rawBody(h)), 'malformed', /no "alg"/);
  });

  it('refuses alg none and MAC algorithms with badSignatureAlgorithm listing the allowed ones', async () => {
    for (const alg of ['none', 'HS256', 'HS512', 'RS384', 'PS256', 'ES256K']) {
      const p = await expectProblem(async () => parseAcmeJws(await rawBody(header({ alg }))), 'badSignatureAlgorithm', new RegExp(`"${alg}" is not supported`));
      expect(p.extensions.algorithms).toEqual([...ACCOUNT_KEY_ALGORITHMS]);
      expect(p.toJSON().algorithms).toEqual(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']);
    }
  });

  it('requires exactly one of jwk and kid', async () => {
    await expectProblem(async () => parseAcmeJws(await body(header({ jwk: es256.publicJwk }))), 'malformed', /both "jwk" and "kid"/);
    const { kid: _k, ...neither } = header();
    await expectProblem(async () => parseAcmeJws(await body(neither)), 'malformed', /neither "jwk" nor "kid"/);
    await expectProblem(async () => parseAcmeJws(await body(header({ kid: '' }))), 'malformed', /"kid" must be the account URL/);
    await expectProblem(async () => parseAcmeJws(await body(header({ kid: 7 }))), 'malformed', /"kid" must be the account URL/);
  });

  it('requires url', async () => {
    const { url: _u, ...h } = header();
    await expectProblem(async () => parseAcmeJws(await body(h)), 'malformed', /no "url"/);
  });

  it('requires a base64url nonce (badNonce, so clients retry)', async () => {
    const { nonce: _n, ...h } = header();
    await expectProblem(async () => parseAcmeJws(await body(h)), 'badNonce', /no anti-replay "nonce"/);
    await expectProblem(async () => parseAcmeJws(await body(header({ nonce: 'not base64url!' }))), 'badNonce', /not base64url/);
    await expectProblem(async () => parseAcmeJws(await body(header({ nonce: 42 }))), 'badNonce', /not base64url/);
  });

  it('forbids the nonce where the caller says none belongs (keyChange inner JWS)', async () => {
    const { nonce: _n, ...h } = header();
    const inner = JSON.parse(await body(h));
    expect(parseAcmeJwsValue(inner, { nonce: 'forbidden' }).header.nonce).toBeUndefined();
    await expectProblem(async () => parseAcmeJwsValue(JSON.parse(await body(header())), { nonce: 'forbidden' }), 'malformed', /must not carry a "nonce"/);
  });

  it('refuses JWS extensions (crit, b64)', async () => {
    await expectProblem(async () => parseAcmeJws(await rawBody(header({ crit: ['b64'], b64: false }))), 'malformed', /"crit"\/"b64"/);
  });
});

describe('parse: embedded jwk', () => {
  const jwkHeader = (jwk: unknown, alg = 'ES256') => ({ alg, nonce: NONCE, url: URL_, jwk });

  it('refuses private key members with badPublicKey', async () => {
    const p = await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader(es256.privateJwk))), 'badPublicKey', /private key member\(s\) d/);
    expect(p.detail).toMatch(/should be replaced/);
    const rsa = await testKey('RS256');
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader(rsa.privateJwk, 'RS256'))), 'badPublicKey', /d, p, q, dp, dq, qi/);
  });

  it('refuses RSA keys below 2048 bits (generated with WebCrypto)', async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const req = await signRaw(jwkHeader({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'RS256'), {}, async (input) =>
      new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, input)),
    );
    await expectProblem(() => parseAcmeJws(JSON.stringify(req)), 'badPublicKey', /1024-bit RSA key; at least 2048/);
  });

  it('refuses RSA keys with another exponent than 65537', async () => {
    const rsa = await testKey('RS256');
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader({ ...rsa.publicJwk, e: 'Aw' }, 'RS256'))), 'badPublicKey', /exponent must be 65537/);
  });

  it('refuses an alg that does not go with the key', async () => {
    const p = await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader(es256.publicJwk, 'ES384'))), 'badSignatureAlgorithm', /ES384 does not match.*P-256 key signs with ES256/);
    expect(p.extensions.algorithms).toEqual(['ES256']);
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader(es256.publicJwk, 'RS256'))), 'badSignatureAlgorithm', /P-256 key signs with ES256/);
    const rsa = await testKey('RS256');
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader(rsa.publicJwk, 'ES256'))), 'badSignatureAlgorithm', /RSA key signs with RS256/);
  });

  it('refuses unsupported key types and curves, and broken members', async () => {
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader({ ...es256.publicJwk, crv: 'secp256k1' }))), 'badPublicKey', /curve "secp256k1" is not supported/);
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader({ kty: 'OKP', crv: 'Ed448', x: toBase64Url(new Uint8Array(57)) }, 'EdDSA'))), 'badPublicKey', /"Ed448" is not supported/);
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader({ kty: 'DSA', y: 'AA' }))), 'badPublicKey', /key type "DSA"/);
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader({ ...es256.publicJwk, x: 'AAAA' }))), 'malformed', /"x" must be 32 bytes/);
    await expectProblem(async () => parseAcmeJws(await rawBody(jwkHeader('a key'))), 'malformed', /must be a JSON Web Key object/);
  });

  it('does not check the signature (that is the verify step)', async () => {
    const parsed = parseAcmeJws(await rawBody(jwkHeader(es256.publicJwk)));
    expect(parsed.key.mode).toBe('jwk');
    expect(b64json({})).toBe(parsed.jws.payload);
  });
});
