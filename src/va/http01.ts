/**
 * http-01 (RFC 8555 §8.3): GET http://<domain>/.well-known/acme-challenge/<token> must answer 200 with the
 * key authorization; white space at the end of the body is ignored (§8.3 "SHOULD ignore").
 *
 * Redirects: RFC 8555 §8.3 lets the server follow them. We follow up to `maxRedirects` (10), only to http://
 * on the configured HTTP port or https:// on the configured HTTPS port (80 and 443 unless configured), only to
 * DNS names (never to IP literals, never to internal names such as "localhost" or "*.internal"), resolving
 * each new name with the same resolver and checking every address against the address policy
 * (address-policy.ts) before connecting. The https leg does not check the certificate (as Let's Encrypt
 * does): the proof is the body, not the TLS session.
 *
 * What a detail may quote of a response: its status and a short, sanitized prefix of its body (excerpt()),
 * and only from an address the policy allowed (refused addresses are never contacted).
 */
import { acmeProblems, type Problem } from '../core/problem.js';
import { utf8Decode } from '../core/encoding.js';
import type { DnsResolver, HttpGetResult, HttpGetter } from './ports.js';
import { isReachabilityFailure, resolveAddresses } from './addresses.js';
import { excerpt, shortUrl } from './untrusted.js';
import { canonicalIp, isIpLiteral } from '../core/ip.js';
import { internalName, refusedAddressProblem, type AddressPolicy } from './address-policy.js';
import { invalid, valid, type ValidationResult } from './result.js';

export interface Http01Options {
  resolver: DnsResolver;
  http: HttpGetter;
  /** Port of the first request (EABGATE_VA_HTTP_PORT, default 80) and of http:// redirect targets. */
  httpPort: number;
  /** Port allowed for https:// redirect targets (default 443). */
  httpsPort: number;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Which addresses may be contacted (address-policy.ts). */
  policy: AddressPolicy;
  /**
   * An IP identifier (RFC 8738 §7.1), canonical text: the first request connects to this address itself,
   * with no DNS look-up. Redirects are followed by the same rules as for DNS names.
   */
  ipAddress?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function challengeUrl(domain: string, token: string, port: number): URL {
  const host = domain.includes(':') ? `[${domain}]` : domain;
  return new URL(`http://${host}${port === 80 ? '' : `:${port}`}/.well-known/acme-challenge/${token}`);
}

export async function validateHttp01(
  domain: string,
  token: string,
  keyAuth: string,
  opts: Http01Options,
): Promise<ValidationResult> {
  let url = challengeUrl(domain, token, opts.httpPort);
  let via = '';
  for (let hop = 0; ; hop++) {
    const fetched = await fetchOnce(url, via, opts);
    if ('problem' in fetched) return invalid(fetched.problem);
    const { status, body, truncated, location } = fetched.response;

    if (REDIRECTS.has(status)) {
      if (hop >= opts.maxRedirects) {
        return invalid(acmeProblems.connection(`GET ${shortUrl(url)} redirected more than ${opts.maxRedirects} times`));
      }
      const next = redirectTarget(url, status, location, opts);
      if ('problem' in next) return invalid(next.problem);
      via = `GET ${shortUrl(url)} redirected to ${shortUrl(next.url)}: `;
      url = next.url;
      continue;
    }
    if (status !== 200) {
      return invalid(
        acmeProblems.unauthorized(
          `GET ${shortUrl(url)} returned ${status}; it must return 200 with the key authorization as its body`,
        ),
      );
    }
    if (truncated) {
      return invalid(
        acmeProblems.incorrectResponse(
          `GET ${shortUrl(url)} returned a body larger than ${opts.maxBytes} bytes; it must be the key authorization only`,
        ),
      );
    }
    const text = utf8Decode.decode(body).replace(/[ \t\r\n]+$/, '');
    if (text !== keyAuth) {
      return invalid(
        acmeProblems.incorrectResponse(
          `GET ${shortUrl(url)} returned a body that does not match the key authorization: expected ${excerpt(keyAuth, 200)}, got ${excerpt(text)}`,
        ),
      );
    }
    return valid();
  }
}

type Fetched = { response: Extract<HttpGetResult, { kind: 'response' }> } | { problem: Problem };

/** One GET of `url` (reached by `via`, a redirect, or ''), to an address the policy allows. */
async function fetchOnce(url: URL, via: string, opts: Http01Options): Promise<Fetched> {
  const tls = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  const host = url.hostname;
  // The IP identifier's own URL (its hostname is the address; IPv6 in brackets): no DNS.
  const literal = opts.ipAddress !== undefined && canonicalIp(host.replace(/^\[|\]$/g, '')) === opts.ipAddress;
  if (literal) {
    const verdict = opts.policy.check(opts.ipAddress!);
    if (!verdict.ok) return { problem: refusedAddressProblem([verdict]) };
  }
  const resolved = literal
    ? { ok: true as const, addresses: [opts.ipAddress!] }
    : await resolveAddresses(opts.resolver, host, opts.policy, { context: via, strict: opts.http.resolvesItself === true });
  if (!resolved.ok) return { problem: resolved.problem };

  let last: HttpGetResult | undefined;
  for (const address of resolved.addresses) {
    last = await opts.http.get(host, address, port, url.pathname + url.search, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      tls,
    });
    if (last.kind === 'response' || !isReachabilityFailure(last.reason)) break;
  }
  if (!last) return { problem: acmeProblems.dns(`no address to connect to for ${host}`) };
  if (last.kind === 'response') return { response: last };
  const make = last.reason === 'tls' ? acmeProblems.tls : acmeProblems.connection;
  return { problem: make(`GET ${shortUrl(url)}: ${last.detail}`) };
}

function redirectTarget(
  from: URL,
  status: number,
  location: string | undefined,
  opts: Http01Options,
): { url: URL } | { problem: Problem } {
  const where = `GET ${shortUrl(from)} returned ${status}`;
  if (!location) return { problem: acmeProblems.unauthorized(`${where} without a Location header`) };
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return { problem: acmeProblems.unauthorized(`${where} with an unusable Location ${excerpt(location)}`) };
  }
  to.hash = '';
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    return { problem: acmeProblems.connection(`${where} redirecting to ${excerpt(to.href)}: only http:// and https:// are followed`) };
  }
  const port = to.port ? Number(to.port) : to.protocol === 'https:' ? 443 : 80;
  const allowed = to.protocol === 'https:' ? opts.httpsPort : opts.httpPort;
  if (port !== allowed) {
    return {
      problem: acmeProblems.connection(
        `${where} redirecting to ${shortUrl(to)}: only port ${opts.httpPort} (http) and ${opts.httpsPort} (https) are followed`,
      ),
    };
  }
  if (isIpLiteral(to.hostname)) {
    return { problem: acmeProblems.connection(`${where} redirecting to ${shortUrl(to)}: redirects to IP addresses are not followed`) };
  }
  const internal = internalName(to.hostname);
  if (internal) {
    return {
      problem: acmeProblems.connection(
        `${where} redirecting to ${shortUrl(to)}: ${excerpt(to.hostname, 64)} is ${internal}, which eabgate does not connect to`,
      ),
    };
  }
  if (to.username || to.password) {
    return { problem: acmeProblems.connection(`${where} redirecting to a URL with credentials, which is not followed`) };
  }
  return { url: to };
}
