/**
 * The validation authority: proves control of a domain name by one of the RFC 8555 challenges and checks
 * CAA before issuance. It talks to the network only through its ports (DNS resolver, HTTP getter, TLS
 * prober), so it runs on Node and Workers alike; tls-alpn-01 needs a raw TLS client and is offered only
 * when a prober is given.
 *
 * It never connects to an address the address policy refuses (loopback, private, link-local, …;
 * address-policy.ts) unless the operator allowed its network, and it bounds its work: at most
 * `maxConcurrent` validations and CAA checks run at once in the process, the rest wait their turn.
 */
import type { JWK } from 'jose';
import { acmeProblems } from '../core/problem.js';
import type { DnsResolver, HttpGetter, TlsAlpnProber } from './ports.js';
import { keyAuthorization } from './key-authorization.js';
import { validateHttp01 } from './http01.js';
import { validateDns01 } from './dns01.js';
import { validateTlsAlpn01, validateTlsAlpn01Ip } from './tls-alpn01.js';
import { checkCaa, type CaaCheckOptions } from './caa.js';
import { CaaCache } from './caa-cache.js';
import type { Clock } from '../core/clock.js';
import { isToken } from './untrusted.js';
import { isDnsName, isWildcard, normalizeName } from '../core/hostname.js';
import { isIpv4Mapped, parseIpAddress } from '../core/ip.js';
import { invalid, type CaaResult, type ValidationResult } from './result.js';
import { AddressPolicy } from './address-policy.js';
import { MAX_CONCURRENT_VALIDATIONS, Semaphore } from './limits.js';
import { withChanges } from '../core/with-changes.js';

export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

export interface ValidationAuthorityOptions {
  resolver: DnsResolver;
  http: HttpGetter;
  tlsAlpn?: TlsAlpnProber;
  /** http-01 port (EABGATE_VA_HTTP_PORT); 80 by default. */
  httpPort?: number;
  /** Port accepted for https:// redirect targets during http-01; 443 by default. */
  httpsPort?: number;
  /** tls-alpn-01 port; 443 by default. */
  tlsAlpnPort?: number;
  /** Issuer domain names that CAA `issue`/`issuewild` properties must name (the directory's caaIdentities). */
  caaIdentities: readonly string[];
  /** Per connection attempt; 10 s by default. */
  timeoutMs?: number;
  /** Largest http-01 body read; 1024 bytes by default (a key authorization is about 87). */
  maxBodyBytes?: number;
  /** http-01 redirects followed; 10 by default. */
  maxRedirects?: number;
  /**
   * Networks (CIDR text) the VA may connect to although the IANA special-purpose registries list them
   * (EABGATE_VA_ALLOW_NETWORKS); none by default. Throws on a malformed entry.
   */
  allowNetworks?: readonly string[];
  /** Validations and CAA checks at once in this process; 32 by default. */
  maxConcurrent?: number;
  /**
   * Longest time a CAA answer is kept, within its TTL (EABGATE_VA_CAA_CACHE_SECONDS, caa-cache.ts); 300 s by
   * default, 0 = every check asks the resolver.
   */
  caaCacheSeconds?: number;
  /** The CAA cache's time source; the system clock by default. */
  clock?: Clock;
}

export class ValidationAuthority {
  private readonly httpPort: number;
  private readonly httpsPort: number;
  private readonly tlsAlpnPort: number;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  readonly policy: AddressPolicy;
  private readonly slots: Semaphore;
  private readonly caaCache: CaaCache;

  constructor(private readonly opts: ValidationAuthorityOptions) {
    this.policy = AddressPolicy.allowing(opts.allowNetworks ?? []);
    this.slots = new Semaphore(opts.maxConcurrent ?? MAX_CONCURRENT_VALIDATIONS);
    this.httpPort = opts.httpPort ?? 80;
    this.httpsPort = opts.httpsPort ?? 443;
    this.tlsAlpnPort = opts.tlsAlpnPort ?? 443;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 1024;
    this.maxRedirects = opts.maxRedirects ?? 10;
    this.caaCache = new CaaCache(opts.caaCacheSeconds, opts.clock);
  }

  /**
   * DNS delegation: where `_acme-challenge.<name>` points (its CNAME target), or why that is not known.
   * Only a look-up through the configured resolver: nothing is fetched from the customer.
   */
  async delegationTarget(name: string): Promise<{ target: string } | { missing: string }> {
    const owner = `_acme-challenge.${name}`;
    if (!this.opts.resolver.cname) return { missing: 'this resolver cannot look up CNAME records' };
    const r = await this.slots.run(() => this.opts.resolver.cname!(owner));
    if (r.status === 'found') return { target: r.records[0]! };
    if (r.status === 'failed') return { missing: `the look-up of the CNAME record at ${owner} failed (${r.detail})` };
    return { missing: `there is no CNAME record at ${owner}` };
  }

  /** The challenge types this deployment can check (tls-alpn-01 only with a TLS prober). */
  get challengeTypes(): ChallengeType[] {
    return this.opts.tlsAlpn ? ['http-01', 'dns-01', 'tls-alpn-01'] : ['http-01', 'dns-01'];
  }

  /** Challenge types that may be offered for `domain` (wildcards: dns-01 only, RFC 8555 §7.1.3). */
  challengeTypesFor(domain: string): ChallengeType[] {
    return isWildcard(normalizeName(domain)) ? ['dns-01'] : this.challengeTypes;
  }

  /** Challenge types for an IP address identifier (RFC 8738 §7): http-01 and tls-alpn-01, never dns-01. */
  challengeTypesForIp(): ChallengeType[] {
    return this.challengeTypes.filter((t) => t !== 'dns-01');
  }

  /**
   * Validates an IP address identifier (RFC 8738 §7). No DNS look-up: http-01 connects to the address itself
   * (Host = the address, IPv6 in brackets), tls-alpn-01 too, with SNI = the reverse-mapping name (§6) and an
   * iPAddress subjectAltName expected in the certificate. dns-01 cannot validate an address.
   */
  async validateIp(challengeType: string, address: string, token: string, accountJwk: JWK): Promise<ValidationResult> {
    const ip = parseIpAddress(address);
    if (!ip || isIpv4Mapped(ip)) return invalid(acmeProblems.rejectedIdentifier(`${JSON.stringify(address)} is not an IP address`));
    if (!isToken(token)) return invalid(acmeProblems.malformed('the challenge token is not base64url'));
    if (!(this.challengeTypesForIp() as string[]).includes(challengeType)) {
      return invalid(acmeProblems.malformed(`challenge type ${JSON.stringify(challengeType)} cannot validate an IP address here`));
    }
    try {
      const keyAuth = await keyAuthorization(token, accountJwk);
      if (challengeType === 'http-01') {
        return await this.slots.run(() => validateHttp01(ip.text, token, keyAuth, withChanges(this.http01Options(), { ipAddress: ip.text })));
      }
      return await this.slots.run(() => validateTlsAlpn01Ip(ip, keyAuth, this.tlsAlpnOptions()));
    } catch {
      return invalid(acmeProblems.serverInternal(`${challengeType} validation of ${ip.text} could not be completed`));
    }
  }

  /** The settings of every http-01 check, for names and addresses alike. */
  private http01Options() {
    return {
      resolver: this.opts.resolver,
      http: this.opts.http,
      httpPort: this.httpPort,
      httpsPort: this.httpsPort,
      timeoutMs: this.timeoutMs,
      maxBytes: this.maxBodyBytes,
      maxRedirects: this.maxRedirects,
      policy: this.policy,
    };
  }

  private tlsAlpnOptions() {
    return {
      resolver: this.opts.resolver,
      prober: this.opts.tlsAlpn!,
      port: this.tlsAlpnPort,
      timeoutMs: this.timeoutMs,
      policy: this.policy,
    };
  }

  async validate(challengeType: string, domain: string, token: string, accountJwk: JWK): Promise<ValidationResult> {
    const name = normalizeName(domain);
    if (!isDnsName(name)) return invalid(acmeProblems.rejectedIdentifier(`${JSON.stringify(domain)} is not a DNS name`));
    if (!isToken(token)) return invalid(acmeProblems.malformed('the challenge token is not base64url'));
    if (!(this.challengeTypes as string[]).includes(challengeType)) {
      return invalid(acmeProblems.malformed(`challenge type ${JSON.stringify(challengeType)} is not supported here`));
    }
    if (isWildcard(name) && challengeType !== 'dns-01') {
      return invalid(acmeProblems.malformed(`${name} is a wildcard; only dns-01 can validate it`));
    }

    try {
      const keyAuth = await keyAuthorization(token, accountJwk);
      switch (challengeType as ChallengeType) {
        case 'http-01':
          return await this.slots.run(() => validateHttp01(name, token, keyAuth, this.http01Options()));
        case 'dns-01':
          return await this.slots.run(() => validateDns01(name, keyAuth, this.opts.resolver));
        case 'tls-alpn-01':
          return await this.slots.run(() => validateTlsAlpn01(name, keyAuth, this.tlsAlpnOptions()));
      }
    } catch {
      // A port broke its promise not to throw, or the account key is unusable: nothing internal leaks.
      return invalid(acmeProblems.serverInternal(`${challengeType} validation of ${name} could not be completed`));
    }
  }

  async checkCaa(domain: string, opts: CaaCheckOptions = {}): Promise<CaaResult> {
    const name = normalizeName(domain);
    if (!isDnsName(name)) {
      return { ok: false, problem: acmeProblems.rejectedIdentifier(`${JSON.stringify(domain)} is not a DNS name`) };
    }
    try {
      return await this.slots.run(() => checkCaa(this.opts.resolver, name, this.opts.caaIdentities, withChanges(opts, { cache: this.caaCache })));
    } catch {
      return { ok: false, problem: acmeProblems.serverInternal(`the CAA check of ${name} could not be completed`) };
    }
  }
}
