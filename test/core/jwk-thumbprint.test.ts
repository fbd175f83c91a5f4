import { describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { jwkThumbprint } from '../../src/core/jwk-thumbprint.js';

describe('jwkThumbprint (RFC 7638, SHA-256)', () => {
  it('gives the RFC 7638 §3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each([
    ['ES256', {}],
    ['ES384', {}],
    ['ES512', {}],
    ['RS256', { modulusLength: 2048 }],
    ['EdDSA', { crv: 'Ed25519' }],
  ] as const)('equals jose’s calculateJwkThumbprint for a fresh %s key', async (alg, opts) => {
    const { publicKey } = await generateKeyPair(alg, { ...opts, extractable: true });
    const jwk = await exportJWK(publicKey);
    expect(jwkThumbprint({ ...jwk, use: 'sig', ext: true })).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });

  it('equals jose’s for an HMAC (oct) key', async () => {
    const jwk = { kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' };
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });

  it.each([
    [{ kty: 'EC', crv: 'P-256', x: 'AAAA' }, '"y" is missing'],
    [{ kty: 'RSA', n: 'AQAB', e: 7 }, '"e" is missing or not a string'],
    [{ kty: 'DSA', p: 'x' }, '"kty" must be'],
    [{ crv: 'Ed25519', x: 'AAAA' }, '"kty" must be'],
  ])('refuses a JWK without its required members: %j', (jwk, message) => {
    expect(() => jwkThumbprint(jwk as never)).toThrow(message);
  });
});
