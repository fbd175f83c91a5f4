/**
 * The subscriber keys the embedded CA signs for (BR §6.1.5, §7.1.3.1): RSA of 2048 to 8192 bits (a
 * multiple of 8, rsaEncryption, odd public exponent ≥ 3) and ECDSA on P-256 or P-384. The CSR has been
 * checked before it reaches the CA; this is the CA's own refusal of anything else.
 */
import type { x509 } from '../core/x509.js';
import { problems } from '../core/problem.js';

export type LeafKey = { kind: 'rsa'; bits: number } | { kind: 'ecdsa'; curve: 'P-256' | 'P-384' };

const refuse = (detail: string) => problems.badCsr(`csr: ${detail}`, { field: 'csr', rule: 'weak-key' });

const ACCEPTED = 'RSA (2048 to 8192 bits) and ECDSA P-256/P-384 are accepted';

export function leafKeyOf(publicKey: x509.PublicKey): LeafKey {
  let alg: Algorithm & Record<string, unknown>;
  try {
    alg = publicKey.algorithm as Algorithm & Record<string, unknown>;
  } catch {
    throw refuse(`the public key's algorithm is not recognized: ${ACCEPTED}`);
  }
  if (alg.name === 'RSASSA-PKCS1-v1_5') {
    const bits = alg.modulusLength as number;
    if (!Number.isInteger(bits) || bits < 2048 || bits > 8192 || bits % 8 !== 0) {
      throw refuse(`RSA key of ${bits} bits: ${ACCEPTED}, a multiple of 8 bits`);
    }
    const e = alg.publicExponent as Uint8Array;
    const last = e[e.length - 1] ?? 0;
    const big = e.length > 1 && e.slice(0, -1).some((b) => b !== 0);
    if ((last & 1) === 0 || (!big && last < 3)) throw refuse('RSA public exponent must be odd and at least 3');
    return { kind: 'rsa', bits };
  }
  if (alg.name === 'ECDSA') {
    const curve = alg.namedCurve;
    if (curve === 'P-256' || curve === 'P-384') return { kind: 'ecdsa', curve };
    throw refuse(`ECDSA key on curve ${String(curve)}: ${ACCEPTED}`);
  }
  throw refuse(`key algorithm ${alg.name}: ${ACCEPTED}`);
}
