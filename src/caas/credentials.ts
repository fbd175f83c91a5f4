/**
 * EAB credentials: a key id and an HMAC key, both unpadded base64url from the platform CSPRNG. Neither ever
 * starts with "-": a leading dash turns a command-line value into an option (certbot, lego, acme.sh).
 */
import { toBase64Url, fromBase64Url } from '../core/encoding.js';

/** 256 bits: HS256 wants a key at least as long as its output (RFC 7518 §3.2). */
export const HMAC_KEY_BYTES = 32;
/** 128 bits: the key id is not secret, only unique. */
export const KID_BYTES = 16;

/** Random bytes whose unpadded base64url text does not start with "-"; drawn again until it does not. */
function randomNoLeadingDash(bytes: number): { raw: Uint8Array; text: string } {
  for (;;) {
    const raw = crypto.getRandomValues(new Uint8Array(bytes));
    const text = toBase64Url(raw);
    if (!text.startsWith('-')) return { raw, text };
  }
}

export function newKid(): string {
  return randomNoLeadingDash(KID_BYTES).text;
}

/** A fresh HMAC key: the raw bytes (sealed in the store) and the text the customer types. */
export function newHmacKey(): { raw: Uint8Array; text: string } {
  return randomNoLeadingDash(HMAC_KEY_BYTES);
}

/** The text form the customer is shown and ACME clients decode. */
export function hmacKeyText(raw: Uint8Array): string {
  return toBase64Url(raw);
}

export function hmacKeyBytes(text: string): Uint8Array {
  return fromBase64Url(text);
}
