/**
 * The one hand-written DER (X.690) reader and writer, for the few places where @peculiar/x509 leaves a gap:
 * mending what the library writes (CRL entries, the CRL number, ECDSA signatures from WebCrypto), turning
 * the legacy private-key PEMs into PKCS#8 in the browser, and the acmeIdentifier OCTET STRING of
 * tls-alpn-01. Web APIs only (no Buffer): it runs on Node, Workers and in the portal's browser bundle.
 * Only low tag numbers and definite lengths of up to four octets are read. With `strict`, the reader also
 * refuses lengths not in their shortest form (DER, X.690 §10.1), for readers such as src/csr/pkcs10.ts that
 * must accept only the one encoding of a value.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  CTX0: 0xa0,
  /** A certificate's [3] extensions. */
  CTX3: 0xa3,
} as const;

/** GeneralName choices (RFC 5280 §4.2.1.6), implicitly tagged. */
export const GENERAL_NAME = { rfc822Name: 0x81, dNSName: 0x82, uri: 0x86, iPAddress: 0x87 } as const;

export interface Tlv {
  tag: number;
  /** The whole TLV: header and content. */
  bytes: Uint8Array;
  content: Uint8Array;
}

/** The TLV that starts at `at` (it may be followed by more bytes); `strict`: DER lengths only. */
export function readTlv(buf: Uint8Array, at = 0, strict = false): Tlv {
  const tag = buf[at];
  if (tag === undefined || (tag & 0x1f) === 0x1f) throw new Error('DER: unsupported or missing tag');
  let len = buf[at + 1];
  if (len === undefined) throw new Error('DER: truncated');
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    if (strict && buf[at + 2] === 0) throw new Error('DER: length not in its shortest form');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] ?? NaN);
    if (strict && len < 0x80) throw new Error('DER: length not in its shortest form');
    header += n;
  }
  const end = at + header + len;
  if (!Number.isFinite(len) || end > buf.length) throw new Error('DER: truncated');
  return { tag, bytes: buf.subarray(at, end), content: buf.subarray(at + header, end) };
}

/** The TLVs inside a constructed value's content. */
export function children(content: Uint8Array, strict = false): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const t = readTlv(content, at, strict);
    out.push(t);
    at += t.bytes.length;
  }
  return out;
}

/** The single TLV a buffer holds (no trailing bytes). */
export function parse(buf: Uint8Array, strict = false): Tlv {
  const t = readTlv(buf, 0, strict);
  if (t.bytes.length !== buf.length) throw new Error('DER: trailing bytes');
  return t;
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One TLV with the concatenation of `parts` as its content. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lenBytes: number[] = [];
  if (len < 0x80) lenBytes.push(len);
  else {
    for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n & 0xff);
    lenBytes.unshift(0x80 | lenBytes.length);
  }
  return concat(new Uint8Array([tag, ...lenBytes]), ...parts);
}

/** A non-negative INTEGER from big-endian magnitude bytes: minimal, with 0x00 before a set top bit. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array<ArrayBuffer> {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return (m[0] ?? 0) & 0x80 ? tlv(TAG.INTEGER, new Uint8Array([0]), m) : tlv(TAG.INTEGER, m.length ? m : new Uint8Array([0]));
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } from WebCrypto's r ‖ s (IEEE P1363). */
export function ecdsaSignatureToDer(p1363: Uint8Array): Uint8Array<ArrayBuffer> {
  const half = p1363.length / 2;
  return tlv(TAG.SEQUENCE, unsignedInteger(p1363.subarray(0, half)), unsignedInteger(p1363.subarray(half)));
}

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function oidToString(content: Uint8Array): string {
  const first = content[0] ?? 0;
  const top = Math.min(2, Math.floor(first / 40));
  const arcs = [top, first - 40 * top];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

/**
 * Dotted form of an OBJECT IDENTIFIER's content bytes when they are its DER encoding (X.690 §8.19: no
 * empty content, each subidentifier in its shortest form and complete), else undefined.
 */
export function oidToStringStrict(content: Uint8Array): string | undefined {
  if (content.length === 0 || (content[content.length - 1]! & 0x80) !== 0) return undefined;
  for (let i = 0; i < content.length; i++) {
    const starts = i === 0 || (content[i - 1]! & 0x80) === 0;
    if (starts && content[i] === 0x80) return undefined;
  }
  return oidToString(content);
}

/** The OBJECT IDENTIFIER TLV of a dotted OID (arcs up to 2^53). */
export function oidToDer(dotted: string): Uint8Array<ArrayBuffer> {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const arc of rest) {
    const enc = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return tlv(TAG.OID, new Uint8Array(bytes));
}
