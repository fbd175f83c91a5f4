/**
 * IP addresses as ACME identifiers (RFC 8738): the textual forms it accepts (§3: IPv4 as the dotted quad of
 * RFC 1123 §2.1, IPv6 as RFC 4291 §2.2), the one canonical text every comparison uses (RFC 5952 for IPv6),
 * and the reverse-mapping name tls-alpn-01 sends as SNI (§6: "in-addr.arpa" / "ip6.arpa").
 *
 * Runtime-agnostic (no node:net): the parser is strict on purpose. IPv4 octets with leading zeros ("010")
 * are refused (some stacks read them as octal), so are zone identifiers ("%eth0"), brackets, prefixes and
 * white space.
 */

export interface IpAddress {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** Canonical text: dotted quad, or RFC 5952 (lower case, no leading zeros, longest zero run as "::"). */
  text: string;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): Uint8Array | undefined {
  if (!V4.test(text)) return undefined;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseV6(text: string): Uint8Array | undefined {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        // An embedded IPv4 address ends the text (RFC 4291 §2.2, form 3).
        const v4 = parseV4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEXTET.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  // With "::" at least one group is elided; without it there must be exactly eight.
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as "::", the first on a tie. */
export function formatIpv6(bytes: Uint8Array): string {
  const g = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => g.slice(from, to).map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** The address, or undefined when `text` is not exactly an IPv4 dotted quad or an IPv6 address. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseV4(text);
  if (v4) return { version: 4, bytes: v4, text: Array.from(v4).join('.') };
  if (!text.includes(':')) return undefined;
  const v6 = parseV6(text);
  return v6 ? { version: 6, bytes: v6, text: formatIpv6(v6) } : undefined;
}

/** The canonical text of an address, or undefined when it is not one. */
export const canonicalIp = (text: string): string | undefined => parseIpAddress(text)?.text;

/** Whether a URL or Host header host is an address rather than a name ("[::1]" with its brackets too). */
export const isIpLiteral = (host: string): boolean => parseIpAddress(host.replace(/^\[(.*)\]$/, '$1')) !== undefined;

/** address:port, IPv6 in brackets ("[2001:db8::1]:443"). */
export const hostPort = (address: string, port: number): string => `${address.includes(':') ? `[${address}]` : address}:${port}`;

/** IPv4-mapped IPv6 (::ffff:0:0/96): the same host as an IPv4 address, under a second spelling. */
export const isIpv4Mapped = (ip: IpAddress): boolean =>
  ip.version === 6 && ip.bytes.subarray(0, 10).every((b) => b === 0) && ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;

/** RFC 8738 §6 (after RFC 1035 §3.5 and RFC 3596 §2.5): "1.2.0.192.in-addr.arpa", nibbles reversed for IPv6. */
export function reverseDnsName(ip: IpAddress): string {
  if (ip.version === 4) return `${Array.from(ip.bytes).reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
