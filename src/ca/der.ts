/**
 * Just enough DER to mend what a library writes: read the TLVs of a constructed value, write TLVs back,
 * and turn a WebCrypto ECDSA signature (r ‖ s, IEEE P1363) into the DER SEQUENCE X.509 carries.
 */

export interface Tlv {
  tag: number;
  /** The whole TLV: header and content. */
  bytes: Uint8Array;
  content: Uint8Array;
}

function readTlv(buf: Uint8Array, at: number): Tlv {
  const tag = buf[at];
  if (tag === undefined || (tag & 0x1f) === 0x1f) throw new Error('DER: unsupported or missing tag');
  let len = buf[at + 1];
  if (len === undefined) throw new Error('DER: truncated');
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] ?? NaN);
    header += n;
  }
  const end = at + header + len;
  if (!Number.isFinite(len) || end > buf.length) throw new Error('DER: truncated');
  return { tag, bytes: buf.subarray(at, end), content: buf.subarray(at + header, end) };
}

/** The TLVs inside a constructed value's content. */
export function children(content: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const t = readTlv(content, at);
    out.push(t);
    at += t.bytes.length;
  }
  return out;
}

/** The single TLV a buffer holds. */
export function parse(buf: Uint8Array): Tlv {
  const t = readTlv(buf, 0);
  if (t.bytes.length !== buf.length) throw new Error('DER: trailing bytes');
  return t;
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lenBytes: number[] = [];
  if (len < 0x80) lenBytes.push(len);
  else {
    for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n & 0xff);
    lenBytes.unshift(0x80 | lenBytes.length);
  }
  const out = new Uint8Array(1 + lenBytes.length + len);
  out[0] = tag;
  out.set(lenBytes, 1);
  let at = 1 + lenBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A non-negative INTEGER from big-endian magnitude bytes: minimal, with 0x00 before a set top bit. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array<ArrayBuffer> {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return (m[0] ?? 0) & 0x80 ? tlv(0x02, new Uint8Array([0]), m) : tlv(0x02, m.length ? m : new Uint8Array([0]));
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } from WebCrypto's r ‖ s. */
export function ecdsaSignatureToDer(p1363: Uint8Array): Uint8Array<ArrayBuffer> {
  const half = p1363.length / 2;
  return tlv(0x30, unsignedInteger(p1363.subarray(0, half)), unsignedInteger(p1363.subarray(half)));
}
