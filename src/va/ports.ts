/**
 * What the validation authority needs from the outside world. The core (src/va) depends only on these
 * interfaces; Node adapters (UDP/TCP DNS, system resolver, node:http, node:tls) and the Workers adapter
 * (DNS over HTTPS) implement them. Failures are values, never exceptions: every port answers with a
 * discriminated union the VA turns into an RFC 8555 problem.
 */

/** RFC 8659 CAA record as it is on the wire. */
export interface CaaRecord {
  flags: number;
  tag: string;
  value: string;
}

/**
 * Why a DNS lookup failed (as opposed to answering "nothing there"). "dnssec": the answer failed DNSSEC
 * validation (a validating resolver answered SERVFAIL and said why, or answers the same query when told not
 * to check), or the resolver could not be shown to validate DNSSEC when that is required.
 */
export type DnsFailureReason = 'servfail' | 'dnssec' | 'refused' | 'timeout' | 'network' | 'malformed' | 'other';

/**
 * What DNSSEC says about an answer: "secure" when the resolver set AD (it validated the answer), "insecure"
 * when a resolver known to validate (EABGATE_VA_DNSSEC=require) did not set it (the zone is unsigned). Absent
 * when nothing is known: a resolver not checked for validation, or one that cannot report it.
 */
export type DnssecStatus = 'secure' | 'insecure';

/**
 * The outcome of one DNS lookup. "nodata" (the name exists, no record of that type) and "nxdomain" (the
 * name does not exist) are answers, not failures: a validator treats both as "no records". "failed"
 * (SERVFAIL, timeout, refused, garbage) means nothing can be concluded. `ttl`: for how many seconds the
 * answer may be kept (RFC 1035 §3.2.1; for "nodata" and "nxdomain" RFC 2308 §5), when the resolver can tell;
 * absent or 0: not to be kept.
 */
export type DnsLookup<T> =
  | { status: 'found'; records: T[]; dnssec?: DnssecStatus; ttl?: number }
  | { status: 'nodata'; dnssec?: DnssecStatus; ttl?: number }
  | { status: 'nxdomain'; dnssec?: DnssecStatus; ttl?: number }
  | { status: 'failed'; reason: DnsFailureReason; detail: string };

export interface DnsResolver {
  /** IPv4 addresses, dotted quad. */
  a(name: string): Promise<DnsLookup<string>>;
  /** IPv6 addresses, RFC 5952 text form. */
  aaaa(name: string): Promise<DnsLookup<string>>;
  /** One string per TXT record: its character-strings concatenated. */
  txt(name: string): Promise<DnsLookup<string>>;
  caa(name: string): Promise<DnsLookup<CaaRecord>>;
  /** The CNAME target at this name (lower case, no trailing dot); DNS delegation checks it. */
  cname?(name: string): Promise<DnsLookup<string>>;
}

/** Why a connection-level operation failed. */
export type NetFailureReason = 'refused' | 'timeout' | 'reset' | 'unreachable' | 'tls' | 'protocol' | 'other';

export interface HttpGetOptions {
  timeoutMs: number;
  /** Bytes of body kept; more marks the response `truncated` and stops reading. */
  maxBytes: number;
  /** Speak HTTPS (certificate not verified, SNI = host), for redirects to https:// (RFC 8555 §8.3). */
  tls?: boolean;
}

export type HttpGetResult =
  | { kind: 'response'; status: number; body: Uint8Array; truncated: boolean; location?: string }
  | { kind: 'error'; reason: NetFailureReason; detail: string };

/**
 * One GET without following redirects (the VA decides which to follow): connects to `address:port`,
 * sends `Host: host` (with `:port` when not the scheme's default) and `path`.
 */
export interface HttpGetter {
  /**
   * True when the getter cannot connect to the given address and resolves the host name itself (fetch() on
   * Workers): the VA then refuses a name if any of its A/AAAA answers is refused, not only when all are.
   */
  readonly resolvesItself?: boolean;
  get(host: string, address: string, port: number, path: string, opts: HttpGetOptions): Promise<HttpGetResult>;
}

export type TlsAlpnProbeResult =
  | {
      kind: 'handshake';
      /** The protocol the server selected, null when it selected none. */
      alpnProtocol: string | null;
      /** DER of the leaf certificate the server presented. */
      certificate: Uint8Array;
    }
  | { kind: 'error'; reason: NetFailureReason; detail: string };

/** RFC 8737: a TLS handshake to `address:port` with SNI = `servername` and ALPN "acme-tls/1" only. */
export interface TlsAlpnProber {
  probe(servername: string, address: string, port: number, opts: { timeoutMs: number }): Promise<TlsAlpnProbeResult>;
}
