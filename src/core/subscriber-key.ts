/**
 * Subscriber-key policy, the one home: which public keys a customer's CSR may carry and the embedded CA
 * signs for (Baseline Requirements §6.1.5, §6.1.6): RSA of 2048 to 8192 bits, a multiple of 8, public
 * exponent 65537; ECDSA on P-256 or P-384. Used by the CSR check (src/csr/check.ts) and by the CA's own
 * refusal (src/ca/leaf.ts). A fault is a `badCsr` domain error (field "csr", rule "weak-key") whose detail
 * names the fault. The browser CSR tool (src/portal/client/csr-core.ts) uses the bounds below.
 */
import { domainErrors } from './errors.js';

export type SubscriberKey = { kind: 'rsa'; bits: number } | { kind: 'ecdsa'; curve: 'P-256' | 'P-384' };

export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;
export const RSA_EXPONENT = 65537;
export const EC_CURVES = ['P-256', 'P-384'] as const;

const ACCEPTED = `RSA (${RSA_MIN_BITS}-${RSA_MAX_BITS} bits) and ECDSA P-256/P-384 are accepted`;

const refuse = (detail: string) => domainErrors.badCsr(`csr: ${detail}`, { field: 'csr', extensions: { rule: 'weak-key' } });

/** Big-endian unsigned bytes as a bigint (the exponent of a JWK or SPKI). */
const unsigned = (bytes: Uint8Array): bigint => bytes.reduce((acc, b) => acc * 256n + BigInt(b), 0n);

/** The key, or a `badCsr` domain error naming the fault. */
export function subscriberKeyOf(publicKey: { readonly algorithm: Algorithm }): SubscriberKey {
  let alg: Algorithm & Record<string, unknown>;
  try {
    alg = publicKey.algorithm as Algorithm & Record<string, unknown>;
  } catch {
    throw refuse(`the public key's algorithm is not recognized: ${ACCEPTED}`);
  }
  // rsaEncryption only (BR §7.1.3.1.1): @peculiar/x509 names it RSASSA-PKCS1-v1_5. An id-RSASSA-PSS key
  // ("RSA-PSS") comes without its size and is refused below by its algorithm name, as before.
  if (alg.name === 'RSASSA-PKCS1-v1_5') {
    const bits = alg.modulusLength as number;
    if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || bits % 8 !== 0) {
      throw refuse(`RSA key of ${bits} bits: keys of ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits (a multiple of 8) are accepted`);
    }
    const exponent = unsigned((alg.publicExponent as Uint8Array | undefined) ?? new Uint8Array());
    if (exponent !== BigInt(RSA_EXPONENT)) throw refuse(`RSA public exponent ${exponent}: only ${RSA_EXPONENT} is accepted`);
    return { kind: 'rsa', bits };
  }
  if (alg.name === 'ECDSA') {
    const curve = alg.namedCurve;
    if (curve === 'P-256' || curve === 'P-384') return { kind: 'ecdsa', curve };
    throw refuse(`ECDSA key on curve ${String(curve)}: P-256 and P-384 are accepted`);
  }
  throw refuse(`key algorithm ${alg.name}: ${ACCEPTED}`);
}

/** "RSA-2048", "ECDSA-P-256": how orders record the key. */
export const subscriberKeyLabel = (key: SubscriberKey): string => (key.kind === 'rsa' ? `RSA-${key.bits}` : `ECDSA-${key.curve}`);
