/**
 * Key authorizations (RFC 8555 §8.1) and the values derived from them for dns-01 (§8.4) and tls-alpn-01
 * (RFC 8737 §3). WebCrypto only.
 */
import type { JWK } from 'jose';
import { toBase64Url, utf8 } from '../core/encoding.js';
import { jwkThumbprint } from '../core/jwk-thumbprint.js';

/** token || "." || base64url(SHA-256 JWK thumbprint of the account key, RFC 7638). */
export async function keyAuthorization(token: string, accountJwk: JWK): Promise<string> {
  return `${token}.${jwkThumbprint(accountJwk)}`;
}

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** The TXT value at _acme-challenge.<domain>: base64url(SHA-256(keyAuthorization)). */
export async function dns01TxtValue(keyAuth: string): Promise<string> {
  return toBase64Url(await sha256(keyAuth));
}

/** The 32 bytes carried (as an OCTET STRING) in the acmeIdentifier extension: SHA-256(keyAuthorization). */
export async function tlsAlpn01Digest(keyAuth: string): Promise<Uint8Array> {
  return sha256(keyAuth);
}
