/**
 * Step 2 of the pipeline: parse an ACME request body (RFC 8555 §6.2) without touching any state.
 * Everything here is decided from the bytes alone; the signature is checked later (verify.ts).
 *
 * Order: JSON → flattened shape → protected header → `alg` allow-list → `jwk` xor `kid` → `url` →
 * `nonce` → no extensions (`crit`, `b64`) → embedded key (public, supported, matches `alg`).
 */
import { acmeProblems } from '../../core/problem.js';
import { JsonInputError, parseJson } from '../../core/json.js';
import { decodeFlattenedJws, quoted, type FlattenedJws } from './flattened.js';
import {
  checkAlgorithmMatchesKey,
  checkPublicJwk,
  isAccountKeyAlgorithm,
  unsupportedAlgorithm,
  type AccountKeyAlgorithm,
  type PublicJwk,
} from './keys.js';

/** The protected header of an ACME request, checked. Other members are kept as sent (e.g. `typ`). */
export interface AcmeProtectedHeader {
  alg: AccountKeyAlgorithm;
  url: string;
  /** Absent only when parsed with `{ nonce: 'forbidden' }` (the inner JWS of keyChange, §7.3.5). */
  nonce?: string;
  /** The embedded key exactly as sent (jose's EmbeddedJWK reads it from here). */
  jwk?: Record<string, unknown>;
  /** The account URL. */
  kid?: string;
  [member: string]: unknown;
}

/** How the request names its key: an embedded public key, or the URL of an account. */
export type KeyReference = { mode: 'jwk'; jwk: PublicJwk } | { mode: 'kid'; kid: string };

export interface ParsedAcmeJws {
  jws: FlattenedJws;
  header: AcmeProtectedHeader;
  key: KeyReference;
  /** The payload is "" (RFC 8555 §6.3). */
  postAsGet: boolean;
}

export interface ParseOptions {
  /**
   * `required` (default) for every request from a client; `forbidden` for a JWS nested inside a request
   * (keyChange's inner JWS, RFC 8555 §7.3.5), which is protected by the outer one's nonce.
   */
  nonce?: 'required' | 'forbidden';
}

const BASE64URL_NONEMPTY = /^[A-Za-z0-9_-]+$/;

/**
 * Parses the request body text. A body that is not JSON, or that nests deeper or is longer than
 * src/core/json.ts allows (a JWS is one flat object) → `malformed`.
 */
export function parseAcmeJws(body: string, options: ParseOptions = {}): ParsedAcmeJws {
  let value: unknown;
  try {
    value = parseJson(body);
  } catch (err) {
    if (err instanceof JsonInputError && err.reason !== 'syntax') throw acmeProblems.malformed(`Request body: ${err.message}`);
    throw acmeProblems.malformed('Request body is not JSON: send a flattened JWS (RFC 8555 §6.2).');
  }
  return parseAcmeJwsValue(value, options);
}

/** Parses an already decoded JSON value (e.g. keyChange's inner JWS, found in the outer payload). */
export function parseAcmeJwsValue(value: unknown, options: ParseOptions = {}): ParsedAcmeJws {
  const { jws, header } = decodeFlattenedJws(value, 'JWS');

  // alg: present, then on the allow-list (`none` and HS* are refused here).
  if (typeof header.alg !== 'string' || header.alg === '') {
    throw acmeProblems.malformed('JWS protected header has no "alg".');
  }
  if (!isAccountKeyAlgorithm(header.alg)) unsupportedAlgorithm(header.alg);
  const alg = header.alg;

  // Exactly one of jwk and kid (RFC 8555 §6.2).
  const hasJwk = 'jwk' in header;
  const hasKid = 'kid' in header;
  if (hasJwk && hasKid) {
    throw acmeProblems.malformed('JWS protected header has both "jwk" and "kid"; exactly one is allowed (RFC 8555 §6.2).');
  }
  if (!hasJwk && !hasKid) {
    throw acmeProblems.malformed(
      'JWS protected header has neither "jwk" nor "kid": newAccount and revokeCert carry "jwk", every other request "kid" (the account URL).',
    );
  }

  if (typeof header.url !== 'string' || header.url === '') {
    throw acmeProblems.malformed('JWS protected header has no "url" (RFC 8555 §6.4).');
  }

  const nonceMode = options.nonce ?? 'required';
  if (nonceMode === 'required') {
    // RFC 8555 §6.5: a missing or unusable nonce is `badNonce`, which clients retry with a fresh one.
    if (!('nonce' in header)) throw acmeProblems.badNonce('JWS protected header has no anti-replay "nonce".');
    if (typeof header.nonce !== 'string' || !BASE64URL_NONEMPTY.test(header.nonce)) {
      throw acmeProblems.badNonce('JWS "nonce" is not base64url text (RFC 8555 §6.5.1).');
    }
  } else if ('nonce' in header) {
    throw acmeProblems.malformed('This JWS is nested inside another and must not carry a "nonce" (RFC 8555 §7.3.5).');
  }

  if ('crit' in header || 'b64' in header) {
    throw acmeProblems.malformed('JWS protected header uses "crit"/"b64": ACME defines no JWS extensions.');
  }

  let key: KeyReference;
  if (hasJwk) {
    const jwk = checkPublicJwk(header.jwk, 'JWS "jwk"');
    checkAlgorithmMatchesKey(alg, jwk);
    key = { mode: 'jwk', jwk };
  } else {
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw acmeProblems.malformed(`JWS "kid" must be the account URL, got ${quoted(header.kid)}.`);
    }
    key = { mode: 'kid', kid: header.kid };
  }

  // The header as sent: every member read above (alg, url, nonce, jwk, kid) was checked to be what
  // AcmeProtectedHeader says. Not copied: a spread of an object as JSON.parse shaped it costs V8's generic
  // copy (about a microsecond) on every request.
  return { jws, header: header as AcmeProtectedHeader, key, postAsGet: jws.payload === '' };
}
