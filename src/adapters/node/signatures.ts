/**
 * The issuance path's signatures on Node (src/core/signature-engine.ts): node:crypto's synchronous verify
 * and sign, without WebCrypto's thread-pool job. A CSR's key is made from its parts as a JWK (OpenSSL 3
 * decodes that faster than the SPKI); the CA's CryptoKey becomes a KeyObject once (./key-objects.ts).
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { keyObjectOf } from './key-objects.js';
import { ecdsaSignatureToDer } from '../../core/der.js';
import { toBase64Url } from '../../core/encoding.js';
import { FIELD_BYTES, type DigestName, type PublicKeyParts, type SignatureEngine } from '../../core/signature-engine.js';

const DIGEST: Record<DigestName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function publicKey(key: PublicKeyParts): KeyObject {
  if (key.kind === 'RSA') return createPublicKey({ key: { kty: 'RSA', n: toBase64Url(key.n), e: toBase64Url(key.e) }, format: 'jwk' });
  const size = FIELD_BYTES[key.curve];
  const p = key.point;
  if (p.length !== 1 + 2 * size || p[0] !== 0x04) throw new Error('not an uncompressed EC point');
  return createPublicKey({
    key: { kty: 'EC', crv: key.curve, x: toBase64Url(p.subarray(1, 1 + size)), y: toBase64Url(p.subarray(1 + size)) },
    format: 'jwk',
  });
}

export function nodeSignatures(): SignatureEngine {
  return {
    async verify(key, hash, signature, data) {
      const k = publicKey(key);
      if (key.kind === 'RSA') return verify(DIGEST[hash], data, k, signature);
      // r ‖ s to DER here, not by node (dsaEncoding 'ieee-p1363'): about 10 µs less per check (jws-signatures.ts).
      return signature.length === 2 * FIELD_BYTES[key.curve] && verify(DIGEST[hash], data, k, ecdsaSignatureToDer(signature));
    },
    async signEcdsa(key, hash, data) {
      return new Uint8Array(sign(DIGEST[hash], data, { key: keyObjectOf(key), dsaEncoding: 'ieee-p1363' }));
    },
  };
}
