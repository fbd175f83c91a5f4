/**
 * The embedded CA's keys and signature algorithms: ECDSA, P-256 with SHA-256 or P-384 with SHA-384, the
 * two pairs BR §6.1.5 and §7.1.3.2.2 allow (the hash goes with the curve).
 *
 * - The root signs once (the intermediate) and lives for decades: P-384.
 * - The intermediate signs every leaf and CRL: P-256 in hierarchies made now, as many public issuing CAs
 *   are (Google Trust Services' WE1, for one). A P-256 signature costs OpenSSL a small fraction of a P-384
 *   one (measured here: about 0.05 against 0.7 ms of CPU), and clients verify both.
 * - An intermediate made before with P-384 keeps working: loadCa reads the curve from its certificate.
 */
import type { DigestName } from '../core/signature-engine.js';

export type CaCurve = 'P-256' | 'P-384';

export const ROOT_CURVE: CaCurve = 'P-384';
export const INTERMEDIATE_CURVE: CaCurve = 'P-256';

/** How a CA key of one curve is generated or imported, and signs. */
export interface CaSigning {
  curve: CaCurve;
  key: EcKeyGenParams & EcKeyImportParams;
  signature: EcdsaParams & { hash: DigestName };
  /** The signature's AlgorithmIdentifier as DER (RFC 5758 §3.2: ecdsa-with-SHA256/384, parameters absent). */
  algorithmIdentifier: Uint8Array;
}

const ECDSA_WITH_SHA256 = new Uint8Array([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
const ECDSA_WITH_SHA384 = new Uint8Array([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]);

const SIGNING: Record<CaCurve, CaSigning> = {
  'P-256': {
    curve: 'P-256',
    key: { name: 'ECDSA', namedCurve: 'P-256' },
    signature: { name: 'ECDSA', hash: 'SHA-256' },
    algorithmIdentifier: ECDSA_WITH_SHA256,
  },
  'P-384': {
    curve: 'P-384',
    key: { name: 'ECDSA', namedCurve: 'P-384' },
    signature: { name: 'ECDSA', hash: 'SHA-384' },
    algorithmIdentifier: ECDSA_WITH_SHA384,
  },
};

export function caSigning(curve: CaCurve): CaSigning {
  return SIGNING[curve];
}

/** The curve of a CA certificate's ECDSA key, or undefined for any other key. */
export function caCurveOf(algorithm: { name?: string; namedCurve?: string }): CaCurve | undefined {
  if (algorithm.name !== 'ECDSA') return undefined;
  return algorithm.namedCurve === 'P-256' || algorithm.namedCurve === 'P-384' ? algorithm.namedCurve : undefined;
}
