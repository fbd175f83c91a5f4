/**
 * The self-signature of a PKCS#10 request read by src/csr/pkcs10.ts, verified by the runtime's signature
 * engine (src/core/signature-engine.ts): RSASSA-PKCS1-v1_5 and ECDSA (P-256, P-384) with SHA-256/384/512.
 * Each CSR brings its own key, so no imported key is cached. The key goes by its parts (an RSA modulus and
 * exponent, an EC point): importing those costs a quarter to a half of importing the SPKI (whose decoding in
 * OpenSSL 3 is slow), for the same key; a key the engine refuses is left to the fallback.
 * `true` only when the signature verifies. `undefined` for a pairing not handled here (another algorithm, key
 * and signature of different kinds, parameters other than absent/NULL, an ECDSA-Sig-Value not in strict DER):
 * the caller then verifies with @peculiar/x509 as before, which also decides every refusal.
 */
import { children, parse, TAG } from '../core/der.js';
import { FIELD_BYTES, signatures, type PublicKeyParts } from '../core/signature-engine.js';
import { SIGNATURE_ALGORITHMS, type Pkcs10 } from './pkcs10.js';

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
  const keyAlg = req.key.algorithm;
  if (!alg || alg.name !== keyAlg.name) return undefined;
  // RFC 4055 §5: NULL (or absent) for RSA; RFC 5758 §3.2: absent for ECDSA.
  if (alg.name === 'RSASSA-PKCS1-v1_5' ? !isNull(req.signatureAlgorithm.parameters) : req.signatureAlgorithm.parameters !== undefined) {
    return undefined;
  }
  const material = req.key.material;
  let key: PublicKeyParts;
  let signature: Uint8Array<ArrayBuffer> | undefined;
  if (keyAlg.name === 'ECDSA' && 'point' in material) {
    const size = FIELD_BYTES[keyAlg.namedCurve];
    signature = ecdsaSignatureToP1363(req.signature, size);
    if (!signature || !isUncompressedPoint(material.point, size)) return undefined;
    key = { kind: 'EC', curve: keyAlg.namedCurve, point: material.point };
  } else if (keyAlg.name === 'RSASSA-PKCS1-v1_5' && 'n' in material) {
    signature = new Uint8Array(req.signature);
    key = { kind: 'RSA', n: material.n, e: material.e };
  } else {
    return undefined;
  }
  try {
    return await signatures().verify(key, alg.hash, signature, new Uint8Array(req.info));
  } catch {
    return undefined;
  }
}
