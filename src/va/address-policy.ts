/**
 * Where the validation authority may connect: the one owner of that policy. Pure and runtime-agnostic.
 *
 * Every address the VA would open a connection to (A/AAAA answers of the name being validated and of every
 * redirect target, the address of an IP identifier, tls-alpn-01 targets) is looked up in the IANA
 * special-purpose address registries (IPv4 and IPv6; RFC 6890 and its updates), plus the multicast and
 * reserved blocks and, for IPv6, everything outside global unicast 2000::/3. A listed address is refused
 * before any connection, with a problem that names its class ("127.0.0.1 is a loopback address (RFC 1122);
 * eabgate does not connect to it"), so a customer cannot make the gateway reach its own network (SSRF).
 * Boulder (Let's Encrypt) refuses the same ranges.
 *
 * An operator (or a test) allows chosen ranges with EABGATE_VA_ALLOW_NETWORKS ("127.0.0.0/8,::1/128"); an
 * allowed range wins over the registries. Host names that only exist inside a network (one label,
 * "localhost", ".local", ".internal", ".home.arpa", …) are refused as redirect targets, whatever they resolve to.
 */
import { acmeProblems, type Problem } from '../core/problem.js';
import { cidr, cidrContains, parseCidr, type Cidr } from '../core/cidr.js';
import { parseIpAddress, type IpAddress } from '../core/ip.js';

export interface AddressClass {
  /** The registry block. */
  network: Cidr;
  /** A noun phrase for problem details: "a loopback address". */
  name: string;
  /** Where it is defined: "RFC 1122". */
  ref: string;
}

const entry = (network: string, name: string, ref: string): AddressClass => ({ network: cidr(network), name, ref });

/** IANA IPv4 Special-Purpose Address Registry, with multicast (RFC 5771) and the reserved block (RFC 1112). */
export const IPV4_SPECIAL: readonly AddressClass[] = [
  entry('0.0.0.0/8', 'a "this network" address', 'RFC 791'),
  entry('10.0.0.0/8', 'a private-use address', 'RFC 1918'),
  entry('100.64.0.0/10', 'a shared address space (carrier-grade NAT) address', 'RFC 6598'),
  entry('127.0.0.0/8', 'a loopback address', 'RFC 1122'),
  entry('169.254.0.0/16', 'a link-local address', 'RFC 3927'),
  entry('172.16.0.0/12', 'a private-use address', 'RFC 1918'),
  entry('192.0.0.0/24', 'an IETF protocol assignment address', 'RFC 6890'),
  entry('192.0.0.0/29', 'an IPv4 service continuity (DS-Lite) address', 'RFC 7335'),
  entry('192.0.0.170/31', 'a NAT64/DNS64 discovery address', 'RFC 7050'),
  entry('192.0.2.0/24', 'a documentation address (TEST-NET-1)', 'RFC 5737'),
  entry('192.31.196.0/24', 'an AS112 anycast address', 'RFC 7535'),
  entry('192.52.193.0/24', 'an AMT anycast address', 'RFC 7450'),
  entry('192.88.99.0/24', 'a deprecated 6to4 relay anycast address', 'RFC 7526'),
  entry('192.168.0.0/16', 'a private-use address', 'RFC 1918'),
  entry('192.175.48.0/24', 'an AS112 direct delegation address', 'RFC 7534'),
  entry('198.18.0.0/15', 'a benchmarking address', 'RFC 2544'),
  entry('198.51.100.0/24', 'a documentation address (TEST-NET-2)', 'RFC 5737'),
  entry('203.0.113.0/24', 'a documentation address (TEST-NET-3)', 'RFC 5737'),
  entry('224.0.0.0/4', 'a multicast address', 'RFC 5771'),
  entry('240.0.0.0/4', 'a reserved (future use) address', 'RFC 1112'),
  entry('255.255.255.255/32', 'the limited broadcast address', 'RFC 919'),
];

/** IANA IPv6 Special-Purpose Address Registry, with multicast, site-local and the rest outside 2000::/3 (below). */
export const IPV6_SPECIAL: readonly AddressClass[] = [
  entry('::/128', 'the unspecified address', 'RFC 4291'),
  entry('::1/128', 'a loopback address', 'RFC 4291'),
  entry('::/96', 'an IPv4-compatible address (deprecated)', 'RFC 4291'),
  entry('::ffff:0:0/96', 'an IPv4-mapped address', 'RFC 4291'),
  entry('64:ff9b::/96', 'an IPv4/IPv6 translation (NAT64) address', 'RFC 6052'),
  entry('64:ff9b:1::/48', 'a local-use IPv4/IPv6 translation address', 'RFC 8215'),
  entry('100::/64', 'a discard-only address', 'RFC 6666'),
  entry('100:0:0:1::/64', 'a dummy IPv6 prefix address', 'RFC 9780'),
  entry('2001::/23', 'an IETF protocol assignment address', 'RFC 2928'),
  entry('2001::/32', 'a Teredo address', 'RFC 4380'),
  entry('2001:2::/48', 'a benchmarking address', 'RFC 5180'),
  entry('2001:10::/28', 'an ORCHID address (deprecated)', 'RFC 4843'),
  entry('2001:20::/28', 'an ORCHIDv2 address', 'RFC 7343'),
  entry('2001:db8::/32', 'a documentation address', 'RFC 3849'),
  entry('2002::/16', 'a 6to4 address', 'RFC 3056'),
  entry('2620:4f:8000::/48', 'an AS112 direct delegation address', 'RFC 7534'),
  entry('3fff::/20', 'a documentation address', 'RFC 9637'),
  entry('5f00::/16', 'a segment routing (SRv6) SID address', 'RFC 9602'),
  entry('fc00::/7', 'a unique local address', 'RFC 4193'),
  entry('fe80::/10', 'a link-local address', 'RFC 4291'),
  entry('fec0::/10', 'a site-local address (deprecated)', 'RFC 3879'),
  entry('ff00::/8', 'a multicast address', 'RFC 4291'),
];

const GLOBAL_UNICAST_V6 = cidr('2000::/3');
const OUTSIDE_GLOBAL_UNICAST: Omit<AddressClass, 'network'> = {
  name: 'an address outside the IPv6 global unicast space (reserved by the IETF)',
  ref: 'RFC 4291',
};

/** The most specific registry entry an address falls in, or undefined for an ordinary public address. */
export function specialPurpose(ip: IpAddress): AddressClass | undefined {
  const table = ip.version === 4 ? IPV4_SPECIAL : IPV6_SPECIAL;
  let best: AddressClass | undefined;
  for (const e of table) if (cidrContains(e.network, ip) && (!best || e.network.prefix > best.network.prefix)) best = e;
  if (best || ip.version === 4 || cidrContains(GLOBAL_UNICAST_V6, ip)) return best;
  return { network: cidr('::/0'), ...OUTSIDE_GLOBAL_UNICAST };
}

/** Special-use and internal domain names (RFC 6761, 6762, 8375, 9476, ICANN's .internal). */
const INTERNAL_SUFFIXES: readonly [string, string][] = [
  ['localhost', 'a loopback name (RFC 6761)'],
  ['local', 'a multicast DNS name (RFC 6762)'],
  ['internal', 'a private-use name (.internal)'],
  ['home.arpa', 'a home network name (RFC 8375)'],
  ['invalid', 'an invalid name (RFC 6761)'],
  ['onion', 'an onion service name (RFC 7686)'],
  ['alt', 'a non-DNS name (RFC 9476)'],
  ['arpa', 'an infrastructure name (.arpa)'],
];

/** Why a host name is internal to some network (a redirect target eabgate does not follow), or undefined. */
export function internalName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!n.includes('.') && n !== 'localhost') return 'a single-label name';
  for (const [suffix, what] of INTERNAL_SUFFIXES) if (n === suffix || n.endsWith(`.${suffix}`)) return what;
  return undefined;
}

export type AddressVerdict = { ok: true } | { ok: false; address: string; class: Omit<AddressClass, 'network'> };

export class AddressPolicy {
  private constructor(readonly allowed: readonly Cidr[]) {}

  /** Refuses every registry entry except the given networks (CIDR text); throws on a malformed one. */
  static allowing(networks: readonly string[] = []): AddressPolicy {
    return new AddressPolicy(
      networks.map((n) => {
        const c = parseCidr(n);
        if (typeof c === 'string') throw new Error(c);
        return c;
      }),
    );
  }

  check(address: string): AddressVerdict {
    const ip = parseIpAddress(address.replace(/^\[(.*)\]$/, '$1'));
    if (!ip) return { ok: false, address, class: { name: 'not an IP address', ref: 'RFC 791, RFC 4291' } };
    if (this.allowed.some((n) => cidrContains(n, ip))) return { ok: true };
    const cls = specialPurpose(ip);
    return cls ? { ok: false, address: ip.text, class: cls } : { ok: true };
  }

  /** The addresses that may be contacted, and what was refused. */
  partition(addresses: readonly string[], source?: string): { allowed: string[]; refused: Refusal[] } {
    const allowed: string[] = [];
    const refused: Refusal[] = [];
    for (const a of addresses) {
      const v = this.check(a);
      if (v.ok) allowed.push(a);
      else refused.push(source ? { ...v, source } : v);
    }
    return { allowed, refused };
  }
}

export type Refusal = Extract<AddressVerdict, { ok: false }> & {
  /** How the address was reached, e.g. "the A record of a.example". */
  source?: string;
};

/** "127.0.0.1 (the A record of a.example) is a loopback address (RFC 1122)". */
export const describeRefusal = (v: Refusal): string =>
  `${v.address}${v.source ? ` (${v.source})` : ''} is ${v.class.name} (${v.class.ref})`;

/** The `connection` problem for refused addresses (at most two are described; `prefix` says where). */
export function refusedAddressProblem(refused: readonly Refusal[], prefix = ''): Problem {
  const shown = refused.slice(0, 2).map(describeRefusal).join('; ');
  const more = refused.length > 2 ? ` (and ${refused.length - 2} more such addresses)` : '';
  const tail = refused.length === 1 ? 'eabgate does not connect to it' : 'eabgate does not connect to them';
  return acmeProblems.connection(`${prefix}${shown}${more}; ${tail}`);
}
