/**
 * The self-signature of a PKCS#10 request read by src/csr/pkcs10.ts, verified with WebCrypto directly:
 * RSASSA-PKCS1-v1_5 and ECDSA (P-256, P-384) with SHA-256/384/512. Each CSR brings its own key, so the
 * imported key is not cached. The key is imported from its parts, an RSA key as a JWK (n, e) and an EC key
 * as its uncompressed point ('raw'): on Node that costs a quarter to a half of importing the SPKI (whose
 * decoding in OpenSSL 3 is slow), for the same key; a key either import refuses is left to the fallback.
 * `true` only when the signature verifies. `undefined` for a pairing not handled here (another algorithm, key
 * and signature of different kinds, parameters other than absent/NULL, an ECDSA-Sig-Value not in strict DER):
 * the caller then verifies with @peculiar/x509 as before, which also decides every refusal.
 */
import { children, parse, TAG } from '../core/der.js';
import { toBase64Url } from '../core/encoding.js';
import { SIGNATURE_ALGORITHMS, type Pkcs10 } from './pkcs10.js';

/** The octets of one ECDSA signature half (r or s) per curve. */
export const FIELD_BYTES = { 'P-256': 32, 'P-384': 48 } as const;

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } → r ‖ s (IEEE P1363), each `size` octets. */
export function ecdsaSignatureToP1363(der: Uint8Array, size: number): Uint8Array<ArrayBuffer> | undefined {
  try {
    const seq = parse(der, true);
    if (seq.tag !== TAG.SEQUENCE) return undefined;
    const ints = children(seq.content, true);
    if (ints.length !== 2) return undefined;
    const out = new Uint8Array(2 * size);
    for (const [i, t] of ints.entries()) {
      const c = t.content;
      // Positive, non-zero, shortest form, at most `size` octets of magnitude.
      if (t.tag !== TAG.INTEGER || c.length === 0 || c[0]! & 0x80) return undefined;
      if (c[0] === 0 && (c.length === 1 || !(c[1]! & 0x80))) return undefined;
      const magnitude = c[0] === 0 ? c.subarray(1) : c;
      if (magnitude.length > size) return undefined;
      out.set(magnitude, (i + 1) * size - magnitude.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** SEC 1 §2.3.3 uncompressed point: 0x04 ‖ x ‖ y. */
const isUncompressedPoint = (p: Uint8Array, size: number) => p.length === 1 + 2 * size && p[0] === 0x04;

const isNull = (p: Uint8Array | undefined) => p === undefined || (p.length === 2 && p[0] === TAG.NULL && p[1] === 0);

export async function verifyPkcs10(req: Pkcs10): Promise<boolean | undefined> {
  const alg = SIGNATURE_ALGORITHMS[req.signatureAlgorithm.oid];
  const key = req.key.algorithm;
  if (!alg || alg.name !== key.name) return undefined;
  // RFC 4055 §5: NULL (or absent) for RSA; RFC 5758 §3.2: absent for ECDSA.
  if (alg.name === 'RSASSA-PKCS1-v1_5' ? !isNull(req.signatureAlgorithm.parameters) : req.signatureAlgorithm.parameters !== undefined) {
    return undefined;
  }
  const material = req.key.material;
  try {
    let publicKey: CryptoKey;
    let signature: Uint8Array<ArrayBuffer> | undefined;
    let verifyAlg: AlgorithmIdentifier | EcdsaParams;
    if (key.name === 'ECDSA' && 'point' in material) {
      const size = FIELD_BYTES[key.namedCurve];
      signature = ecdsaSignatureToP1363(req.signature, size);
      if (!signature || !isUncompressedPoint(material.point, size)) return undefined;
      publicKey = await crypto.subtle.importKey('raw', new Uint8Array(material.point), { name: 'ECDSA', namedCurve: key.namedCurve }, false, ['verify']);
      verifyAlg = { name: 'ECDSA', hash: alg.hash };
    } else if (key.name === 'RSASSA-PKCS1-v1_5' && 'n' in material) {
      signature = new Uint8Array(req.signature);
      const jwk: JsonWebKey = { kty: 'RSA', n: toBase64Url(material.n), e: toBase64Url(material.e) };
      publicKey = await crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: alg.hash }, false, ['verify']);
      verifyAlg = { name: 'RSASSA-PKCS1-v1_5' };
    } else {
      return undefined;
    }
    return await crypto.subtle.verify(verifyAlg, publicKey, signature, new Uint8Array(req.info));
  } catch {
    return undefined;
  }
}
