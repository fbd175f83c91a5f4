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

  it.each([
    ['r = 0', (sig: Uint8Array) => sig.fill(0, 0, 32)],
    ['s = 0', (sig: Uint8Array) => sig.fill(0, 32)],
    ['r above the group order', (sig: Uint8Array) => sig.fill(0xff, 0, 32)],
    ['s above the group order', (sig: Uint8Array) => sig.fill(0xff, 32)],
    ['r with leading zero bytes', (sig: Uint8Array) => sig.fill(0, 0, 5)],
  ])('ES256 with %s does not verify', async (_what, alter) => {
    const { jwk, input, signature } = await signed('ES256', {});
    expect(await v.verify('ES256', jwk, input, alter(signature.slice()) as Uint8Array<ArrayBuffer>)).toBe(false);
  });

  it('verifies genuine ES256 signatures whose r or s starts with a zero byte (shorter DER integers)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = checkPublicJwk(await exportJWK(publicKey));
    const found = { r: false, s: false };
    for (let i = 0; i < 5000 && !(found.r && found.s); i++) {
      const jws = await new FlattenedSign(utf8.encode(`{"n":${i}}`)).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
      const sig = fromBase64Url(jws.signature);
      const leading = sig[0] === 0 ? 'r' : sig[32] === 0 ? 's' : undefined;
      if (!leading || found[leading]) continue;
      found[leading] = true;
      expect(await v.verify('ES256', jwk, utf8.encode(`${jws.protected}.${jws.payload}`), sig)).toBe(true);
    }
    expect(found).toEqual({ r: true, s: true });
  });

  it('says UnusableKeyError for a key that cannot be imported (a point off the curve)', async () => {
    const { jwk, input, signature } = await signed('ES256', {});
    if (jwk.kty !== 'EC') throw new Error('expected an EC key');
    const offCurve = { ...jwk, y: jwk.x };
    await expect(v.verify('ES256', offCurve, input, signature)).rejects.toBeInstanceOf(UnusableKeyError);
  });
});
