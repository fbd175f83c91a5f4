/**
 * DnsResolver over DNS over HTTPS (RFC 8484): one POST of an application/dns-message per query, ID 0
 * (§4.1), with fetch and an abort timeout. Web APIs only, so it runs on Workers (and on Node for tests).
 * DNSSEC: queries carry DO and AD like the UDP adapter's; the DoH service validates (Cloudflare's does) and
 * answers SERVFAIL, with an Extended DNS Error, for bogus data, which fails the look-up with reason "dnssec".
 * `requireDnssec` (EABGATE_VA_DNSSEC=require) makes look-ups wait until the service has answered a signed
 * name with AD (see src/va/wire-resolver.ts).
 */
import { DnsTransportError, WireDnsResolver, type DnsExchange, type RequireDnssecOptions } from '../../va/wire-resolver.js';
import { DEFAULT_DOH_URL } from '../../core/config.js';
import type { DnsResolver } from '../../va/ports.js';

export interface DohResolverOptions {
  /** https://cloudflare-dns.com/dns-query by default. */
  url?: string;
  /** The platform's fetch by default. */
  fetch?: typeof fetch;
  /** Per query; 5000 ms by default. */
  timeoutMs?: number;
  /** EABGATE_VA_DNSSEC=require: the service must show that it validates DNSSEC before answers are used. */
  requireDnssec?: RequireDnssecOptions;
}

const MAX_ANSWER_BYTES = 65_535;

export function createDohResolver(opts: DohResolverOptions = {}): DnsResolver {
  const url = opts.url ?? DEFAULT_DOH_URL;
  return new WireDnsResolver(dohExchange(url, opts.fetch ?? ((...a) => fetch(...a)), opts.timeoutMs ?? 5000), {
    randomId: false,
    serverLabel: new URL(url).host,
    requireDnssec: opts.requireDnssec,
  });
}

function dohExchange(url: string, doFetch: typeof fetch, timeoutMs: number): DnsExchange {
  const host = new URL(url).host;
  return async (query) => {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
        body: new Uint8Array(query),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new DnsTransportError('timeout', `no answer from ${host} within ${timeoutMs} ms`);
      }
      throw new DnsTransportError('network', `cannot reach ${host}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new DnsTransportError('network', `${host} answered HTTP ${res.status}`);
    }
    if (!(res.headers.get('content-type') ?? '').toLowerCase().startsWith('application/dns-message')) {
      await res.body?.cancel();
      throw new DnsTransportError('malformed', `${host} did not answer with application/dns-message`);
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > MAX_ANSWER_BYTES) throw new DnsTransportError('malformed', `${host} sent an oversized answer`);
    return body;
  };
}
