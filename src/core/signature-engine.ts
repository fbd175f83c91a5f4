/**
 * The signatures of the issuance path that are not JWS: the check of a CSR's self-signature and the CA's
 * ECDSA signature of a leaf or CRL. Behind a process-wide switch because the cheapest way differs by
 * runtime, as for JWS (src/acme/jws/signatures.ts):
 * - WebCrypto (here; Workers, and the default);
 * - node:crypto's synchronous calls on Node, installed by its dependencies (src/adapters/node/signatures.ts).
 *   On Node 20 each WebCrypto call is a job sent to libuv's thread pool and back. Measured on a 2-core
 *   machine: a P-256 CSR check (key import and verify) costs about 420 µs of CPU through WebCrypto against
 *   230 µs this way, and a P-256 signature 82 against 42 µs; each finalize makes one of each.
 * A switch rather than a dependency passed down: a CSR is checked from every edge (REST, portal, ACME, the
 * CA), by functions that hold no services, and both engines give the same answers (test/core/signature-engine.test.ts).
 */
import { toBase64Url } from './encoding.js';

export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** A public key by its parts, as a CSR carries it: an EC point (SEC 1 uncompressed) or an RSA modulus and exponent. */
export type PublicKeyParts = { kind: 'EC'; curve: 'P-256' | 'P-384'; point: Uint8Array } | { kind: 'RSA'; n: Uint8Array; e: Uint8Array };

/** The octets of one coordinate, and of one ECDSA signature half (r or s), per curve. */
export const FIELD_BYTES = { 'P-256': 32, 'P-384': 48 } as const;

export interface SignatureEngine {
  /**
   * True when `signature` is the key's signature of `data` with `hash` (ECDSA: r ‖ s, IEEE P1363; RSA:
   * PKCS #1 v1.5). Throws when the key cannot be used (e.g. a point off the curve).
   */
  verify(key: PublicKeyParts, hash: DigestName, signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean>;
  /** The ECDSA signature (r ‖ s, as WebCrypto gives it) of `data` with `hash` by the private `key`. */
  signEcdsa(key: CryptoKey, hash: DigestName, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
}

/** The runtime-agnostic engine. An RSA key is imported as a JWK, an EC key as its point ('raw'): cheaper than its SPKI. */
export const webCryptoSignatures: SignatureEngine = {
  async verify(key, hash, signature, data) {
    if (key.kind === 'EC') {
      const k = await crypto.subtle.importKey('raw', new Uint8Array(key.point), { name: 'ECDSA', namedCurve: key.curve }, false, ['verify']);
      return crypto.subtle.verify({ name: 'ECDSA', hash }, k, signature, data);
    }
    const jwk: JsonWebKey = { kty: 'RSA', n: toBase64Url(key.n), e: toBase64Url(key.e) };
    const k = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
    return crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, k, signature, data);
  },
  async signEcdsa(key, hash, data) {
    return new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash }, key, data));
  },
};

let engine: SignatureEngine = webCryptoSignatures;

/** The engine in use (WebCrypto unless a runtime installed its own). */
export const signatures = (): SignatureEngine => engine;

/** Installs a runtime's engine for the whole process (idempotent). */
export function useSignatureEngine(e: SignatureEngine): void {
  engine = e;
}
