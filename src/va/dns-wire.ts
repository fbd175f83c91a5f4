/**
 * A small DNS message codec (RFC 1035 §4, RFC 3596 AAAA, RFC 8659 CAA) on Uint8Array only, so the same code
 * serves the UDP/TCP adapter on Node, DNS-over-HTTPS on Workers and the loopback test server. It decodes
 * compressed names with a jump limit, checks every length against the buffer, and encodes without
 * compression (enough for queries and for the test server's answers).
 *
 * DNSSEC (RFC 4035 §3.2, RFC 6840 §5.7-5.9): a query can carry an EDNS0 OPT record (RFC 6891) with the DO
 * bit and the AD / CD header bits; `ednsOf` reads a response's OPT record and `extendedErrors` its Extended
 * DNS Errors (RFC 8914), through which a validating resolver says why it answered SERVFAIL.
 */
import { formatIpv6, parseIpAddress } from '../core/ip.js';
import { normalizeName } from '../core/hostname.js';

export const RRType = { A: 1, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, RRSIG: 46, DNSKEY: 48, CAA: 257 } as const;
export type RRTypeName = keyof typeof RRType;

export const RCode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** The raw RDATA; `parseRdata` reads it for the types this module knows. */
  rdata: Uint8Array;
  /** Where RDATA starts in the whole message (CNAME targets may point back into it). */
  rdataOffset: number;
}

export interface DnsMessage {
  id: number;
  /** QR bit: true for a response. */
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** AD: a validating resolver checked the answer with DNSSEC (RFC 4035 §3.2.3). */
  authenticData: boolean;
  /** CD: checking disabled (RFC 4035 §3.2.2). */
  checkingDisabled: boolean;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export interface CaaRdata {
  flags: number;
  tag: string;
  value: string;
}

export class DnsWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsWireError';
  }
}

// ---------------------------------------------------------------- encoding

class Writer {
  private buf = new Uint8Array(512);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  name(name: string): void {
    const n = normalizeName(name);
    if (n !== '') {
      for (const label of n.split('.')) {
        const b = new TextEncoder().encode(label);
        if (b.length === 0 || b.length > 63) throw new DnsWireError(`bad label in name "${name}"`);
        this.u8(b.length);
        this.bytes(b);
      }
    }
    this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export interface EncodeRecord {
  name: string;
  type: number;
  ttl?: number;
  rdata: Uint8Array;
}

/** One EDNS0 option (RFC 6891 §6.1.2). */
export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

/** The EDNS0 OPT pseudo-record of a message (RFC 6891 §6.1). */
export interface Edns {
  /** Largest UDP payload the sender can take. */
  udpPayloadSize: number;
  /** The upper 8 bits of the 12-bit RCODE. */
  extendedRcode: number;
  version: number;
  /** DO: DNSSEC records wanted (RFC 3225). */
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface EncodeMessage {
  id: number;
  response?: boolean;
  opcode?: number;
  authoritative?: boolean;
  truncated?: boolean;
  recursionDesired?: boolean;
  recursionAvailable?: boolean;
  authenticData?: boolean;
  checkingDisabled?: boolean;
  rcode?: number;
  questions: Question[];
  answers?: EncodeRecord[];
  /** The authority section (an SOA with a negative answer, RFC 2308 §3). */
  authorities?: EncodeRecord[];
  /** An OPT record at the end of the additional section. */
  edns?: Partial<Edns>;
}

/** RFC 8914 option code of an Extended DNS Error. */
export const EDNS_OPTION_EDE = 15;
/** A UDP payload size that avoids IP fragmentation (DNS Flag Day 2020). */
export const EDNS_UDP_PAYLOAD = 1232;

export function encodeMessage(m: EncodeMessage): Uint8Array {
  const w = new Writer();
  w.u16(m.id);
  const flags =
    (m.response ? 0x8000 : 0) |
    ((m.opcode ?? 0) << 11) |
    (m.authoritative ? 0x0400 : 0) |
    (m.truncated ? 0x0200 : 0) |
    (m.recursionDesired ? 0x0100 : 0) |
    (m.recursionAvailable ? 0x0080 : 0) |
    (m.authenticData ? 0x0020 : 0) |
    (m.checkingDisabled ? 0x0010 : 0) |
    ((m.rcode ?? 0) & 0x0f);
  w.u16(flags);
  const answers = m.answers ?? [];
  const authorities = m.authorities ?? [];
  w.u16(m.questions.length);
  w.u16(answers.length);
  w.u16(authorities.length);
  w.u16(m.edns ? 1 : 0);
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  const record = (rr: EncodeRecord) => {
    if (rr.rdata.length > 0xffff) throw new DnsWireError('RDATA too long');
    w.name(rr.name);
    w.u16(rr.type);
    w.u16(1);
    w.u32(rr.ttl ?? 60);
    w.u16(rr.rdata.length);
    w.bytes(rr.rdata);
  };
  // Answers, then authorities; a query has neither.
  answers.forEach(record);
  authorities.forEach(record);
  if (m.edns) {
    const e = m.edns;
    const options = e.options ?? [];
    w.u8(0); // root name
    w.u16(RRType.OPT);
    w.u16(e.udpPayloadSize ?? EDNS_UDP_PAYLOAD);
    w.u8(e.extendedRcode ?? 0);
    w.u8(e.version ?? 0);
    w.u16(e.dnssecOk ? 0x8000 : 0);
    const rdlength = options.reduce((n, o) => n + 4 + o.data.length, 0);
    if (rdlength > 0xffff) throw new DnsWireError('EDNS options too long');
    w.u16(rdlength);
    for (const o of options) {
      w.u16(o.code);
      w.u16(o.data.length);
      w.bytes(o.data);
    }
  }
  return w.result();
}

export interface QueryOptions {
  /**
   * Ask for DNSSEC: an EDNS0 OPT record with DO (RFC 3225) and a 1232-byte UDP payload, and the AD bit
   * (RFC 6840 §5.7: the client understands AD and wants it set on validated answers).
   */
  dnssec?: boolean;
  /** CD: the resolver is to answer without validating (RFC 4035 §3.2.2), e.g. to tell a bogus answer apart. */
  checkingDisabled?: boolean;
}

/** A recursive query (RD set) for one name and type, class IN. */
export function encodeQuery(id: number, name: string, type: number, opts: QueryOptions = {}): Uint8Array {
  return encodeMessage({
    id,
    recursionDesired: true,
    authenticData: opts.dnssec === true,
    checkingDisabled: opts.checkingDisabled === true,
    questions: [{ name, type, class: 1 }],
    ...(opts.dnssec || opts.checkingDisabled ? { edns: { udpPayloadSize: EDNS_UDP_PAYLOAD, dnssecOk: opts.dnssec === true } } : {}),
  });
}

/** A record data from dotted-quad text (the address rules are core/ip.ts's). */
export function encodeA(address: string): Uint8Array {
  const ip = parseIpAddress(address);
  if (ip?.version !== 4) throw new DnsWireError(`not an IPv4 address: ${address}`);
  return ip.bytes;
}

/** AAAA record data from IPv6 text, an embedded IPv4 tail (::ffff:192.0.2.1) included. */
export function encodeAaaa(address: string): Uint8Array {
  const ip = parseIpAddress(address);
  if (ip?.version !== 6) throw new DnsWireError(`not an IPv6 address: ${address}`);
  return ip.bytes;
}

/** One TXT record: each string becomes one <character-string> (split further at 255 bytes). */
export function encodeTxt(strings: string | string[]): Uint8Array {
  const w = new Writer();
  for (const s of Array.isArray(strings) ? strings : [strings]) {
    const b = new TextEncoder().encode(s);
    if (b.length === 0) w.u8(0);
    for (let i = 0; i < b.length; i += 255) {
      const chunk = b.subarray(i, i + 255);
      w.u8(chunk.length);
      w.bytes(chunk);
    }
  }
  return w.result();
}

export function encodeCaa(caa: CaaRdata): Uint8Array {
  const tag = new TextEncoder().encode(caa.tag);
  if (tag.length === 0 || tag.length > 255) throw new DnsWireError('bad CAA tag');
  const w = new Writer();
  w.u8(caa.flags);
  w.u8(tag.length);
  w.bytes(tag);
  w.bytes(new TextEncoder().encode(caa.value));
  return w.result();
}

/** SOA RDATA (RFC 1035 §3.3.13); `minimum` is the negative-caching TTL of RFC 2308 §4. */
export function encodeSoa(soa: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }): Uint8Array {
  const w = new Writer();
  w.name(soa.mname);
  w.name(soa.rname);
  for (const n of [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]) w.u32(n);
  return w.result();
}

export function encodeName(name: string): Uint8Array {
  const w = new Writer();
  w.name(name);
  return w.result();
}

// ---------------------------------------------------------------- decoding

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b);

class Reader {
  pos = 0;
  constructor(readonly msg: Uint8Array) {}

  need(n: number): void {
    if (this.pos + n > this.msg.length) throw new DnsWireError('message truncated');
  }
  u8(): number {
    this.need(1);
    return this.msg[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.msg[this.pos]! << 8) | this.msg[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.msg.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  name(): string {
    const { name, end } = readName(this.msg, this.pos);
    this.pos = end;
    return name;
  }
}

/** Reads a possibly compressed name at `offset`; `end` is where the name ends in the stream. */
export function readName(msg: Uint8Array, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (pos >= msg.length) throw new DnsWireError('name runs past the message');
    const len = msg[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new DnsWireError('name runs past the message');
      if (++jumps > 32) throw new DnsWireError('too many compression pointers');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsWireError('unsupported label type');
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if (pos + 1 + len > msg.length) throw new DnsWireError('name runs past the message');
    length += len + 1;
    if (length > 255) throw new DnsWireError('name longer than 255 octets');
    labels.push(latin1(msg.subarray(pos + 1, pos + 1 + len)).toLowerCase());
    pos += 1 + len;
  }
  return { name: labels.join('.'), end };
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const klass = r.u16();
  const ttl = r.u32();
  const rdlength = r.u16();
  const rdataOffset = r.pos;
  const rdata = r.bytes(rdlength);
  return { name, type, class: klass, ttl, rdata, rdataOffset };
}

export function decodeMessage(msg: Uint8Array): DnsMessage {
  const r = new Reader(msg);
  const id = r.u16();
  const flags = r.u16();
  const qd = r.u16();
  const an = r.u16();
  const ns = r.u16();
  const ar = r.u16();
  const questions: Question[] = [];
  for (let i = 0; i < qd; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const section = (n: number) => Array.from({ length: n }, () => readRecord(r));
  const answers = section(an);
  const authorities = section(ns);
  const additionals = section(ar);
  return {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0x0f,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    authenticData: (flags & 0x0020) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    rcode: flags & 0x0f,
    questions,
    answers,
    authorities,
    additionals,
  };
}

export function decodeA(rdata: Uint8Array): string {
  if (rdata.length !== 4) throw new DnsWireError('A record is not 4 bytes');
  return Array.from(rdata).join('.');
}

/** RFC 5952 text form (lower case, longest zero run compressed). */
export function decodeAaaa(rdata: Uint8Array): string {
  if (rdata.length !== 16) throw new DnsWireError('AAAA record is not 16 bytes');
  return formatIpv6(rdata);
}

/** The character-strings of one TXT record. */
export function decodeTxt(rdata: Uint8Array): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < rdata.length) {
    const len = rdata[i]!;
    if (i + 1 + len > rdata.length) throw new DnsWireError('TXT string runs past RDATA');
    out.push(utf8(rdata.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return out;
}

export function decodeCaa(rdata: Uint8Array): CaaRdata {
  if (rdata.length < 2) throw new DnsWireError('CAA record too short');
  const flags = rdata[0]!;
  const tagLen = rdata[1]!;
  if (tagLen === 0 || 2 + tagLen > rdata.length) throw new DnsWireError('bad CAA tag length');
  return {
    flags,
    tag: latin1(rdata.subarray(2, 2 + tagLen)),
    value: utf8(rdata.subarray(2 + tagLen)),
  };
}

/** A CNAME target; it may be compressed against the whole message. */
export function decodeCname(msg: Uint8Array, rr: ResourceRecord): string {
  return readName(msg, rr.rdataOffset).name;
}

// ---------------------------------------------------------------- EDNS0 and Extended DNS Errors

/** The message's OPT record (RFC 6891 §6.1.1: at most one, in the additional section), or null. */
export function ednsOf(m: DnsMessage): Edns | null {
  const opts = m.additionals.filter((rr) => rr.type === RRType.OPT);
  if (opts.length !== 1 || opts[0]!.name !== '') return null;
  const rr = opts[0]!;
  const options: EdnsOption[] = [];
  const d = rr.rdata;
  for (let i = 0; i < d.length; ) {
    if (i + 4 > d.length) throw new DnsWireError('EDNS option runs past RDATA');
    const code = (d[i]! << 8) | d[i + 1]!;
    const len = (d[i + 2]! << 8) | d[i + 3]!;
    if (i + 4 + len > d.length) throw new DnsWireError('EDNS option runs past RDATA');
    options.push({ code, data: d.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return {
    udpPayloadSize: rr.class,
    extendedRcode: Math.floor(rr.ttl / 0x1000000) & 0xff,
    version: (rr.ttl >>> 16) & 0xff,
    dnssecOk: (rr.ttl & 0x8000) !== 0,
    options,
  };
}

export interface ExtendedDnsError {
  /** RFC 8914 §4 INFO-CODE. */
  infoCode: number;
  /** EXTRA-TEXT, UTF-8, may be empty; from the resolver, so treat it as untrusted text. */
  extraText: string;
}

/** RFC 8914 §4 INFO-CODEs, by number. */
export const EDE_NAMES: Record<number, string> = {
  0: 'Other Error',
  1: 'Unsupported DNSKEY Algorithm',
  2: 'Unsupported DS Digest Type',
  3: 'Stale Answer',
  4: 'Forged Answer',
  5: 'DNSSEC Indeterminate',
  6: 'DNSSEC Bogus',
  7: 'Signature Expired',
  8: 'Signature Not Yet Valid',
  9: 'DNSKEY Missing',
  10: 'RRSIGs Missing',
  11: 'No Zone Key Bit Set',
  12: 'NSEC Missing',
  13: 'Cached Error',
  14: 'Not Ready',
  15: 'Blocked',
  16: 'Censored',
  17: 'Filtered',
  18: 'Prohibited',
  19: 'Stale NXDOMAIN Answer',
  20: 'Not Authoritative',
  21: 'Not Supported',
  22: 'No Reachable Authority',
  23: 'Network Error',
  24: 'Invalid Data',
};

/** INFO-CODEs that report a DNSSEC validation failure (RFC 8914 §5.2-5.13: 1, 2, 5-12). */
export const isDnssecEde = (code: number): boolean => code === 1 || code === 2 || (code >= 5 && code <= 12);

/** The Extended DNS Errors of a response; none when it has no OPT record. Malformed options are skipped. */
export function extendedErrors(m: DnsMessage): ExtendedDnsError[] {
  let edns: Edns | null;
  try {
    edns = ednsOf(m);
  } catch {
    return [];
  }
  return (edns?.options ?? [])
    .filter((o) => o.code === EDNS_OPTION_EDE && o.data.length >= 2)
    .map((o) => ({ infoCode: (o.data[0]! << 8) | o.data[1]!, extraText: utf8(o.data.subarray(2)).replace(/\0+$/, '') }));
}

/** An Extended DNS Error option (RFC 8914 §2), e.g. for a test server. */
export function encodeExtendedError(e: ExtendedDnsError): EdnsOption {
  const text = new TextEncoder().encode(e.extraText);
  const data = new Uint8Array(2 + text.length);
  data[0] = e.infoCode >>> 8;
  data[1] = e.infoCode & 0xff;
  data.set(text, 2);
  return { code: EDNS_OPTION_EDE, data };
}
