/**
 * The authentication pipeline of the ACME front end (RFC 8555 §6.2–§6.5). Handlers receive the
 * `VerifiedAcmeJws` it returns and never look at the raw body.
 *
 *   1. content type   (content-type.ts)   stateless
 *   2. parse          (parse.ts)          stateless: shape, header members, alg allow-list, embedded key
 *   3. key mode       (policy)            stateless: jwk only where the resource allows it
 *   4. key lookup     (resolver)          read-only: the account's key for `kid`
 *   5. signature      (signatures.ts)     proves the sender holds the key
 *   6. url            (caller's URL)      an authentic request meant for another resource is refused
 *   7. payload        (JSON object)       stateless
 *   8. nonce          (NonceStore)        the one step that changes state, so it runs last
 *
 * Why the nonce is consumed last: every refusal before step 8 leaves the nonce store untouched, so
 * garbage, forged or misdirected requests cannot burn nonces (nor load the store), and only a request
 * the server would otherwise act on spends one. A replay of a request that was accepted still fails at
 * step 8, because its nonce is already spent.
 */
import { acmeProblems } from '../../core/problem.js';
import { checkJoseContentType } from './content-type.js';
import { decodePayloadObject, quoted, type FlattenedJws } from './flattened.js';
import { UnusableKeyError, webCryptoJwsSignatures, type JwsSignatureVerifier } from './signatures.js';
import { fromBase64Url, utf8 } from '../../core/encoding.js';
import { checkAlgorithmMatchesKey, checkPublicJwk, type PublicJwk } from './keys.js';
import { parseAcmeJws, type AcmeProtectedHeader, type ParsedAcmeJws } from './parse.js';

/**
 * Anti-replay nonces (RFC 8555 §6.5), single use across instances (the server's implementation is
 * src/acme/server/nonces.ts: stateless nonces, a replay store of consumed ones).
 *
 * The HTTP layer, not this pipeline, calls `issue()` for the Replay-Nonce header of every response to a
 * POST or newNonce — error responses included. A `badNonce` problem from this module carries no fresh
 * nonce itself: the HTTP layer MUST add one (RFC 8555 §6.5: clients retry with it).
 */
export interface NonceStore {
  /** A fresh, unguessable base64url nonce (the server's are made without waiting: src/acme/server/nonces.ts). */
  issue(): string | Promise<string>;
  /** Atomically marks `nonce` used: true exactly once per issued nonce; false if forged, expired or spent. */
  consume(nonce: string): Promise<boolean>;
}

/**
 * Finds the key of the account whose URL is `kid`; undefined when there is none (→ `accountDoesNotExist`).
 * It may throw a Problem of its own, e.g. `acmeProblems.unauthorized` for a deactivated account
 * (RFC 8555 §7.3.6); it propagates unchanged.
 */
export type AccountKeyResolver = (kid: string) => Promise<unknown>;

/**
 * Which key reference a resource accepts: `jwk` for newAccount, `either` for revokeCert (the account key
 * or the certificate's key, RFC 8555 §7.6), `kid` for everything else.
 */
export interface KeyPolicy {
  keyMode: 'jwk' | 'kid' | 'either';
}

export interface VerifyContext extends KeyPolicy {
  /** The URL this request was received at, built from the configured base URL, not the Host header. */
  url: string;
  /** Needed when the policy admits `kid`. */
  resolveAccountKey?: AccountKeyResolver;
  /** Needed when the JWS carries a nonce (every outer request). */
  nonces?: NonceStore;
  /** How signatures are checked (step 5); WebCrypto unless the runtime brings a cheaper way. */
  signatures?: JwsSignatureVerifier;
}

interface VerifiedCommon {
  header: AcmeProtectedHeader;
  /** The key that verified the signature, reduced to its RFC 7638 members (safe to store). */
  jwk: PublicJwk;
  /** The payload object; undefined for POST-as-GET. */
  payload: Record<string, unknown> | undefined;
  postAsGet: boolean;
  /** The request as sent, e.g. for keyChange (its payload holds the inner JWS). */
  jws: FlattenedJws;
}

/** An authenticated request: a handler can trust every member. */
export type VerifiedAcmeJws =
  | (VerifiedCommon & { keyMode: 'jwk' })
  | (VerifiedCommon & { keyMode: 'kid'; /** the account URL */ kid: string });

export interface AcmeRequest {
  /** The Content-Type request header (null when absent). */
  contentType: string | null | undefined;
  /** The request body as text. */
  body: string;
  /** The URL this request was received at (see VerifyContext.url). */
  url: string;
}

export interface AcmeRequestDeps {
  nonces: NonceStore;
  resolveAccountKey: AccountKeyResolver;
  signatures?: JwsSignatureVerifier;
}

const defaultSignatures = webCryptoJwsSignatures();

/** The whole pipeline for one POST: steps 1–8 above. */
export async function verifyAcmeRequest(
  request: AcmeRequest,
  policy: KeyPolicy,
  deps: AcmeRequestDeps,
): Promise<VerifiedAcmeJws> {
  checkJoseContentType(request.contentType);
  const parsed = parseAcmeJws(request.body);
  // Written out rather than `{ ...policy, url, ...deps }`: see src/core/with-changes.ts.
  const ctx: VerifyContext = {
    keyMode: policy.keyMode,
    url: request.url,
    resolveAccountKey: deps.resolveAccountKey,
    nonces: deps.nonces,
    signatures: deps.signatures,
  };
  return verifyParsedJws(parsed, ctx);
}

/** Steps 3–8 for an already parsed JWS (also usable for keyChange's inner JWS, parsed without nonce). */
export async function verifyParsedJws(parsed: ParsedAcmeJws, ctx: VerifyContext): Promise<VerifiedAcmeJws> {
  const { header, key } = parsed;

  // 3. Key mode.
  if (ctx.keyMode === 'jwk' && key.mode === 'kid') {
    throw acmeProblems.malformed('This resource takes the account key in "jwk" (newAccount); "kid" is not accepted here.');
  }
  if (ctx.keyMode === 'kid' && key.mode === 'jwk') {
    throw acmeProblems.malformed(
      'This resource takes "kid" (your account URL); "jwk" is accepted only by newAccount and revokeCert (RFC 8555 §6.2).',
    );
  }

  // 4. Key lookup.
  let jwk: PublicJwk;
  if (key.mode === 'jwk') {
    jwk = key.jwk;
  } else {
    if (!ctx.resolveAccountKey) throw new Error('verifyParsedJws: a kid request needs resolveAccountKey');
    const stored = await ctx.resolveAccountKey(key.kid);
    if (!stored) throw acmeProblems.accountDoesNotExist(`No account exists at ${quoted(key.kid, 200)}.`);
    jwk = checkPublicJwk(stored, 'Account key');
    checkAlgorithmMatchesKey(header.alg, jwk);
  }

  // 5. Signature, over ASCII(protected "." payload) (RFC 7515 §5.2); alg and key were matched in steps 2 and 4.
  let valid: boolean;
  try {
    valid = await (ctx.signatures ?? defaultSignatures).verify(
      header.alg,
      jwk,
      utf8.encode(`${parsed.jws.protected}.${parsed.jws.payload}`),
      fromBase64Url(parsed.jws.signature),
    );
  } catch (err) {
    if (!(err instanceof UnusableKeyError)) throw err;
    throw acmeProblems.badPublicKey(key.mode === 'jwk' ? 'JWS "jwk" is not a usable public key.' : 'The account key cannot be used to verify.');
  }
  if (!valid) {
    throw acmeProblems.malformed(`JWS signature does not verify with the ${key.mode === 'jwk' ? 'embedded "jwk"' : 'account key'}.`);
  }

  // 6. url (RFC 8555 §6.4: mismatch → unauthorized).
  if (header.url !== ctx.url) {
    throw acmeProblems.unauthorized(
      `JWS "url" ${quoted(header.url, 200)} does not match the URL this request was sent to (${quoted(ctx.url, 200)}).`,
    );
  }

  // 7. Payload.
  const payload = decodePayloadObject(fromBase64Url(parsed.jws.payload));

  // 8. Nonce: consumed only now.
  if (header.nonce !== undefined) {
    if (!ctx.nonces) throw new Error('verifyParsedJws: a JWS with a nonce needs a NonceStore');
    if (!(await ctx.nonces.consume(header.nonce))) {
      throw acmeProblems.badNonce('JWS "nonce" is unknown, expired or already used: retry with the Replay-Nonce of this response.');
    }
  }

  // Two literals rather than a common part spread into each: see src/core/with-changes.ts.
  const postAsGet = payload === undefined;
  return key.mode === 'jwk'
    ? { header, jwk, payload, postAsGet, jws: parsed.jws, keyMode: 'jwk' }
    : { header, jwk, payload, postAsGet, jws: parsed.jws, keyMode: 'kid', kid: key.kid };
}
