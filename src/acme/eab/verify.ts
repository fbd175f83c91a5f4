/**
 * External Account Binding (RFC 8555 §7.3.4): the newAccount payload's `externalAccountBinding` is a JWS,
 * MAC'd with the key the customer got from us, whose payload is the new account's public key. It proves
 * the holder of an EAB key id approves this account key. eabgate requires it for every new account.
 *
 * Problem types, one rule throughout:
 *   - absent                                            → externalAccountRequired
 *   - not a well-formed JWS, header member missing/extra,
 *     `nonce` present, payload not a JWK                → malformed
 *   - `alg` present but not HS256/HS384/HS512            → badSignatureAlgorithm (+ `algorithms`)
 *   - unknown kid, MAC fails, wrong `url`, other key     → unauthorized (the binding does not authorize this)
 *   - key known but refused (revoked, expired, …)       → whatever Problem the resolver returns
 *
 * The HMAC key: we issue it as unpadded base64url of ≥ 32 random bytes; clients (certbot, lego, acme.sh,
 * acme-client) decode that text to bytes and MAC with the bytes. The resolver hands us the raw bytes.
 */
import type { JWK } from 'jose';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { fromBase64Url, timingSafeEqual, utf8 } from '../../core/encoding.js';
import { jwkThumbprint } from '../../core/jwk-thumbprint.js';
import { acmeProblems, type Problem } from '../../core/problem.js';
import { decodeBase64UrlJson, decodeFlattenedJws, quoted, type FlattenedJws } from '../jws/flattened.js';
import { checkPublicJwk } from '../jws/keys.js';

export const EAB_MAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type EabMacAlgorithm = (typeof EAB_MAC_ALGORITHMS)[number];

/**
 * What the caller's store says about an EAB key id.
 * - `ok`: the raw HMAC key bytes, and `binding`: anything the caller wants handed back on success
 *   (the EAB key's record id, the customer id, …).
 * - `refused`: the key exists but may not bind an account now; `problem` is sent as is, e.g.
 *   `acmeProblems.unauthorized('EAB key … was revoked on …')` or
 *   `acmeProblems.unauthorized('The subscription of EAB key … expired on …: renew it at …')`.
 */
export type EabKeyLookup<B> = { status: 'ok'; hmacKey: Uint8Array; binding: B } | { status: 'refused'; problem: Problem };

/** Looks up an EAB key id; undefined when it is unknown (→ `unauthorized`). */
export type EabKeyResolver<B> = (kid: string) => Promise<EabKeyLookup<B> | undefined>;

/** Shorthand for a resolver: refuse a known key with an `unauthorized` problem and this detail. */
export function refuseEabKey(detail: string): { status: 'refused'; problem: Problem } {
  return { status: 'refused', problem: acmeProblems.unauthorized(detail) };
}

export interface EabInput<B> {
  /** `payload.externalAccountBinding` of the newAccount request, as received (undefined when absent). */
  externalAccountBinding: unknown;
  /** The key that verified the outer JWS (VerifiedAcmeJws.jwk). */
  accountJwk: JWK;
  /** jwkThumbprint(accountJwk) when the caller has it already (newAccount looks the account up by it): one hash less. */
  accountThumbprint?: string;
  /** The newAccount URL: the outer JWS's verified `url`. */
  url: string;
  resolveKey: EabKeyResolver<B>;
}

export interface VerifiedEab<B> {
  /** The EAB key id. */
  kid: string;
  alg: EabMacAlgorithm;
  binding: B;
  /** The binding as received: RFC 8555 §7.3.4 has the account object echo it in `externalAccountBinding`. */
  externalAccountBinding: FlattenedJws;
}

const WHAT = 'externalAccountBinding';

const MAC_HASH = { HS256: sha256, HS384: sha384, HS512: sha512 } as const;

function isMacAlgorithm(alg: string): alg is EabMacAlgorithm {
  return (EAB_MAC_ALGORITHMS as readonly string[]).includes(alg);
}

/**
 * Verifies the binding. Call it for every newAccount that would create an account (not for
 * `onlyReturnExisting`, nor when the key already has an account). Binding the EAB key to the new account
 * is the caller's job and must be atomic, so two concurrent newAccounts cannot both use a one-time key.
 */
export async function verifyExternalAccountBinding<B>(input: EabInput<B>): Promise<VerifiedEab<B>> {
  if (input.externalAccountBinding === undefined || input.externalAccountBinding === null) {
    throw acmeProblems.externalAccountRequired(
      'This server requires External Account Binding: register with the EAB key id and HMAC key from your ' +
        'eabgate account (certbot --eab-kid/--eab-hmac-key, lego --eab --kid/--hmac, acme.sh --eab-kid/--eab-hmac-key).',
    );
  }

  // 1. "Verify that the value of the field is a well-formed JWS."
  const { jws, header } = decodeFlattenedJws(input.externalAccountBinding, WHAT);

  // 2. "Verify that the JWS protected header meets the following criteria:"
  //    - "The 'alg' Header Parameter indicates a MAC-based algorithm"
  if (typeof header.alg !== 'string' || header.alg === '') {
    throw acmeProblems.malformed(`${WHAT} protected header has no "alg".`);
  }
  if (!isMacAlgorithm(header.alg)) {
    throw acmeProblems.badSignatureAlgorithm(
      `${WHAT} algorithm ${quoted(header.alg)} is not a MAC algorithm this server accepts; use HS256, HS384 or HS512 with your EAB HMAC key.`,
      { algorithms: [...EAB_MAC_ALGORITHMS] },
    );
  }
  const alg = header.alg;
  //    - "The 'kid' Header Parameter contains the key identifier provided by the CA"
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw acmeProblems.malformed(`${WHAT} protected header must have "kid": your EAB key id.`);
  }
  const kid = header.kid;
  if ('jwk' in header) {
    throw acmeProblems.malformed(`${WHAT} protected header must not have "jwk": the account key is its payload.`);
  }
  //    - "The 'nonce' Header Parameter MUST NOT be present"
  if ('nonce' in header) {
    throw acmeProblems.malformed(`${WHAT} protected header must not have "nonce" (RFC 8555 §7.3.4).`);
  }
  if ('crit' in header || 'b64' in header) {
    throw acmeProblems.malformed(`${WHAT} protected header uses "crit"/"b64": ACME defines no JWS extensions.`);
  }
  //    - "The 'url' Header Parameter MUST be set to the same value as the outer JWS"
  if (typeof header.url !== 'string' || header.url === '') {
    throw acmeProblems.malformed(`${WHAT} protected header has no "url".`);
  }
  if (header.url !== input.url) {
    throw acmeProblems.unauthorized(
      `${WHAT} "url" ${quoted(header.url, 200)} is not the newAccount URL ${quoted(input.url, 200)} of this request.`,
    );
  }

  // 3. "Retrieve the MAC key corresponding to the key identifier in the 'kid' field"
  const found = await input.resolveKey(kid);
  if (!found) throw acmeProblems.unauthorized(`EAB key id ${quoted(kid)} is not known to this server.`);
  if (found.status === 'refused') throw found.problem;
  if (!(found.hmacKey instanceof Uint8Array) || found.hmacKey.length === 0) {
    throw new Error('EAB resolver returned an empty HMAC key'); // a store fault: internal error at the edge
  }

  // 4. "Verify that the MAC on the JWS verifies using that MAC key": HMAC over ASCII(protected "." payload)
  //    (RFC 7515 §5.2), computed synchronously (@noble/hashes, as the keyring does) and compared in
  //    constant time. Every member is base64url already (decodeFlattenedJws).
  const mac = hmac(MAC_HASH[alg], found.hmacKey, utf8.encode(`${jws.protected}.${jws.payload}`));
  if (!timingSafeEqual(mac, fromBase64Url(jws.signature))) {
    throw acmeProblems.unauthorized(
      `${WHAT} MAC does not verify with the HMAC key of EAB key id ${quoted(kid)}: check the HMAC key (base64url text, as issued) and that it belongs to this key id.`,
    );
  }

  // 5. "Verify that the payload of the JWS represents the same key as was used to verify the outer JWS
  //    (i.e., the 'jwk' field of the outer JWS)": compared by RFC 7638 thumbprint.
  const payload = jws.payload.length > 0 ? decodeBase64UrlJson(jws.payload) : undefined;
  if (payload === undefined) throw acmeProblems.malformed(`${WHAT} payload must be the account's public JWK, as JSON.`);
  const boundJwk = checkPublicJwk(payload, `${WHAT} payload`);
  const bound = jwkThumbprint(boundJwk);
  const outer = input.accountThumbprint ?? jwkThumbprint(input.accountJwk);
  if (bound !== outer) {
    throw acmeProblems.unauthorized(
      `${WHAT} binds a different key (thumbprint ${bound}) than the one that signed this request (${outer}).`,
    );
  }

  return { kid, alg, binding: found.binding, externalAccountBinding: jws };
}
