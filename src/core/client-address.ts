/**
 * The client's address, the one place it is worked out. Behind a reverse proxy the socket peer is the
 * proxy, so X-Forwarded-For is read, but only when the peer is one of the trusted proxies
 * (EABGATE_TRUSTED_PROXIES): walking the header from the right (the entry the nearest proxy appended),
 * every address that is itself a trusted proxy is skipped and the first one that is not is the client.
 * From an untrusted peer the header is ignored, since anyone can send it. Cloudflare Workers have no
 * socket: the edge sets CF-Connecting-IP, which a client cannot forge there.
 *
 * Addresses come out in canonical text (IPv4-mapped IPv6 as the IPv4 address), so one host has one key.
 */
import { parseIpAddress, isIpv4Mapped, type IpAddress } from './ip.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';

export type { Cidr };

/** An IPv4-mapped IPv6 address as the IPv4 address it stands for. */
function unmapped(ip: IpAddress): IpAddress {
  if (!isIpv4Mapped(ip)) return ip;
  const bytes = ip.bytes.slice(12);
  return { version: 4, bytes, text: Array.from(bytes).join('.') };
}

/** An address as a socket or a header gives it, canonical; undefined when it is not one. */
export function normalizeAddress(text: string | undefined): IpAddress | undefined {
  if (!text) return undefined;
  let s = text.trim();
  // "[2001:db8::1]:443", "192.0.2.1:8080" (some proxies add the port), a zone id ("fe80::1%eth0").
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) s = bracket[1]!;
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  s = s.replace(/%.*$/, '');
  const ip = parseIpAddress(s);
  return ip && unmapped(ip);
}

/** A comma- or space-separated list of CIDRs (core/cidr.ts); throws a message naming the first bad entry. */
export function parseCidrList(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const c = parseCidr(entry);
    if (typeof c === 'string') throw new Error(c);
    out.push(c);
  }
  return out;
}

export const inNetworks = (ip: IpAddress, nets: readonly Cidr[]): boolean => nets.some((n) => cidrContains(n, ip));

/**
 * The client address from the socket peer and the X-Forwarded-For header (all its lines, comma-joined).
 * Without a usable peer: "unknown" (every such request shares one key, which is the safe side).
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: readonly Cidr[]): string {
  const p = normalizeAddress(peer);
  if (!p) return 'unknown';
  if (!forwardedFor || trusted.length === 0 || !inNetworks(p, trusted)) return p.text;
  let client = p;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    // Garbage where an address should be: stop at the last hop a trusted proxy vouched for.
    if (!hop) break;
    client = hop;
    if (!inNetworks(hop, trusted)) break;
  }
  return client.text;
}

/** CF-Connecting-IP on Workers, canonical; "unknown" when missing or not an address. */
export function cloudflareClientAddress(header: string | undefined): string {
  return normalizeAddress(header)?.text ?? 'unknown';
}
