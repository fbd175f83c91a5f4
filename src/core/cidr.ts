/**
 * CIDR prefixes ("10.0.0.0/8", "fc00::/7") over the strict address parser of ip.ts: parsing, canonical text
 * and membership. Runtime-agnostic. Used by the configuration (EABGATE_VA_ALLOW_NETWORKS) and by the
 * validation authority's address policy (src/va/address-policy.ts).
 */
import { formatIpv6, parseIpAddress, type IpAddress } from './ip.js';

export interface Cidr {
  version: 4 | 6;
  /** The network address (host bits zero), 4 or 16 bytes. */
  bytes: Uint8Array;
  prefix: number;
  /** Canonical text, e.g. "127.0.0.0/8", "::1/128". */
  text: string;
}

/**
 * The prefix, or a reason it is not one. The address must be in the strict form of ip.ts and carry no host
 * bits beyond the prefix ("127.0.0.1/8" is refused: write "127.0.0.0/8"); a bare address means /32 or /128.
 */
export function parseCidr(text: string): Cidr | string {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIpAddress(addr);
  if (!ip) return `${JSON.stringify(t)} is not an IPv4 or IPv6 address with a prefix length (e.g. 10.0.0.0/8, fd00::/8)`;
  const max = ip.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > max) return `${JSON.stringify(t)} has a prefix length outside 0–${max}`;
    prefix = Number(p);
  }
  const masked = mask(ip.bytes, prefix);
  if (!masked.every((b, i) => b === ip.bytes[i])) {
    return `${JSON.stringify(t)} has bits set after its prefix length (the network is ${format(ip.version, masked)}/${prefix})`;
  }
  return { version: ip.version, bytes: masked, prefix, text: `${format(ip.version, masked)}/${prefix}` };
}

/** A prefix from constant text; throws on a mistake (tables in code). */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

export function cidrContains(net: Cidr, ip: IpAddress): boolean {
  if (net.version !== ip.version) return false;
  const m = mask(ip.bytes, net.prefix);
  return m.every((b, i) => b === net.bytes[i]);
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = bits === 0 ? 0 : bytes[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

const format = (version: 4 | 6, bytes: Uint8Array): string => (version === 4 ? Array.from(bytes).join('.') : formatIpv6(bytes));
