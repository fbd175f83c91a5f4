/**
 * Byte/text helpers on Web APIs only (no Buffer: the core runs on Workers and in the browser): UTF-8,
 * base64, base64url, hex, constant-time comparison. PEM lives in pem.ts.
 */

export const utf8 = new TextEncoder();
export const utf8Decode = new TextDecoder();

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  // One character left over encodes no whole byte: not base64url (atob would throw a DOMException).
  if (b64.length % 4 === 1) throw new Error('not base64url');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
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
