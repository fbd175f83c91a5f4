/**
 * Configuration from environment variables: the one loader. Every EABGATE_* variable is read and validated
 * here, at start; the rest of the code takes the parsed Config. A bad value stops the start with a message
 * naming the variable (ConfigError). Runtime-agnostic: the entry point passes its environment.
 */
import { fromBase64, fromHex } from './encoding.js';
import { nameSyntaxFault } from './hostname.js';
import { isIpLiteral } from './ip.js';
import { parseCidrList, type Cidr } from './client-address.js';
import { LIMIT_FAMILIES, parseFamilyLimits, type LimitFamily, type RateLimitConfig } from './rate-limits.js';
import { parseCidr } from './cidr.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  baseUrl: string;
  adminToken: string | undefined;
  /** Raw key-encryption key (32 bytes) when given in the environment; the Node entry generates one otherwise. */
  secretKey: Uint8Array | undefined;
  /** How often the purge of expired secrets runs on Node (seconds; 0 = off). */
  purgeIntervalSeconds: number;
  /** Node's database: SQLite in the data dir, or a shared PostgreSQL (EABGATE_DATABASE_URL). */
  database: DatabaseConfig;
  /** Log requests (never bodies). */
  logRequests: boolean;
  /** Issuer domain names that CAA records must name (the ACME directory's caaIdentities). */
  caaIdentities: string[];
  /** The embedded CA's own maximum validity in days (the Baseline Requirements cap applies when lower). */
  caMaxValidityDays: number | undefined;
  /** Validation authority: http-01 / tls-alpn-01 ports, networks allowed, DNS server, DNS-over-HTTPS URL. */
  va: VaConfig;
  /** HTTPS on Node: off (plain HTTP, e.g. behind a TLS-terminating proxy), from files, or auto (embedded CA). */
  tls: { mode: 'off' } | { mode: 'files'; certFile: string; keyFile: string } | { mode: 'auto' };
  /** What signs orders: the embedded CA, or an upstream ACME CA (Node only). */
  issuer: 'embedded' | 'acme';
  /** The upstream ACME CA (with issuer "acme"): directory, External Account Binding, contact. */
  upstream: UpstreamConfig | undefined;
  /**
   * Upstreams per product (EABGATE_UPSTREAM_<DV|OV|EV|CAAS>_DIRECTORY, _EAB_KID, _EAB_HMAC_KEY): portal/REST
   * orders by product, ACME (CaaS) orders under "caas"; a product without its own goes to `upstream`.
   */
  upstreams: Partial<Record<UpstreamRoute, UpstreamConfig>>;
  /**
   * DNS delegation for ACME (CaaS) customers with an upstream issuer: customers point
   * `_acme-challenge.<name>` at `<label>.<zone>` (CNAME) and the gateway publishes the upstream's dns-01 TXT
   * there. Undefined: off.
   */
  delegation: DelegationConfig | undefined;
  /** EABGATE_ACME_IP_IDENTIFIERS: the ACME server accepts IP identifiers (RFC 8738), any address. */
  acmeIpIdentifiers: boolean;
  /**
   * EABGATE_ACME_TERMS_URL: the terms of service the ACME directory advertises (`meta.termsOfService`);
   * newAccount then requires `termsOfServiceAgreed: true` (RFC 8555 §7.3). Undefined: none advertised,
   * no agreement asked for.
   */
  acmeTermsOfService: string | undefined;
  /** Crash recovery of issuance (see src/ra/recovery.ts). */
  issuance: IssuanceConfig;
  /** AutoCSR key pairs kept ready in memory (Node); 0 = generate each at order time. */
  autoCsrKeyPool: number;
  /** EABGATE_TRUSTED_PROXIES: peers whose X-Forwarded-For is believed (Node; see core/client-address.ts). */
  trustedProxies: Cidr[];
  /** Rate limits per family (EABGATE_LIMIT_*; see core/rate-limits.ts). */
  limits: RateLimitConfig;
  /** EABGATE_PASSWORD_HASH_THREADS: argon2id worker threads on Node (0 = on the event loop; undefined = min(2, cores)). */
  passwordHashThreads: number | undefined;
  /** Outgoing mail (src/mail/); undefined: no mail settings, nothing is written to the outbox or sent. */
  mail: MailConfig | undefined;
}

export interface MailConfig {
  /** EABGATE_MAIL_FROM: the sender address. */
  from: string;
  /** EABGATE_SMTP_URL (Node) or EABGATE_MAIL_API_URL + EABGATE_MAIL_API_TOKEN (Workers, or Node without SMTP). */
  transport: { kind: 'smtp'; url: string } | { kind: 'http'; url: string; token: string };
  /** EABGATE_MAIL_INTERVAL: how often the outbox worker runs on Node (seconds). */
  intervalSeconds: number;
  /** EABGATE_MAIL_CA_REFERENCE: include (default) or omit the CA Reference in shipment notices; an account may omit it too. */
  caReference: 'include' | 'omit';
}

export interface DelegationConfig {
  /** EABGATE_DELEGATION_ZONE: the zone the gateway is authoritative for (lower case, no trailing dot). */
  zone: string;
  /** EABGATE_DNS_LISTEN (Node): where the built-in authoritative DNS server listens, UDP and TCP. */
  dnsListen: { host: string; port: number } | undefined;
  /** EABGATE_DELEGATION_NS: the zone's name server as its NS and SOA records name it (default ns.<zone>). */
  nsName: string;
  /** Workers: Cloudflare's DNS API (EABGATE_CLOUDFLARE_ZONE_ID, secret EABGATE_CLOUDFLARE_API_TOKEN). */
  cloudflare: { zoneId: string; apiToken: string } | undefined;
}

export interface IssuanceConfig {
  /** An issuance with no outcome for this long is picked up again (next read or the periodic job). */
  leaseSeconds: number;
  /** An issuance that has not completed this long after it started is given up: the order fails. */
  giveUpSeconds: number;
  /** How often the periodic job looks for stuck issuance on Node (seconds; 0 = off). */
  recoveryIntervalSeconds: number;
  /** Days a valid ACME authorization is reused for new orders of the same account (capped by the BR). */
  acmeAuthzReuseDays: number;
}

export interface UpstreamConfig {
  directoryUrl: string;
  /** The HMAC key as the CA issued it (base64 or base64url); never logged. */
  eab: { kid: string; hmacKey: string } | undefined;
  email: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

// ---- database (Node) ---------------------------------------------------------------------------------
//
// EABGATE_DATABASE_URL        postgres://user:password@host:port/db[?sslmode=…]: a shared PostgreSQL, for
//                             several instances behind a load balancer; unset = SQLite in the data dir
// EABGATE_DATABASE_POOL_SIZE  connections each instance keeps at most (default 10, 1–200)

export type DatabaseConfig = { kind: 'sqlite' } | { kind: 'postgres'; url: string; poolSize: number };

function loadDatabase(env: Env): DatabaseConfig {
  const raw = env.EABGATE_DATABASE_URL;
  if (raw === undefined || raw === '') return { kind: 'sqlite' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never the value: it may hold a password.
    throw new ConfigError('EABGATE_DATABASE_URL', 'not a URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('EABGATE_DATABASE_URL', `must be a postgres:// URL, got ${url.protocol}//…`);
  }
  if (!url.hostname) throw new ConfigError('EABGATE_DATABASE_URL', 'names no host');
  if (url.pathname.replace(/^\//, '') === '') throw new ConfigError('EABGATE_DATABASE_URL', 'names no database (…/database)');
  // Every instance must open what the others sealed and verify the nonces they handed out.
  if (!env.EABGATE_SECRET_KEY) {
    throw new ConfigError('EABGATE_DATABASE_URL', 'a shared database needs EABGATE_SECRET_KEY, the same on every instance');
  }
  return { kind: 'postgres', url: raw, poolSize: int(env, 'EABGATE_DATABASE_POOL_SIZE', 10, 1, 200) };
}

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (v.trim() !== v) throw new ConfigError(name, 'must not start or end with white space');
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${v}"`);
}

/** Accepts 32 bytes as base64url/base64 (43/44 chars) or hex (64 chars). */
export function parseSecretKey(name: string, v: string): Uint8Array {
  const s = v.trim();
  let bytes: Uint8Array | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) {
    bytes = fromHex(s);
  } else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    bytes = fromBase64(s.replace(/-/g, '+').replace(/_/g, '/').replace(/=$/, '') + '=');
  }
  if (!bytes || bytes.length !== 32) {
    throw new ConfigError(name, 'must be 32 random bytes, as 64 hex digits or 43 base64url characters');
  }
  return bytes;
}

// ---- validation authority --------------------------------------------------------------------------
//
// EABGATE_VA_HTTP_PORT      port for http-01 (default 80; tests point it at a loopback responder)
// EABGATE_VA_HTTPS_PORT     port an http-01 redirect to https:// may name (default 443, RFC 8555 §8.3)
// EABGATE_VA_TLS_ALPN_PORT  port for tls-alpn-01 (default 443)
// EABGATE_VA_ALLOW_NETWORKS CIDRs the VA may connect to although they are special-purpose (loopback,
//                           private, …); default none (tests: 127.0.0.0/8,::1/128)
// EABGATE_VA_DNS_SERVER     host:port of the recursive resolver to ask over UDP/TCP (default: the system's)
// EABGATE_VA_DOH_URL        DNS-over-HTTPS endpoint for Workers (default https://cloudflare-dns.com/dns-query)
// EABGATE_VA_DNSSEC         require | off (default off): require = the resolver must show it validates DNSSEC
// EABGATE_VA_DNSSEC_PROBE   a name in a signed zone the resolver must answer with AD (default ".", the root)
// EABGATE_VA_CAA_CACHE_SECONDS  longest time a CAA answer is kept, within its TTL (default 300; 0 = never;
//                           at most 28800, the Baseline Requirements' 8 hours)

export interface VaConfig {
  httpPort: number;
  httpsPort: number;
  tlsAlpnPort: number;
  /** Canonical CIDRs exempt from the VA's address policy (src/va/address-policy.ts). */
  allowNetworks: string[];
  dnsServer: { host: string; port: number } | undefined;
  dohUrl: string;
  /**
   * EABGATE_VA_DNSSEC=require: no DNS answer is used until the resolver has shown that it validates DNSSEC
   * (its answer for the SOA of `probeName` carries AD). Absent: off (answers are still asked with DO, and a
   * SERVFAIL for DNSSEC reasons is reported as such).
   */
  dnssec?: { probeName: string };
  /** EABGATE_VA_CAA_CACHE_SECONDS: the cap on how long a CAA answer is kept within its TTL (src/va/caa-cache.ts). */
  caaCacheSeconds: number;
}

/** Default cap on how long a CAA answer is kept within its TTL (EABGATE_VA_CAA_CACHE_SECONDS; src/va/caa-cache.ts). */
export const CAA_CACHE_SECONDS = 300;
/** The Baseline Requirements' 8 hours (§3.2.2.8): the largest cap that may be configured. */
export const CAA_CACHE_MAX_SECONDS = 8 * 3600;

export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query';

function portNumber(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
    throw new ConfigError(name, `must be a port number between 1 and 65535, got "${v}"`);
  }
  return Number(v);
}

/** "127.0.0.1:5353", "[::1]:53", "10.0.0.53" (port 53), "::1" (port 53). */
export function parseHostPort(value: string, defaultPort = 53): { host: string; port: number } | null {
  const v = value.trim();
  let host: string;
  let p: string | undefined;
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(v);
  if (bracket) [, host, p] = bracket as unknown as [string, string, string | undefined];
  else if ((v.match(/:/g) ?? []).length > 1) host = v; // bare IPv6
  else [host, p] = v.split(':') as [string, string | undefined];
  if (!host || !/^[A-Za-z0-9.:-]+$/.test(host)) return null;
  const portNum = p === undefined ? defaultPort : Number(p);
  if (!Number.isInteger(portNum) || portNum < 1 || portNum > 65535) return null;
  return { host, port: portNum };
}

/** EABGATE_VA_ALLOW_NETWORKS: comma-separated CIDRs ("127.0.0.0/8, ::1/128"); a bare address is /32 or /128. */
function allowNetworks(env: Env): string[] {
  const raw = env.EABGATE_VA_ALLOW_NETWORKS ?? '';
  const out: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const c = parseCidr(item);
    if (typeof c === 'string') {
      throw new ConfigError('EABGATE_VA_ALLOW_NETWORKS', `must be comma-separated networks in CIDR notation (e.g. 127.0.0.0/8,::1/128): ${c}`);
    }
    if (!out.includes(c.text)) out.push(c.text);
  }
  return out;
}

function loadVaConfig(env: Env): VaConfig {
  const rawDns = env.EABGATE_VA_DNS_SERVER;
  let dnsServer: VaConfig['dnsServer'];
  if (rawDns) {
    const parsed = parseHostPort(rawDns);
    if (!parsed) throw new ConfigError('EABGATE_VA_DNS_SERVER', `must be host:port, e.g. 127.0.0.1:5353, got "${rawDns}"`);
    dnsServer = parsed;
  }
  const dohUrl = env.EABGATE_VA_DOH_URL || DEFAULT_DOH_URL;
  try {
    if (new URL(dohUrl).protocol !== 'https:') throw new Error('not https');
  } catch {
    throw new ConfigError('EABGATE_VA_DOH_URL', `must be an https:// URL, got "${dohUrl}"`);
  }
  const dnssecMode = env.EABGATE_VA_DNSSEC || 'off';
  if (dnssecMode !== 'require' && dnssecMode !== 'off') {
    throw new ConfigError('EABGATE_VA_DNSSEC', `must be "require" or "off", got "${dnssecMode}"`);
  }
  const probeName = (env.EABGATE_VA_DNSSEC_PROBE || '.').trim();
  if (probeName !== '.' && nameSyntaxFault(probeName.replace(/\.$/, ''), { singleLabel: true, underscore: true }) !== undefined) {
    throw new ConfigError('EABGATE_VA_DNSSEC_PROBE', `must be a DNS name in a signed zone, e.g. "." or "example.com", got "${probeName}"`);
  }
  const rawCaaCache = env.EABGATE_VA_CAA_CACHE_SECONDS;
  let caaCacheSeconds = CAA_CACHE_SECONDS;
  if (rawCaaCache !== undefined && rawCaaCache !== '') {
    if (!/^\d+$/.test(rawCaaCache) || Number(rawCaaCache) > CAA_CACHE_MAX_SECONDS) {
      throw new ConfigError(
        'EABGATE_VA_CAA_CACHE_SECONDS',
        `must be a whole number of seconds from 0 (CAA answers are not kept) to ${CAA_CACHE_MAX_SECONDS} (8 hours), got "${rawCaaCache}"`,
      );
    }
    caaCacheSeconds = Number(rawCaaCache);
  }
  return {
    httpPort: portNumber(env, 'EABGATE_VA_HTTP_PORT', 80),
    httpsPort: portNumber(env, 'EABGATE_VA_HTTPS_PORT', 443),
    tlsAlpnPort: portNumber(env, 'EABGATE_VA_TLS_ALPN_PORT', 443),
    allowNetworks: allowNetworks(env),
    dnsServer,
    dohUrl,
    ...(dnssecMode === 'require' ? { dnssec: { probeName } } : {}),
    caaCacheSeconds,
  };
}

function loadTls(env: Env): Config['tls'] {
  const mode = env.EABGATE_TLS || undefined;
  const certFile = env.EABGATE_TLS_CERT || undefined;
  const keyFile = env.EABGATE_TLS_KEY || undefined;
  if (mode !== undefined && mode !== 'auto' && mode !== 'off') {
    throw new ConfigError('EABGATE_TLS', `must be "auto" or "off", got "${mode}"`);
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile ? 'EABGATE_TLS_KEY' : 'EABGATE_TLS_CERT', 'EABGATE_TLS_CERT and EABGATE_TLS_KEY go together');
  }
  if (certFile && keyFile) {
    if (mode === 'auto') throw new ConfigError('EABGATE_TLS', '"auto" cannot be combined with EABGATE_TLS_CERT/EABGATE_TLS_KEY');
    return { mode: 'files', certFile, keyFile };
  }
  return mode === 'auto' ? { mode: 'auto' } : { mode: 'off' };
}

function loadDelegation(env: Env): DelegationConfig | undefined {
  const names = ['EABGATE_DNS_LISTEN', 'EABGATE_DELEGATION_NS', 'EABGATE_CLOUDFLARE_ZONE_ID', 'EABGATE_CLOUDFLARE_API_TOKEN'];
  const raw = str(env, 'EABGATE_DELEGATION_ZONE', '').toLowerCase().replace(/\.$/, '');
  if (!raw) {
    const stray = names.find((n) => env[n]);
    if (stray) throw new ConfigError(stray, 'is set but EABGATE_DELEGATION_ZONE is not');
    return undefined;
  }
  if (nameSyntaxFault(raw, { underscore: false }) !== undefined) {
    throw new ConfigError('EABGATE_DELEGATION_ZONE', `must be a DNS name the gateway is authoritative for, e.g. "acme-delegation.example.net", got "${raw}"`);
  }
  const listen = str(env, 'EABGATE_DNS_LISTEN', '');
  // The port is required: no default of 53 for a server the operator may not mean to put there.
  const dnsListen = listen ? (parseHostPort(listen, 0) ?? undefined) : undefined;
  if (listen && !dnsListen) throw new ConfigError('EABGATE_DNS_LISTEN', `must be host:port, e.g. "0.0.0.0:53" or "[::]:53", got "${listen}"`);
  const nsName = str(env, 'EABGATE_DELEGATION_NS', `ns.${raw}`).toLowerCase().replace(/\.$/, '');
  if (nameSyntaxFault(nsName, {}) !== undefined) throw new ConfigError('EABGATE_DELEGATION_NS', `not a DNS name: "${nsName}"`);
  const zoneId = str(env, 'EABGATE_CLOUDFLARE_ZONE_ID', '');
  const apiToken = env.EABGATE_CLOUDFLARE_API_TOKEN ?? '';
  if (!zoneId !== !apiToken) {
    throw new ConfigError(zoneId ? 'EABGATE_CLOUDFLARE_API_TOKEN' : 'EABGATE_CLOUDFLARE_ZONE_ID', 'EABGATE_CLOUDFLARE_ZONE_ID and EABGATE_CLOUDFLARE_API_TOKEN go together');
  }
  if (zoneId && !/^[0-9a-f]{32}$/.test(zoneId)) throw new ConfigError('EABGATE_CLOUDFLARE_ZONE_ID', 'must be the 32 hex digits of a Cloudflare zone id');
  if (!dnsListen && !zoneId) {
    throw new ConfigError(
      'EABGATE_DELEGATION_ZONE',
      'needs a way to publish: EABGATE_DNS_LISTEN (Node, the built-in DNS server) or EABGATE_CLOUDFLARE_ZONE_ID with EABGATE_CLOUDFLARE_API_TOKEN (Workers)',
    );
  }
  return { zone: raw, dnsListen, nsName, cloudflare: zoneId ? { zoneId, apiToken } : undefined };
}

/** The upstream of one product, or the main one (EABGATE_UPSTREAM_*) when the prefix is "". */
function parseUpstream(env: Env, prefix: string, email: string | undefined): UpstreamConfig | undefined {
  const v = (k: string) => `EABGATE_UPSTREAM_${prefix}${k}`;
  const directoryUrl = str(env, v('DIRECTORY'), '');
  const kid = str(env, v('EAB_KID'), '');
  const hmacKey = env[v('EAB_HMAC_KEY')] ?? '';
  if (!directoryUrl) {
    if (prefix && (kid || hmacKey)) throw new ConfigError(kid ? v('EAB_KID') : v('EAB_HMAC_KEY'), `is set but ${v('DIRECTORY')} is not`);
    return undefined;
  }
  let dir: URL;
  try {
    dir = new URL(directoryUrl);
  } catch {
    throw new ConfigError(v('DIRECTORY'), `not a URL: "${directoryUrl}"`);
  }
  if (dir.protocol !== 'https:') throw new ConfigError(v('DIRECTORY'), 'must be an https:// URL (RFC 8555 §6.1)');
  if (Boolean(kid) !== Boolean(hmacKey)) {
    throw new ConfigError(kid ? v('EAB_HMAC_KEY') : v('EAB_KID'), `${v('EAB_KID')} and ${v('EAB_HMAC_KEY')} go together`);
  }
  // The key itself never appears in a message.
  if (hmacKey && (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(hmacKey) || hmacKey.replace(/=+$/, '').length < 22)) {
    throw new ConfigError(v('EAB_HMAC_KEY'), 'must be the HMAC key as the CA issued it: base64 or base64url, at least 16 bytes');
  }
  return { directoryUrl, eab: kid ? { kid, hmacKey } : undefined, email };
}

export const UPSTREAM_ROUTES = ['dv', 'ov', 'ev', 'caas'] as const;
export type UpstreamRoute = (typeof UPSTREAM_ROUTES)[number];

function loadUpstream(env: Env): Pick<Config, 'issuer' | 'upstream' | 'upstreams'> {
  const issuer = str(env, 'EABGATE_ISSUER', 'embedded');
  if (issuer !== 'embedded' && issuer !== 'acme') throw new ConfigError('EABGATE_ISSUER', `must be "embedded" or "acme", got "${issuer}"`);
  const perRoute = UPSTREAM_ROUTES.flatMap((r) => ['DIRECTORY', 'EAB_KID', 'EAB_HMAC_KEY'].map((k) => `EABGATE_UPSTREAM_${r.toUpperCase()}_${k}`));
  const names = ['EABGATE_UPSTREAM_DIRECTORY', 'EABGATE_UPSTREAM_EAB_KID', 'EABGATE_UPSTREAM_EAB_HMAC_KEY', 'EABGATE_UPSTREAM_EMAIL', ...perRoute];
  if (issuer === 'embedded') {
    // Set but unused would silently leave the embedded CA signing: say so instead.
    const stray = names.find((n) => env[n]);
    if (stray) throw new ConfigError(stray, 'is set but EABGATE_ISSUER is not "acme"');
    return { issuer, upstream: undefined, upstreams: {} };
  }
  const email = str(env, 'EABGATE_UPSTREAM_EMAIL', '') || undefined;
  const upstream = parseUpstream(env, '', email);
  if (!upstream) throw new ConfigError('EABGATE_UPSTREAM_DIRECTORY', 'is required with EABGATE_ISSUER=acme: the upstream ACME directory URL');
  if (email !== undefined && !/^[^\s@:,]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(email)) {
    throw new ConfigError('EABGATE_UPSTREAM_EMAIL', `not an e-mail address: "${email}"`);
  }
  const upstreams: Partial<Record<UpstreamRoute, UpstreamConfig>> = {};
  for (const r of UPSTREAM_ROUTES) {
    const u = parseUpstream(env, `${r.toUpperCase()}_`, email);
    if (u) upstreams[r] = u;
  }
  return { issuer, upstream, upstreams };
}

/** Unset: the built-in terms at <base>/acme/terms; "none": no terms; else an absolute http(s) URL. */
function loadAcmeTerms(env: Env, baseUrl: string): string | undefined {
  const raw = env.EABGATE_ACME_TERMS_URL?.trim();
  if (raw === undefined || raw === '') return `${baseUrl}/acme/terms`;
  if (raw === 'none') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('EABGATE_ACME_TERMS_URL', `must be an http(s) URL or "none", got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('EABGATE_ACME_TERMS_URL', `must be an http(s) URL or "none", got "${raw}"`);
  }
  return raw;
}

function loadIssuance(env: Env): IssuanceConfig {
  const leaseSeconds = int(env, 'EABGATE_ISSUANCE_LEASE_SECONDS', 60, 1, 3600);
  const giveUpSeconds = int(env, 'EABGATE_ISSUANCE_GIVE_UP_SECONDS', 900, 1, 7 * 86400);
  if (giveUpSeconds < leaseSeconds) {
    throw new ConfigError('EABGATE_ISSUANCE_GIVE_UP_SECONDS', `must be at least EABGATE_ISSUANCE_LEASE_SECONDS (${leaseSeconds})`);
  }
  return {
    leaseSeconds,
    giveUpSeconds,
    recoveryIntervalSeconds: int(env, 'EABGATE_RECOVERY_INTERVAL', Math.min(30, leaseSeconds), 0, 86400),
    acmeAuthzReuseDays: int(env, 'EABGATE_ACME_AUTHZ_REUSE_DAYS', 30, 0, 398),
  };
}

const MAIL_ADDRESS = /^[^\s@<>"(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** EABGATE_SMTP_URL / EABGATE_MAIL_API_URL with EABGATE_MAIL_FROM; none of them: no mail. */
function loadMail(env: Env): MailConfig | undefined {
  const smtp = str(env, 'EABGATE_SMTP_URL', '');
  const api = str(env, 'EABGATE_MAIL_API_URL', '');
  const token = env.EABGATE_MAIL_API_TOKEN ?? '';
  const from = str(env, 'EABGATE_MAIL_FROM', '');
  if (!smtp && !api) {
    const stray = (['EABGATE_MAIL_FROM', 'EABGATE_MAIL_API_TOKEN', 'EABGATE_MAIL_CA_REFERENCE'] as const).find((n) => env[n]);
    if (stray) throw new ConfigError(stray, 'is set but neither EABGATE_SMTP_URL nor EABGATE_MAIL_API_URL is');
    return undefined;
  }
  if (smtp && api) throw new ConfigError('EABGATE_MAIL_API_URL', 'EABGATE_SMTP_URL and EABGATE_MAIL_API_URL exclude each other: set one');
  if (!from) throw new ConfigError('EABGATE_MAIL_FROM', 'is required with mail settings: the sender address, e.g. certificates@example.com');
  if (!MAIL_ADDRESS.test(from) || from.length > 254) throw new ConfigError('EABGATE_MAIL_FROM', `not an e-mail address: "${from}"`);
  const caReference = str(env, 'EABGATE_MAIL_CA_REFERENCE', 'include');
  if (caReference !== 'include' && caReference !== 'omit') throw new ConfigError('EABGATE_MAIL_CA_REFERENCE', `must be "include" or "omit", got "${caReference}"`);
  const intervalSeconds = int(env, 'EABGATE_MAIL_INTERVAL', 5, 1, 3600);
  if (smtp) {
    let u: URL;
    try {
      u = new URL(smtp);
    } catch {
      // The URL may carry a password: never echo it.
      throw new ConfigError('EABGATE_SMTP_URL', 'not a URL: expected smtp://user:pass@host:port or smtps://user:pass@host:port');
    }
    if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new ConfigError('EABGATE_SMTP_URL', `must start with smtp:// or smtps://, got "${u.protocol}//"`);
    if (!u.hostname) throw new ConfigError('EABGATE_SMTP_URL', 'names no host');
    if (u.pathname && u.pathname !== '/' && u.pathname !== '') throw new ConfigError('EABGATE_SMTP_URL', 'must not have a path');
    if (token) throw new ConfigError('EABGATE_MAIL_API_TOKEN', 'is set but EABGATE_MAIL_API_URL is not');
    return { from, transport: { kind: 'smtp', url: smtp }, intervalSeconds, caReference };
  }
  let u: URL;
  try {
    u = new URL(api);
  } catch {
    throw new ConfigError('EABGATE_MAIL_API_URL', `not a URL: "${api}"`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(u.hostname))) {
    throw new ConfigError('EABGATE_MAIL_API_URL', 'must be an https:// URL (http:// only to a loopback address)');
  }
  if (!token) throw new ConfigError('EABGATE_MAIL_API_TOKEN', 'is required with EABGATE_MAIL_API_URL: the API key, sent as a bearer token');
  return { from, transport: { kind: 'http', url: api, token }, intervalSeconds, caReference };
}

function loadLimits(env: Env): RateLimitConfig {
  const out = {} as RateLimitConfig;
  for (const [family, f] of Object.entries(LIMIT_FAMILIES) as [LimitFamily, (typeof LIMIT_FAMILIES)[LimitFamily]][]) {
    const v = env[f.variable];
    if (v === undefined || v === '') {
      out[family] = f.defaults;
      continue;
    }
    try {
      out[family] = parseFamilyLimits(v, f.accountPhrase !== null);
    } catch (err) {
      throw new ConfigError(f.variable, (err as Error).message);
    }
  }
  return out;
}

function loadTrustedProxies(env: Env): Cidr[] {
  try {
    return parseCidrList(env.EABGATE_TRUSTED_PROXIES ?? '');
  } catch (err) {
    throw new ConfigError('EABGATE_TRUSTED_PROXIES', `${(err as Error).message} (comma-separated, e.g. 10.0.0.0/8,::1)`);
  }
}

export function loadConfig(env: Env): Config {
  const host = str(env, 'EABGATE_HOST', '127.0.0.1');
  if (!/^[A-Za-z0-9.:-]+$/.test(host) && host !== '::') {
    throw new ConfigError('EABGATE_HOST', `not a host name or address: "${host}"`);
  }
  const port = int(env, 'EABGATE_PORT', 8080, 0, 65535);
  const dataDir = str(env, 'EABGATE_DATA_DIR', './data');
  const tls = loadTls(env);

  const hostForUrl = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  // With EABGATE_TLS=auto the certificate names DNS hosts only: "localhost" stands for a loopback address.
  const defaultBase =
    tls.mode === 'off' ? `http://${hostForUrl}:${port}` : `https://${isIpLiteral(host) || host.includes(':') ? 'localhost' : hostForUrl}:${port}`;
  let baseUrl = str(env, 'EABGATE_BASE_URL', defaultBase);
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new ConfigError('EABGATE_BASE_URL', `not a URL: "${baseUrl}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('EABGATE_BASE_URL', 'must be an http:// or https:// URL');
  }
  if (parsed.search || parsed.hash) throw new ConfigError('EABGATE_BASE_URL', 'must not have a query or fragment');
  baseUrl = baseUrl.replace(/\/+$/, '');

  const adminToken = env.EABGATE_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('EABGATE_ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const secretKey = env.EABGATE_SECRET_KEY ? parseSecretKey('EABGATE_SECRET_KEY', env.EABGATE_SECRET_KEY) : undefined;

  // Default: the base URL's host name (an IP address cannot be a CAA issuer domain: none then).
  const baseHost = parsed.hostname.replace(/^\[|\]$/g, '');
  const baseIsName = !isIpLiteral(baseHost) && !nameSyntaxFault(baseHost.toLowerCase(), { singleLabel: true });
  const caaRaw = str(env, 'EABGATE_CAA_IDENTITIES', baseIsName ? baseHost : 'eabgate.invalid');
  const caaIdentities = caaRaw.split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase());
  for (const id of caaIdentities) {
    if (nameSyntaxFault(id, { singleLabel: true })) throw new ConfigError('EABGATE_CAA_IDENTITIES', `not a domain name: "${id}"`);
  }
  const caMax = env.EABGATE_CA_MAX_VALIDITY_DAYS ? int(env, 'EABGATE_CA_MAX_VALIDITY_DAYS', 0, 1, 398) : undefined;

  const upstream = loadUpstream(env);
  const delegation = loadDelegation(env);
  if (delegation && upstream.issuer !== 'acme') {
    throw new ConfigError('EABGATE_DELEGATION_ZONE', 'is set but EABGATE_ISSUER is not "acme": delegation carries ACME orders to an upstream CA');
  }
  return {
    ...upstream,
    delegation,
    tls,
    va: loadVaConfig(env),
    caaIdentities,
    caMaxValidityDays: caMax,
    host,
    port,
    dataDir,
    baseUrl,
    adminToken,
    secretKey,
    purgeIntervalSeconds: int(env, 'EABGATE_PURGE_INTERVAL', 3600, 0, 7 * 86400),
    database: loadDatabase(env),
    logRequests: bool(env, 'EABGATE_LOG_REQUESTS', true),
    acmeIpIdentifiers: bool(env, 'EABGATE_ACME_IP_IDENTIFIERS', false),
    acmeTermsOfService: loadAcmeTerms(env, baseUrl),
    issuance: loadIssuance(env),
    autoCsrKeyPool: int(env, 'EABGATE_AUTOCSR_KEY_POOL', 8, 0, 64),
    trustedProxies: loadTrustedProxies(env),
    limits: loadLimits(env),
    mail: loadMail(env),
    passwordHashThreads: env.EABGATE_PASSWORD_HASH_THREADS ? int(env, 'EABGATE_PASSWORD_HASH_THREADS', 0, 0, 64) : undefined,
  };
}
