/**
 * The structure of a flattened JWS JSON object (RFC 7515 §7.2.2) as ACME allows it (RFC 8555 §6.2):
 * exactly `protected`, `payload` and `signature`, no unprotected `header`, no general serialization.
 * Shared by the request parser (parse.ts) and the External Account Binding verifier (eab/verify.ts);
 * header rules differ between the two and live with each.
 */
import { acmeProblems } from '../../core/problem.js';
import { fromBase64Url } from '../../core/encoding.js';
import { JsonInputError, parseJsonBytes } from '../../core/json.js';

/** The three members of a flattened JWS, all base64url text. `payload` is "" for POST-as-GET. */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

export interface DecodedFlattenedJws {
  jws: FlattenedJws;
  /** The decoded protected header: a JSON object, not yet checked member by member. */
  header: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MEMBERS = new Set(['protected', 'payload', 'signature']);

/** A short, quoted rendering of untrusted input for a problem detail. */
export function quoted(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes base64url text to a JSON value, or undefined when it is not base64url, UTF-8 or JSON. JSON
 * beyond the size or depth limits of src/core/json.ts is refused as `malformed` (naming `what`), so a
 * deeply nested header cannot reach code that recurses over it.
 */
export function decodeBase64UrlJson(text: string, what = 'JWS member'): unknown {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text);
  } catch {
    return undefined;
  }
  try {
    return parseJsonBytes(bytes);
  } catch (err) {
    if (err instanceof JsonInputError && err.reason !== 'syntax') throw acmeProblems.malformed(`${what}: ${err.message}`);
    return undefined;
  }
}

/**
 * Checks the shape of a flattened JWS and decodes its protected header. `what` names the object in
 * details ("JWS", "externalAccountBinding"). Every failure is `malformed`.
 */
export function decodeFlattenedJws(value: unknown, what = 'JWS'): DecodedFlattenedJws {
  if (!isJsonObject(value)) {
    throw acmeProblems.malformed(`${what} must be a flattened JWS JSON object (RFC 8555 §6.2).`);
  }
  if ('signatures' in value) {
    throw acmeProblems.malformed(
      `${what} uses the general JWS serialization ("signatures"); ACME accepts only the flattened serialization with one "signature".`,
    );
  }
  if ('header' in value) {
    throw acmeProblems.malformed(
      `${what} has an unprotected "header"; every header parameter must be in "protected" (RFC 8555 §6.2).`,
    );
  }
  const extra = Object.keys(value).filter((k) => !MEMBERS.has(k));
  if (extra.length > 0) {
    throw acmeProblems.malformed(`${what} has unexpected member(s) ${extra.map((k) => quoted(k)).join(', ')}.`);
  }
  for (const member of MEMBERS) {
    const v = value[member];
    if (typeof v !== 'string') throw acmeProblems.malformed(`${what} member "${member}" is missing or not a string.`);
    if (!BASE64URL.test(v)) {
      throw acmeProblems.malformed(`${what} member "${member}" is not unpadded base64url text.`);
    }
    if (member !== 'payload' && v === '') throw acmeProblems.malformed(`${what} member "${member}" is empty.`);
  }
  const jws: FlattenedJws = {
    protected: value.protected as string,
    payload: value.payload as string,
    signature: value.signature as string,
  };
  const header = decodeBase64UrlJson(jws.protected, `${what} protected header`);
  if (!isJsonObject(header)) {
    throw acmeProblems.malformed(`${what} protected header is not a base64url-encoded JSON object.`);
  }
  return { jws, header };
}

/** Decodes a verified payload: "" (POST-as-GET) gives undefined; otherwise it must be a JSON object. */
export function decodePayloadObject(bytes: Uint8Array, what = 'JWS'): Record<string, unknown> | undefined {
  if (bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = parseJsonBytes(bytes);
  } catch (err) {
    if (err instanceof JsonInputError && err.reason !== 'syntax') throw acmeProblems.malformed(`${what} payload: ${err.message}`);
    throw acmeProblems.malformed(`${what} payload is not UTF-8 JSON.`);
  }
  if (!isJsonObject(value)) throw acmeProblems.malformed(`${what} payload must be a JSON object (or "" for POST-as-GET).`);
  return value;
}
