/**
 * DnsResolver over Node's c-ares resolver (node:dns/promises): the system's resolvers from
 * /etc/resolv.conf, or `servers` when given. Errors are mapped to the VA's answer/failure split:
 * ENODATA = no records, ENOTFOUND = NXDOMAIN, the rest are failures. It cannot ask for DNSSEC (no DO bit,
 * no AD in its results), so it serves only EABGATE_VA_DNSSEC=off without EABGATE_VA_DNS_SERVER.
 */
import { Resolver } from 'node:dns/promises';
import type { CaaRecord, DnsFailureReason, DnsLookup, DnsResolver } from '../../va/ports.js';

export interface SystemResolverOptions {
  /** e.g. ["127.0.0.1:5353"]; the system's resolvers when absent. */
  servers?: string[];
  /** Per try (ms); 2000 by default. */
  timeoutMs?: number;
  /** 3 by default. */
  tries?: number;
}

const FAILURES: Record<string, DnsFailureReason> = {
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  ETIMEOUT: 'timeout',
  ECONNREFUSED: 'network',
  EBADRESP: 'malformed',
  EFORMERR: 'malformed',
};

export function createSystemResolver(opts: SystemResolverOptions = {}): DnsResolver {
  const resolver = new Resolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 3 });
  if (opts.servers) resolver.setServers(opts.servers);

  async function run<T>(name: string, type: string, fn: () => Promise<T[]>): Promise<DnsLookup<T>> {
    try {
      const records = await fn();
      return records.length > 0 ? { status: 'found', records } : { status: 'nodata' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENODATA') return { status: 'nodata' };
      if (code === 'ENOTFOUND') return { status: 'nxdomain' };
      return { status: 'failed', reason: FAILURES[code] ?? 'other', detail: `${code || 'error'} looking up ${type} for ${name}` };
    }
  }

  return {
    a: (name) => run(name, 'A', () => resolver.resolve4(name)),
    aaaa: (name) => run(name, 'AAAA', () => resolver.resolve6(name)),
    cname: (name) => run(name, 'CNAME', async () => (await resolver.resolveCname(name)).map((n) => n.toLowerCase().replace(/\.$/, ''))),
    txt: (name) => run(name, 'TXT', async () => (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''))),
    caa: (name) =>
      run(name, 'CAA', async () =>
        (await resolver.resolveCaa(name)).flatMap((r): CaaRecord[] => {
          // Node gives { critical: <flags byte>, <tag>: <value> } per record.
          const { critical, ...props } = r as unknown as Record<string, unknown> & { critical: number };
          return Object.entries(props).map(([tag, value]) => ({ flags: critical, tag, value: String(value) }));
        }),
      ),
  };
}
