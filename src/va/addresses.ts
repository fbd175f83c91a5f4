/**
 * The addresses an http-01 or tls-alpn-01 check connects to: the first IPv6 and the first IPv4 address of
 * the name, IPv6 first (as Let's Encrypt does); the second is tried only when the first cannot be reached.
 * Answers the address policy refuses (loopback, private, …: address-policy.ts) are dropped first, as Boulder
 * does; a name with nothing else fails with a `connection` problem naming each refused address's class.
 */
import { acmeProblems, type Problem } from '../core/problem.js';
import type { DnsLookup, DnsResolver, NetFailureReason } from './ports.js';
import { refusedAddressProblem, type AddressPolicy } from './address-policy.js';

export type AddressResult = { ok: true; addresses: string[] } | { ok: false; problem: Problem };

const describe = (r: DnsLookup<string>): string =>
  r.status === 'failed' ? r.detail : r.status === 'nxdomain' ? 'NXDOMAIN' : 'no records';

/**
 * `context` leads a refusal's detail (e.g. the redirect that led here). `strict`: any refused answer refuses
 * the name (for a client that resolves the name again itself and cannot be held to the checked address).
 */
export async function resolveAddresses(
  resolver: DnsResolver,
  host: string,
  policy: AddressPolicy,
  opts: { context?: string; strict?: boolean } = {},
): Promise<AddressResult> {
  const [v6, v4] = await Promise.all([resolver.aaaa(host), resolver.a(host)]);
  const six = policy.partition(v6.status === 'found' ? v6.records : [], `the AAAA record of ${host}`);
  const four = policy.partition(v4.status === 'found' ? v4.records : [], `the A record of ${host}`);
  const addresses = [...six.allowed.slice(0, 1), ...four.allowed.slice(0, 1)];
  const refused = [...six.refused, ...four.refused];
  if (refused.length > 0 && (addresses.length === 0 || opts.strict)) {
    return { ok: false, problem: refusedAddressProblem(refused, opts.context) };
  }
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
