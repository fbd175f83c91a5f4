/**
 * Step 5 of the pipeline (verify.ts): does the JWS signature verify with the account key? Behind an
 * interface because the cheapest way differs by runtime. Every ACME request pays for one check, so it is
 * on the hot path:
 * - WebCrypto (here; Workers, and the default): keys imported once per key and kept (bounded), then
 *   `crypto.subtle.verify`.
 * - Node (src/adapters/node/jws-signatures.ts): node:crypto's synchronous verify. On Node 20 each WebCrypto
 *   call is a job sent to libuv's thread pool and back, which costs more CPU than the ES256 check itself.
 * The algorithm, the key type and the key's size were checked before (parse.ts, keys.ts): a verifier only
 * maps the algorithm and checks.
 */
import type { AccountKeyAlgorithm, PublicJwk } from './keys.js';

export interface JwsSignatureVerifier {
  /** True when `signature` is `alg`'s signature of `signingInput` under `jwk`; throws UnusableKeyError when the key cannot be imported. */
  verify(alg: AccountKeyAlgorithm, jwk: PublicJwk, signingInput: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean>;
}

/** The key could not be imported: a `badPublicKey`, not a bad signature. */
export class UnusableKeyError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the public key cannot be imported', options);
    this.name = 'UnusableKeyError';
  }
}

/** The key's identity for caches: its RFC 7638 members, which are all a PublicJwk holds. */
export function publicJwkId(alg: string, jwk: PublicJwk): string {
  return jwk.kty === 'RSA' ? `${alg}|RSA|${jwk.n}|${jwk.e}` : jwk.kty === 'EC' ? `${alg}|EC|${jwk.crv}|${jwk.x}|${jwk.y}` : `${alg}|OKP|${jwk.crv}|${jwk.x}`;
}

/**
 * A bounded map of imported keys, the least recently used dropped first: an account signs every request of
 * an order with the same key, seconds or minutes apart.
 */
export class KeyCache<K> {
  private readonly keys = new Map<string, K>();
  constructor(private readonly max = 1000) {}
  get(id: string, make: () => K): K {
    let key = this.keys.get(id);
    if (key === undefined) {
      key = make();
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value!);
    } else {
      this.keys.delete(id); // to the end: the most recently used
    }
    this.keys.set(id, key);
    return key;
  }
  delete(id: string): void {
    this.keys.delete(id);
  }
}

const WEBCRYPTO: Record<AccountKeyAlgorithm, { importAs: EcKeyImportParams | RsaHashedImportParams | Algorithm; verifyAs: EcdsaParams | Algorithm }> = {
  RS256: { importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyAs: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { importAs: { name: 'ECDSA', namedCurve: 'P-256' }, verifyAs: { name: 'ECDSA', hash: 'SHA-256' } },
  ES384: { importAs: { name: 'ECDSA', namedCurve: 'P-384' }, verifyAs: { name: 'ECDSA', hash: 'SHA-384' } },
  ES512: { importAs: { name: 'ECDSA', namedCurve: 'P-521' }, verifyAs: { name: 'ECDSA', hash: 'SHA-512' } },
  EdDSA: { importAs: { name: 'Ed25519' }, verifyAs: { name: 'Ed25519' } },
};

/** The runtime-agnostic verifier: WebCrypto, with imported keys kept per key. */
export function webCryptoJwsSignatures(cacheSize = 1000): JwsSignatureVerifier {
  const keys = new KeyCache<Promise<CryptoKey>>(cacheSize);
  return {
    async verify(alg, jwk, signingInput, signature) {
      const { importAs, verifyAs } = WEBCRYPTO[alg];
      const id = publicJwkId(alg, jwk);
      let key: CryptoKey;
      try {
        key = await keys.get(id, () => crypto.subtle.importKey('jwk', jwk as JsonWebKey, importAs, false, ['verify']));
      } catch (cause) {
        keys.delete(id);
        throw new UnusableKeyError({ cause });
      }
      try {
        return await crypto.subtle.verify(verifyAs, key, signature, signingInput);
      } catch {
        return false;
      }
    },
  };
}
