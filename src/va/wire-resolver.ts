/**
 * A DnsResolver over any transport that carries DNS messages (UDP/TCP on Node, DNS over HTTPS on Workers).
 * It builds the query, checks that the answer belongs to it (ID, question), maps the RCODE and keeps only
 * records of the asked type (a recursive resolver puts the CNAME chain before them).
 */
import {
  RCode,
  RRType,
  decodeA,
  decodeAaaa,
  decodeCaa,
  decodeMessage,
  decodeTxt,
  encodeQuery,
  type DnsMessage,
} from './dns-wire.js';
import { normalizeName } from '../core/hostname.js';
import type { CaaRecord, DnsFailureReason, DnsLookup, DnsResolver } from './ports.js';

/** Thrown by a transport when no answer came back. */
export class DnsTransportError extends Error {
  constructor(
    readonly reason: Extract<DnsFailureReason, 'timeout' | 'network' | 'malformed' | 'other'>,
    message: string,
  ) {
    super(message);
    this.name = 'DnsTransportError';
  }
}

/**
 * Sends one query and returns the raw answer. `accept` tells a datagram transport whether a message it
 * received answers this query (so it can ignore stray or spoofed datagrams and keep waiting).
 */
export type DnsExchange = (
  query: Uint8Array,
  accept: (answer: Uint8Array) => boolean,
) => Promise<Uint8Array>;

export interface WireResolverOptions {
  /** DNS over HTTPS uses ID 0 (RFC 8484 §4.1); datagram transports want a random ID. */
  randomId?: boolean;
  /** Name used in failure details, e.g. "127.0.0.1:5353". */
  serverLabel?: string;
}

const RCODE_NAMES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

export class WireDnsResolver implements DnsResolver {
  constructor(
    private readonly exchange: DnsExchange,
    private readonly opts: WireResolverOptions = {},
  ) {}

  a(name: string): Promise<DnsLookup<string>> {
    return this.lookup(name, RRType.A, decodeA);
  }
  aaaa(name: string): Promise<DnsLookup<string>> {
    return this.lookup(name, RRType.AAAA, decodeAaaa);
  }
  txt(name: string): Promise<DnsLookup<string>> {
    return this.lookup(name, RRType.TXT, (rdata) => decodeTxt(rdata).join(''));
  }
  caa(name: string): Promise<DnsLookup<CaaRecord>> {
    return this.lookup(name, RRType.CAA, decodeCaa);
  }

  private async lookup<T>(name: string, type: number, parse: (rdata: Uint8Array) => T): Promise<DnsLookup<T>> {
    const qname = normalizeName(name);
    const id = this.opts.randomId === false ? 0 : crypto.getRandomValues(new Uint16Array(1))[0]!;
    const query = encodeQuery(id, qname, type);
    const where = this.opts.serverLabel ? ` from ${this.opts.serverLabel}` : '';

    const matches = (m: DnsMessage) =>
      m.response &&
      m.id === id &&
      m.questions.length === 1 &&
      m.questions[0]!.name === qname &&
      m.questions[0]!.type === type;
    const accept = (raw: Uint8Array) => {
      try {
        return matches(decodeMessage(raw));
      } catch {
        return false;
      }
    };

    let msg: DnsMessage;
    try {
      msg = decodeMessage(await this.exchange(query, accept));
    } catch (err) {
      if (err instanceof DnsTransportError) return { status: 'failed', reason: err.reason, detail: err.message };
      return { status: 'failed', reason: 'malformed', detail: `unreadable DNS answer${where}` };
    }
    if (!matches(msg)) return { status: 'failed', reason: 'malformed', detail: `DNS answer${where} does not match the query` };

    switch (msg.rcode) {
      case RCode.NOERROR:
        break;
      case RCode.NXDOMAIN:
        return { status: 'nxdomain' };
      case RCode.SERVFAIL:
        return { status: 'failed', reason: 'servfail', detail: `SERVFAIL${where}` };
      case RCode.REFUSED:
        return { status: 'failed', reason: 'refused', detail: `REFUSED${where}` };
      default:
        return { status: 'failed', reason: 'other', detail: `${RCODE_NAMES[msg.rcode] ?? `RCODE ${msg.rcode}`}${where}` };
    }

    const records: T[] = [];
    try {
      for (const rr of msg.answers) if (rr.type === type && rr.class === 1) records.push(parse(rr.rdata));
    } catch {
      return { status: 'failed', reason: 'malformed', detail: `malformed record in DNS answer${where}` };
    }
    return records.length > 0 ? { status: 'found', records } : { status: 'nodata' };
  }
}
