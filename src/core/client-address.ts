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

export interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

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

/** "10.0.0.0/8", "2001:db8::/32", or a single address ("192.0.2.7" = /32, "::1" = /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, ...rest] = text.trim().split('/');
  if (rest.length || !addr) return undefined;
  const ip = parseIpAddress(addr);
  if (!ip) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return undefined;
  const net = unmapped(ip);
  // A mapped network ("::ffff:10.0.0.0/104") is the IPv4 network it stands for.
  const p = net.version === ip.version ? prefix : prefix - 96;
  if (p < 0) return { version: 6, bytes: ip.bytes, prefix, text: `${ip.text}/${prefix}` };
  return { version: net.version, bytes: net.bytes, prefix: p, text: `${net.text}/${p}` };
}

/** A comma- or space-separated list of CIDRs; throws a message naming the first bad entry. */
export function parseCidrList(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const c = parseCidr(entry);
    if (!c) throw new Error(`not an address or network in CIDR notation: "${entry.slice(0, 60)}"`);
    out.push(c);
  }
  return out;
}

export function inNetwork(ip: IpAddress, net: Cidr): boolean {
  if (ip.version !== net.version) return false;
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== net.bytes[i]) return false;
  const bits = net.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (ip.bytes[full]! & mask) === (net.bytes[full]! & mask);
}

export const inNetworks = (ip: IpAddress, nets: readonly Cidr[]): boolean => nets.some((n) => inNetwork(ip, n));

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
