/**
 * JWS signature checks on Node with node:crypto's synchronous verify (see src/acme/jws/signatures.ts for
 * why): an ES256 check costs about 70 µs of CPU this way, against about 150 µs through WebCrypto's thread-pool
 * job and jose. Keys are imported once per key (KeyObject) and kept, bounded.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ecdsaSignatureToDer } from '../../core/der.js';
import { KeyCache, publicJwkId, UnusableKeyError, type JwsSignatureVerifier } from '../../acme/jws/signatures.js';
import type { AccountKeyAlgorithm } from '../../acme/jws/keys.js';

/** The digest each algorithm signs (null: Ed25519 hashes by itself). */
const DIGEST: Record<AccountKeyAlgorithm, string | null> = { RS256: 'sha256', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', EdDSA: null };
/** The length of an ECDSA signature in a JWS, r ‖ s (RFC 7518 §3.4). */
const ECDSA_SIGNATURE_BYTES: Partial<Record<AccountKeyAlgorithm, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/**
 * How many imported keys stay. A KeyObject holds about 5 KB of OpenSSL's memory outside V8's heap (the key,
 * its curve's group, and the copy made for OpenSSL 3's provider): 1,000 of them held 5 MB of the server's
 * RSS under load, 256 of them 1.3 MB. The keys that matter are those of the flows in progress: a flow's
 * requests (new order, authorizations, challenges, polls, finalize, download) come within seconds of each
 * other, so 64 recently used accounts cover 64 flows at once, four times the concurrency of bench:acme; a key
 * that went is imported again at its next request (about 80 µs).
 */
export const NODE_KEY_CACHE_SIZE = 64;

export function nodeJwsSignatures(cacheSize = NODE_KEY_CACHE_SIZE): JwsSignatureVerifier {
  const keys = new KeyCache<KeyObject>(cacheSize);
  return {
    async verify(alg, jwk, signingInput, signature) {
      let key: KeyObject;
      try {
        key = keys.get(publicJwkId(alg, jwk), () => createPublicKey({ key: jwk, format: 'jwk' }));
      } catch (cause) {
        throw new UnusableKeyError({ cause });
      }
      try {
        // JWS carries ECDSA signatures as r ‖ s (RFC 7518 §3.4), OpenSSL wants DER. Converted here rather than
        // by node (dsaEncoding 'ieee-p1363'), whose conversion cost about 10 µs of a 63 µs ES256 check.
        const ecdsaBytes = ECDSA_SIGNATURE_BYTES[alg];
        if (ecdsaBytes === undefined) return verify(DIGEST[alg], signingInput, key, signature);
        return signature.length === ecdsaBytes && verify(DIGEST[alg], signingInput, key, ecdsaSignatureToDer(signature));
      } catch {
        return false;
      }
    },
  };
}
