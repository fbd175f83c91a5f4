/**
 * The two JWS signature verifiers (WebCrypto for every runtime, node:crypto on Node) give the same answer
 * for every account-key algorithm: signatures made by jose verify, altered ones do not, and a key that
 * cannot be imported is told apart from a bad signature.
 */
import { describe, expect, it } from 'vitest';
import { FlattenedSign, exportJWK, generateKeyPair } from 'jose';
import { webCryptoJwsSignatures, UnusableKeyError } from '../../../src/acme/jws/signatures.js';
import { nodeJwsSignatures } from '../../../src/adapters/node/jws-signatures.js';
import { checkPublicJwk, type AccountKeyAlgorithm } from '../../../src/acme/jws/keys.js';
import { fromBase64Url, utf8 } from '../../../src/core/encoding.js';
import { ecdsaSignatureToDer } from '../../../src/core/der.js';

const verifiers = { webcrypto: webCryptoJwsSignatures(), node: nodeJwsSignatures() };
const ALGS: [AccountKeyAlgorithm, Record<string, unknown>][] = [
  ['RS256', { modulusLength: 2048 }],
  ['ES256', {}],
  ['ES384', {}],
  ['ES512', {}],
  ['EdDSA', { crv: 'Ed25519' }],
];

async function signed(alg: AccountKeyAlgorithm, opts: Record<string, unknown>) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...opts, extractable: true });
  const jwk = checkPublicJwk(await exportJWK(publicKey));
  const jws = await new FlattenedSign(utf8.encode('{"hello":"world"}')).setProtectedHeader({ alg, url: 'https://ca.test/acme/new-order' }).sign(privateKey);
  return { jwk, input: utf8.encode(`${jws.protected}.${jws.payload}`), signature: fromBase64Url(jws.signature) };
}

describe.each(Object.entries(verifiers))('%s JWS signatures', (_name, v) => {
  it.each(ALGS)('%s: a genuine signature verifies, an altered one or altered input does not', async (alg, opts) => {
    const { jwk, input, signature } = await signed(alg, opts);
    expect(await v.verify(alg, jwk, input, signature)).toBe(true);
    // The same key again (cached) with another message and signature.
    expect(await v.verify(alg, jwk, input, signature)).toBe(true);
    const flipped = signature.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(await v.verify(alg, jwk, input, flipped)).toBe(false);
    const other = input.slice();
    other[0]! ^= 1;
    expect(await v.verify(alg, jwk, other, signature)).toBe(false);
    expect(await v.verify(alg, jwk, input, signature.slice(0, -1))).toBe(false);
    expect(await v.verify(alg, jwk, input, new Uint8Array(0))).toBe(false);
  });

  it('refuses an ECDSA signature in DER rather than r ‖ s (RFC 7518 §3.4)', async () => {
    const { jwk, input, signature } = await signed('ES256', {});
    expect(await v.verify('ES256', jwk, input, ecdsaSignatureToDer(signature))).toBe(false);
  });

  it('says UnusableKeyError for a key that cannot be imported (a point off the curve)', async () => {
    const { jwk, input, signature } = await signed('ES256', {});
    if (jwk.kty !== 'EC') throw new Error('expected an EC key');
    const offCurve = { ...jwk, y: jwk.x };
    await expect(v.verify('ES256', offCurve, input, signature)).rejects.toBeInstanceOf(UnusableKeyError);
  });
});
