/**
 * Byte/text helpers on Web APIs only (no Buffer: the core runs on Workers and in the browser): UTF-8,
 * base64, base64url, hex, constant-time comparison. PEM lives in pem.ts.
 */

export const utf8 = new TextEncoder();
export const utf8Decode = new TextDecoder();

/*
 * base64 and base64url by lookup tables. btoa/atob work on "binary strings": encoding went through
 * String.fromCharCode(...bytes) (an argument per byte) and regex replacements for base64url, five times
 * slower than these tables for the 33-byte nonces, JWS parts and 1-2 KB certificates of every ACME
 * request (about 1 µs vs 0.15 µs, and 33 µs vs 6.5 µs). Node's Buffer codec would be faster still, but
 * the core runs on Web APIs only.
 */
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Two output characters per 12 input bits: 4096 strings per alphabet, made on first use. */
const pairTables = new Map<string, string[]>();
function pairsOf(alphabet: string): string[] {
  let pairs = pairTables.get(alphabet);
  if (!pairs) {
    pairs = Array.from({ length: 4096 }, (_, i) => alphabet[i >> 6]! + alphabet[i & 63]!);
    pairTables.set(alphabet, pairs);
  }
  return pairs;
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  const pairs = pairsOf(alphabet);
  const whole = bytes.length - (bytes.length % 3);
  let out = '';
  let i = 0;
  for (; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += pairs[v >> 12]! + pairs[v & 4095]!;
  }
  if (bytes.length - whole === 1) {
    out += pairs[bytes[i]! << 4]! + (pad ? '==' : '');
  } else if (bytes.length - whole === 2) {
    const v = (bytes[i]! << 10) | (bytes[i + 1]! << 2);
    out += pairs[v >> 6]! + alphabet[v & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** base64url character → its 6 bits; -1 for anything else. */
const URL_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) URL_VALUES[URL_SAFE.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/**
 * Unpadded base64url (RFC 4648 §5, as JOSE uses it). Throws on any other character, on padding, and on a
 * length that leaves one character over (it would encode no whole byte). Like atob, it does not require
 * the unused low bits of the last character to be zero.
 */
export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const rest = s.length % 4;
  if (rest === 1) throw new Error('not base64url');
  const out = new Uint8Array(((s.length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let bad = 0;
  const at = (k: number) => {
    const c = s.charCodeAt(k);
    const v = c < 128 ? URL_VALUES[c]! : -1;
    bad |= v;
    return v;
  };
  let o = 0;
  let k = 0;
  for (const whole = s.length - rest; k < whole; k += 4) {
    const v = (at(k) << 18) | (at(k + 1) << 12) | (at(k + 2) << 6) | at(k + 3);
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  if (rest === 2) {
    out[o] = (at(k) << 2) | (at(k + 1) >> 4);
  } else if (rest === 3) {
    const v = (at(k) << 12) | (at(k + 1) << 6) | at(k + 2);
    out[o++] = v >> 10;
    out[o] = (v >> 2) & 255;
  }
  // Any -1 above set the sign bit of `bad`.
  if (bad < 0) throw new Error('not base64url');
  return out;
}

/** Lower-case hex, two digits a byte. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Big-endian bytes of a hex string (either case); an odd length gets a leading zero digit. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new Error('not hex');
  const h = hex.length % 2 ? `0${hex}` : hex;
  return Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Constant-time comparison of two byte strings of possibly different length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i % a.length] ?? 0) ^ (b[i % b.length] ?? 0);
  return diff === 0;
}
