/**
 * A DnsResolver over any transport that carries DNS messages (UDP/TCP on Node, DNS over HTTPS on Workers).
 * It builds the query, checks that the answer belongs to it (ID, question), maps the RCODE and keeps only
 * records of the asked type (a recursive resolver puts the CNAME chain before them).
 *
 * DNSSEC (the Baseline Requirements have required validated look-ups for domain validation and CAA since
 * 2026-03-15): the resolver is the one that validates, as at CAs that run Unbound; this client asks with DO
 * and AD (EDNS0) and reads the answer:
 * - AD set: the answer is `secure`. AD unset from a resolver shown to validate: `insecure` (unsigned zone).
 * - SERVFAIL with an RFC 8914 Extended DNS Error for DNSSEC (DNSSEC Bogus, Signature Expired, ...), or a
 *   SERVFAIL that turns into an answer when the same query is repeated with CD (checking disabled): the
 *   look-up fails with reason "dnssec", its detail saying the answer failed DNSSEC validation.
 * - `requireDnssec` (EABGATE_VA_DNSSEC=require): before any look-up the resolver must show it validates:
 *   its answer for the SOA of a signed name (the root zone by default) must carry AD. AD is absent both for
 *   unsigned zones and from non-validating resolvers, so no single answer can tell them apart; a name known
 *   to be signed can. One extra query, repeated every `recheckMs`; while it fails, every look-up fails.
 */
import {
  EDE_NAMES,
  RCode,
  RRType,
  decodeA,
  decodeAaaa,
  decodeCaa,
  decodeCname,
  decodeMessage,
  decodeTxt,
  encodeQuery,
  extendedErrors,
  isDnssecEde,
  type DnsMessage,
  type ResourceRecord,
  type ExtendedDnsError,
} from './dns-wire.js';
import { normalizeName } from '../core/hostname.js';
import { randomBytes } from '../core/random.js';
import { excerpt } from './untrusted.js';
import type { CaaRecord, DnsFailureReason, DnsLookup, DnsResolver, DnssecStatus } from './ports.js';
import { withChanges } from '../core/with-changes.js';

type RawMessage = DnsMessage & { raw: Uint8Array };

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
 * received answers this query (so it can ignore stray or spoofed datagrams and keep waiting); a transport
 * that asks returns the very array it accepted, which the resolver has decoded already.
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
  /** Refuse to look anything up unless the resolver shows that it validates DNSSEC (see above). */
  requireDnssec?: RequireDnssecOptions;
}

export interface RequireDnssecOptions {
  /** A name in a signed zone whose SOA the resolver must answer with AD; "." (the root zone) by default. */
  probeName?: string;
  /** How long a passed check is trusted (ms); 10 minutes by default. A failed check is not kept. */
  recheckMs?: number;
  /** Clock for tests. */
  now?: () => number;
}

export const DEFAULT_DNSSEC_PROBE = '.';

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
const rcodeName = (rcode: number) => RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
type Failed = Extract<DnsLookup<never>, { status: 'failed' }>;

const describeEde = (e: ExtendedDnsError) =>
  `EDE ${e.infoCode} ${EDE_NAMES[e.infoCode] ?? 'unknown'}${e.extraText ? `: ${excerpt(e.extraText, 200)}` : ''}`;

/** RFC 2181 §8: a TTL with the top bit set is read as 0. */
const rrTtl = (ttl: number): number => (ttl > 0x7fffffff ? 0 : ttl);

/**
 * How long a NODATA or NXDOMAIN answer may be kept (RFC 2308 §5): min(TTL, MINIMUM) of the SOA record in its
 * authority section, MINIMUM being SOA RDATA's last 32 bits; undefined without one (such an answer is not kept).
 */
function negativeTtl(msg: DnsMessage): number | undefined {
  const soa = msg.authorities.find((rr) => rr.type === RRType.SOA && rr.class === 1 && rr.rdata.length >= 22);
  if (!soa) return undefined;
  const r = soa.rdata;
  const minimum = new DataView(r.buffer, r.byteOffset + r.length - 4, 4).getUint32(0);
  return Math.min(rrTtl(soa.ttl), rrTtl(minimum));
}

export class WireDnsResolver implements DnsResolver {
  /** The last check that the resolver validates: its outcome (null = it does) and until when it holds. */
  private probe: { result: Promise<string | null>; expires: number } | undefined;

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
  cname(name: string): Promise<DnsLookup<string>> {
    return this.lookup(name, RRType.CNAME, (_rdata, rr, raw) => decodeCname(raw, rr).toLowerCase().replace(/\.$/, ''));
  }

  private get where(): string {
    return this.opts.serverLabel ? ` from ${this.opts.serverLabel}` : '';
  }

  /** One query with DO and AD set (and CD when asked); the decoded answer, or why there is none. */
  private async ask(qname: string, type: number, checkingDisabled = false): Promise<DnsMessage | Failed> {
    const id = this.opts.randomId === false ? 0 : new DataView(randomBytes(2).buffer).getUint16(0);
    const query = encodeQuery(id, qname, type, { dnssec: true, checkingDisabled });
    const where = this.where;

    const matches = (m: DnsMessage) =>
      m.response &&
      m.id === id &&
      m.questions.length === 1 &&
      m.questions[0]!.name === qname &&
      m.questions[0]!.type === type;
    // The answer accept() took, decoded: the exchange returns that array (DnsExchange), so it is decoded once.
    let accepted: { raw: Uint8Array; msg: DnsMessage } | undefined;
    const accept = (raw: Uint8Array) => {
      try {
        const m = decodeMessage(raw);
        if (!matches(m)) return false;
        accepted = { raw, msg: m };
        return true;
      } catch {
        return false;
      }
    };

    let msg: DnsMessage;
    try {
      const raw = await this.exchange(query, accept);
      msg = accepted?.raw === raw ? accepted.msg : decodeMessage(raw);
      // Kept for names compressed against the whole message (CNAME targets).
      (msg as RawMessage).raw = raw;
    } catch (err) {
      if (err instanceof DnsTransportError) return { status: 'failed', reason: err.reason, detail: err.message };
      return { status: 'failed', reason: 'malformed', detail: `unreadable DNS answer${where}` };
    }
    if (!matches(msg)) return { status: 'failed', reason: 'malformed', detail: `DNS answer${where} does not match the query` };
    return msg;
  }

  private async lookup<T>(name: string, type: number, parse: (rdata: Uint8Array, rr: ResourceRecord, raw: Uint8Array) => T): Promise<DnsLookup<T>> {
    const qname = normalizeName(name);
    const where = this.where;
    if (this.opts.requireDnssec) {
      const failure = await this.validatesDnssec(this.opts.requireDnssec);
      if (failure !== null) return { status: 'failed', reason: 'dnssec', detail: failure };
    }

    const msg = await this.ask(qname, type);
    if ('status' in msg) return msg;

    const dnssec: DnssecStatus | undefined = msg.authenticData ? 'secure' : this.opts.requireDnssec ? 'insecure' : undefined;
    const seen = dnssec ? { dnssec } : {};
    const negative = () => {
      const ttl = negativeTtl(msg);
      return ttl ? withChanges(seen, { ttl }) : seen;
    };
    switch (msg.rcode) {
      case RCode.NOERROR:
        break;
      case RCode.NXDOMAIN:
        return { status: 'nxdomain', ...negative() };
      case RCode.SERVFAIL:
        return this.servfail(qname, type, msg);
      case RCode.REFUSED:
        return { status: 'failed', reason: 'refused', detail: `REFUSED${where}` };
      default:
        return { status: 'failed', reason: 'other', detail: `${rcodeName(msg.rcode)}${where}` };
    }

    const records: T[] = [];
    try {
      for (const rr of msg.answers) if (rr.type === type && rr.class === 1) records.push(parse(rr.rdata, rr, (msg as RawMessage).raw));
    } catch {
      return { status: 'failed', reason: 'malformed', detail: `malformed record in DNS answer${where}` };
    }
    if (records.length === 0) return { status: 'nodata', ...negative() };
    // The smallest TTL of the answer, the CNAME chain included: the answer holds only as long as all of it does.
    let ttl = Infinity;
    for (const rr of msg.answers) ttl = Math.min(ttl, rrTtl(rr.ttl));
    return ttl > 0 ? { status: 'found', records, ...seen, ttl } : { status: 'found', records, ...seen };
  }

  /**
   * Why a SERVFAIL: a validating resolver names a DNSSEC failure in an Extended DNS Error (Unbound with
   * `ede: yes`, Cloudflare, Google); without one, the query is repeated with CD, and an answer then means the
   * data is there but failed validation. Only the RCODE of that second answer is used, never its records.
   */
  private async servfail(qname: string, type: number, msg: DnsMessage): Promise<Failed> {
    const at = this.opts.serverLabel ? ` at ${this.opts.serverLabel}` : '';
    const errors = extendedErrors(msg);
    const dnssecError = errors.find((e) => isDnssecEde(e.infoCode));
    if (dnssecError) {
      return { status: 'failed', reason: 'dnssec', detail: `the answer failed DNSSEC validation${at} (SERVFAIL, ${describeEde(dnssecError)})` };
    }
    const unchecked = await this.ask(qname, type, true);
    if (!('status' in unchecked) && (unchecked.rcode === RCode.NOERROR || unchecked.rcode === RCode.NXDOMAIN)) {
      return {
        status: 'failed',
        reason: 'dnssec',
        detail: `the answer failed DNSSEC validation${at} (SERVFAIL; with checking disabled the resolver answers ${rcodeName(unchecked.rcode)})`,
      };
    }
    const said = errors.length > 0 ? ` (${errors.map(describeEde).join('; ')})` : '';
    return { status: 'failed', reason: 'servfail', detail: `SERVFAIL${this.where}${said}` };
  }

  /** null when the resolver has shown that it validates DNSSEC, else why not (shared by concurrent look-ups). */
  private validatesDnssec(cfg: RequireDnssecOptions): Promise<string | null> {
    const now = cfg.now ?? Date.now;
    if (this.probe && now() < this.probe.expires) return this.probe.result;
    const result = this.runProbe(cfg).then((failure) => {
      if (this.probe?.result === result) this.probe.expires = failure === null ? now() + (cfg.recheckMs ?? 600_000) : 0;
      return failure;
    });
    this.probe = { result, expires: Infinity };
    return result;
  }

  private async runProbe(cfg: RequireDnssecOptions): Promise<string | null> {
    const probe = normalizeName(cfg.probeName ?? DEFAULT_DNSSEC_PROBE);
    const shown = `"${probe || '.'}" SOA`;
    const server = this.opts.serverLabel ?? 'the DNS resolver';
    const why = 'DNSSEC validation is required (EABGATE_VA_DNSSEC=require), so no DNS answer is used until it does';
    const msg = await this.ask(probe, RRType.SOA);
    if ('status' in msg) return `cannot check that ${server} validates DNSSEC: asking it for ${shown} failed (${msg.detail}); ${why}`;
    if (msg.rcode !== RCode.NOERROR) {
      return `cannot check that ${server} validates DNSSEC: it answers ${rcodeName(msg.rcode)} for ${shown}; ${why}`;
    }
    if (!msg.authenticData) {
      return `${server} does not validate DNSSEC: its answer for the signed ${shown} lacks the AD bit; ${why}`;
    }
    return null;
  }
}
