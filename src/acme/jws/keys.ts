/**
 * Account keys: the signature algorithms ACME requests may use (RFC 8555 §6.2) and the public keys that
 * go with them. An account key is checked when it arrives (embedded `jwk`) and again when it is looked
 * up by `kid`, so a key stored under an older policy cannot slip through.
 */
import { acmeProblems } from '../../core/problem.js';
import { fromBase64Url } from '../../core/encoding.js';
import { isJsonObject, quoted } from './flattened.js';

/** The allow-list (RFC 8555 §6.2: servers MUST refuse `none` and MAC algorithms for requests). */
export const ACCOUNT_KEY_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type AccountKeyAlgorithm = (typeof ACCOUNT_KEY_ALGORITHMS)[number];

export const RSA_MIN_BITS = 2048;
/** Larger keys only cost verification time; 4096 is the largest size common clients generate. */
export const RSA_MAX_BITS = 4096;
/** Only F4, as Boulder requires: every common client uses it, and small exponents invite forgery bugs. */
const RSA_EXPONENT = 'AQAB';

/** A public account key reduced to the members RFC 7638 hashes: safe to store and compare. */
export type PublicJwk =
  | { kty: 'RSA'; n: string; e: string }
  | { kty: 'EC'; crv: 'P-256' | 'P-384' | 'P-521'; x: string; y: string }
  | { kty: 'OKP'; crv: 'Ed25519'; x: string };

/** Private (or symmetric) members of RFC 7518 §6 and RFC 8037 §2: never in a request. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const EC_CURVES = { 'P-256': { bytes: 32, alg: 'ES256' }, 'P-384': { bytes: 48, alg: 'ES384' }, 'P-521': { bytes: 66, alg: 'ES512' } } as const;

export function isAccountKeyAlgorithm(alg: unknown): alg is AccountKeyAlgorithm {
  return typeof alg === 'string' && (ACCOUNT_KEY_ALGORITHMS as readonly string[]).includes(alg);
}

/** `badSignatureAlgorithm` with the `algorithms` member RFC 8555 §6.2 requires. */
export function unsupportedAlgorithm(alg: string, what = 'JWS'): never {
  throw acmeProblems.badSignatureAlgorithm(
    `${what} algorithm ${quoted(alg)} is not supported; use one of ${ACCOUNT_KEY_ALGORITHMS.join(', ')}.`,
    { algorithms: [...ACCOUNT_KEY_ALGORITHMS] },
  );
}

function bytesOf(jwk: Record<string, unknown>, member: string, what: string): Uint8Array {
  const v = jwk[member];
  if (typeof v !== 'string' || v === '') throw acmeProblems.malformed(`${what} member "${member}" is missing or not a string.`);
  try {
    return fromBase64Url(v);
  } catch {
    throw acmeProblems.malformed(`${what} member "${member}" is not base64url.`);
  }
}

function bitLength(unsignedBigEndian: Uint8Array): number {
  let i = 0;
  while (i < unsignedBigEndian.length && unsignedBigEndian[i] === 0) i++;
  if (i === unsignedBigEndian.length) return 0;
  return (unsignedBigEndian.length - i - 1) * 8 + (32 - Math.clz32(unsignedBigEndian[i]!));
}

/**
 * Checks that `value` is a public key of a kind accounts may hold and returns its RFC 7638 members.
 * Private members → `badPublicKey` (the key is also exposed: the client should discard it);
 * unsupported type or curve, RSA outside 2048–4096 bits → `badPublicKey`; broken members → `malformed`.
 */
export function checkPublicJwk(value: unknown, what = 'jwk'): PublicJwk {
  if (!isJsonObject(value)) throw acmeProblems.malformed(`${what} must be a JSON Web Key object.`);
  const leaked = PRIVATE_MEMBERS.filter((m) => m in value);
  if (leaked.length > 0) {
    throw acmeProblems.badPublicKey(
      `${what} contains private key member(s) ${leaked.join(', ')}: send the public key only. ` +
        'This key has left the client and should be replaced.',
    );
  }
  switch (value.kty) {
    case 'RSA': {
      const bits = bitLength(bytesOf(value, 'n', what));
      if (bits < RSA_MIN_BITS) {
        throw acmeProblems.badPublicKey(`${what} is a ${bits}-bit RSA key; at least ${RSA_MIN_BITS} bits are required.`);
      }
      if (bits > RSA_MAX_BITS) {
        throw acmeProblems.badPublicKey(`${what} is a ${bits}-bit RSA key; at most ${RSA_MAX_BITS} bits are accepted.`);
      }
      bytesOf(value, 'e', what);
      if (value.e !== RSA_EXPONENT) throw acmeProblems.badPublicKey(`${what} RSA public exponent must be 65537.`);
      return { kty: 'RSA', n: value.n as string, e: value.e as string };
    }
    case 'EC': {
      const crv = value.crv;
      if (typeof crv !== 'string' || !(crv in EC_CURVES)) {
        throw acmeProblems.badPublicKey(`${what} EC curve ${quoted(crv)} is not supported; use P-256, P-384 or P-521.`);
      }
      const size = EC_CURVES[crv as keyof typeof EC_CURVES].bytes;
      for (const m of ['x', 'y']) {
        if (bytesOf(value, m, what).length !== size) {
          throw acmeProblems.malformed(`${what} member "${m}" must be ${size} bytes for ${crv}.`);
        }
      }
      return { kty: 'EC', crv: crv as keyof typeof EC_CURVES, x: value.x as string, y: value.y as string };
    }
    case 'OKP': {
      if (value.crv !== 'Ed25519') {
        throw acmeProblems.badPublicKey(`${what} OKP curve ${quoted(value.crv)} is not supported; use Ed25519.`);
      }
      if (bytesOf(value, 'x', what).length !== 32) throw acmeProblems.malformed(`${what} member "x" must be 32 bytes for Ed25519.`);
      return { kty: 'OKP', crv: 'Ed25519', x: value.x as string };
    }
    default:
      throw acmeProblems.badPublicKey(`${what} key type ${quoted(value.kty)} is not supported; use RSA, EC or OKP (Ed25519).`);
  }
}

/** The one algorithm each supported key signs with. */
export function algorithmForKey(jwk: PublicJwk): AccountKeyAlgorithm {
  switch (jwk.kty) {
    case 'RSA':
      return 'RS256';
    case 'EC':
      return EC_CURVES[jwk.crv].alg;
    case 'OKP':
      return 'EdDSA';
  }
}

/** `alg` must be the algorithm of the key (ES256 with P-256, …) → else `badSignatureAlgorithm`. */
export function checkAlgorithmMatchesKey(alg: AccountKeyAlgorithm, jwk: PublicJwk, what = 'JWS'): void {
  const expected = algorithmForKey(jwk);
  if (alg !== expected) {
    const kind = jwk.kty === 'RSA' ? 'an RSA key' : `a ${jwk.crv} key`;
    throw acmeProblems.badSignatureAlgorithm(
      `${what} algorithm ${alg} does not match the account key: ${kind} signs with ${expected}.`,
      { algorithms: [expected] },
    );
  }
}
