/**
 * The addresses an http-01 or tls-alpn-01 check connects to: the first IPv6 and the first IPv4 address of
 * the name, IPv6 first (as Let's Encrypt does); the second is tried only when the first cannot be reached.
 */
import { acmeProblems, type Problem } from '../core/problem.js';
import type { DnsLookup, DnsResolver, NetFailureReason } from './ports.js';

export type AddressResult = { ok: true; addresses: string[] } | { ok: false; problem: Problem };

const describe = (r: DnsLookup<string>): string =>
  r.status === 'failed' ? r.detail : r.status === 'nxdomain' ? 'NXDOMAIN' : 'no records';

export async function resolveAddresses(resolver: DnsResolver, host: string): Promise<AddressResult> {
  const [v6, v4] = await Promise.all([resolver.aaaa(host), resolver.a(host)]);
  const addresses = [
    ...(v6.status === 'found' ? v6.records.slice(0, 1) : []),
    ...(v4.status === 'found' ? v4.records.slice(0, 1) : []),
  ];
  if (addresses.length > 0) return { ok: true, addresses };
  if (v4.status === 'failed' || v6.status === 'failed') {
    return {
      ok: false,
      problem: acmeProblems.dns(`looking up A and AAAA for ${host} failed: A: ${describe(v4)}; AAAA: ${describe(v6)}`),
    };
  }
  if (v4.status === 'nxdomain' && v6.status === 'nxdomain') {
    return { ok: false, problem: acmeProblems.dns(`${host} does not exist in DNS (NXDOMAIN)`) };
  }
  return { ok: false, problem: acmeProblems.dns(`no A or AAAA record for ${host}`) };
}

/** Failures where another address of the same name may do better. */
export const isReachabilityFailure = (reason: NetFailureReason): boolean =>
  reason === 'refused' || reason === 'timeout' || reason === 'unreachable' || reason === 'reset';
