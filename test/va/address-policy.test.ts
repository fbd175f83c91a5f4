/**
 * The VA's address policy (src/va/address-policy.ts): every entry of the IANA special-purpose registries
 * (IPv4, IPv6) with the class a refusal names, the addresses just outside each block, the allow-list, and
 * the internal host names refused as redirect targets. Plus the CIDR parser under it (src/core/cidr.ts) and
 * the bounds on outbound work (src/va/limits.ts).
 */
import { describe, expect, it } from 'vitest';
import { AddressPolicy, IPV4_SPECIAL, IPV6_SPECIAL, internalName, refusedAddressProblem, specialPurpose } from '../../src/va/address-policy.js';
import { cidrContains, parseCidr, type Cidr } from '../../src/core/cidr.js';
import { formatIpv6, parseIpAddress } from '../../src/core/ip.js';
import { mapLimit, Semaphore } from '../../src/va/limits.js';

const ip = (text: string) => {
  const a = parseIpAddress(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
};
const classOf = (text: string) => specialPurpose(ip(text))?.name;

/** The first and last address of a block, and the addresses just outside it. */
function edges(c: Cidr): { first: string; last: string; before?: string; after?: string } {
  const last = Uint8Array.from(c.bytes);
  for (let bit = c.prefix; bit < c.bytes.length * 8; bit++) last[bit >> 3]! |= 0x80 >> (bit & 7);
  const step = (b: Uint8Array, d: 1 | -1): Uint8Array | undefined => {
    const out = Uint8Array.from(b);
    for (let i = out.length - 1; i >= 0; i--) {
      const v = out[i]! + d;
      out[i] = v & 0xff;
      if (v >= 0 && v <= 0xff) return out;
    }
    return undefined; // wrapped around
  };
  const text = (b: Uint8Array | undefined) => (b ? (c.version === 4 ? Array.from(b).join('.') : formatIpv6(b)) : undefined);
  return { first: text(c.bytes)!, last: text(last)!, before: text(step(c.bytes, -1)), after: text(step(last, 1)) };
}

const policy = AddressPolicy.allowing();

/**
 * The block's first and last address are refused, naming this block, unless a more specific block of the
 * registry holds that address (then that one is named); the addresses just outside are not this block.
 */
function expectBlockRefused(net: string, name: string, ref: string): void {
  const block = parseCidr(net) as Cidr;
  const table = block.version === 4 ? IPV4_SPECIAL : IPV6_SPECIAL;
  const { first, last, before, after } = edges(block);
  for (const a of [first, last]) {
    const narrower = table.find((e) => e.network.prefix > block.prefix && cidrContains(e.network, ip(a)));
    expect(policy.check(a), a).toEqual({
      ok: false,
      address: a,
      class: expect.objectContaining(narrower ? { name: narrower.name, ref: narrower.ref } : { name, ref }),
    });
  }
  for (const a of [before, after]) {
    if (a !== undefined) expect(cidrContains(block, ip(a)), a).toBe(false);
  }
}

describe('IPv4 special-purpose registry', () => {
  const expected: [string, string, string][] = [
    ['0.0.0.0/8', 'a "this network" address', 'RFC 791'],
    ['10.0.0.0/8', 'a private-use address', 'RFC 1918'],
    ['100.64.0.0/10', 'a shared address space (carrier-grade NAT) address', 'RFC 6598'],
    ['127.0.0.0/8', 'a loopback address', 'RFC 1122'],
    ['169.254.0.0/16', 'a link-local address', 'RFC 3927'],
    ['172.16.0.0/12', 'a private-use address', 'RFC 1918'],
    ['192.0.0.0/24', 'an IETF protocol assignment address', 'RFC 6890'],
    ['192.0.0.0/29', 'an IPv4 service continuity (DS-Lite) address', 'RFC 7335'],
    ['192.0.0.170/31', 'a NAT64/DNS64 discovery address', 'RFC 7050'],
    ['192.0.2.0/24', 'a documentation address (TEST-NET-1)', 'RFC 5737'],
    ['192.31.196.0/24', 'an AS112 anycast address', 'RFC 7535'],
    ['192.52.193.0/24', 'an AMT anycast address', 'RFC 7450'],
    ['192.88.99.0/24', 'a deprecated 6to4 relay anycast address', 'RFC 7526'],
    ['192.168.0.0/16', 'a private-use address', 'RFC 1918'],
    ['192.175.48.0/24', 'an AS112 direct delegation address', 'RFC 7534'],
    ['198.18.0.0/15', 'a benchmarking address', 'RFC 2544'],
    ['198.51.100.0/24', 'a documentation address (TEST-NET-2)', 'RFC 5737'],
    ['203.0.113.0/24', 'a documentation address (TEST-NET-3)', 'RFC 5737'],
    ['224.0.0.0/4', 'a multicast address', 'RFC 5771'],
    ['240.0.0.0/4', 'a reserved (future use) address', 'RFC 1112'],
    ['255.255.255.255/32', 'the limited broadcast address', 'RFC 919'],
  ];

  it('lists exactly these blocks', () => {
    expect(IPV4_SPECIAL.map((e) => [e.network.text, e.name, e.ref])).toEqual(expected);
  });

  it.each(expected)('%s: its first and last address are refused as %s (%s)', (net, name, ref) => {
    expectBlockRefused(net, name, ref);
  });

  it('names the most specific block (192.0.0.9 is IETF, 192.0.0.5 DS-Lite, 192.0.0.171 NAT64 discovery)', () => {
    expect(classOf('192.0.0.9')).toBe('an IETF protocol assignment address');
    expect(classOf('192.0.0.5')).toBe('an IPv4 service continuity (DS-Lite) address');
    expect(classOf('192.0.0.171')).toBe('a NAT64/DNS64 discovery address');
  });

  it('allows the public addresses next to each block', () => {
    for (const a of ['1.0.0.0', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255',
      '169.255.0.0', '172.15.255.255', '172.32.0.0', '191.255.255.255', '192.0.1.0', '192.0.3.0', '192.167.255.255', '192.169.0.0',
      '198.17.255.255', '198.20.0.0', '198.51.99.255', '198.51.101.0', '203.0.112.255', '203.0.114.0', '223.255.255.255', '8.8.8.8', '1.1.1.1']) {
      expect(policy.check(a), a).toEqual({ ok: true });
    }
  });
});

describe('IPv6 special-purpose registry', () => {
  const expected: [string, string, string][] = [
    ['::/128', 'the unspecified address', 'RFC 4291'],
    ['::1/128', 'a loopback address', 'RFC 4291'],
    ['::/96', 'an IPv4-compatible address (deprecated)', 'RFC 4291'],
    ['::ffff:0:0/96', 'an IPv4-mapped address', 'RFC 4291'],
    ['64:ff9b::/96', 'an IPv4/IPv6 translation (NAT64) address', 'RFC 6052'],
    ['64:ff9b:1::/48', 'a local-use IPv4/IPv6 translation address', 'RFC 8215'],
    ['100::/64', 'a discard-only address', 'RFC 6666'],
    ['100:0:0:1::/64', 'a dummy IPv6 prefix address', 'RFC 9780'],
    ['2001::/23', 'an IETF protocol assignment address', 'RFC 2928'],
    ['2001::/32', 'a Teredo address', 'RFC 4380'],
    ['2001:2::/48', 'a benchmarking address', 'RFC 5180'],
    ['2001:10::/28', 'an ORCHID address (deprecated)', 'RFC 4843'],
    ['2001:20::/28', 'an ORCHIDv2 address', 'RFC 7343'],
    ['2001:db8::/32', 'a documentation address', 'RFC 3849'],
    ['2002::/16', 'a 6to4 address', 'RFC 3056'],
    ['2620:4f:8000::/48', 'an AS112 direct delegation address', 'RFC 7534'],
    ['3fff::/20', 'a documentation address', 'RFC 9637'],
    ['5f00::/16', 'a segment routing (SRv6) SID address', 'RFC 9602'],
    ['fc00::/7', 'a unique local address', 'RFC 4193'],
    ['fe80::/10', 'a link-local address', 'RFC 4291'],
    ['fec0::/10', 'a site-local address (deprecated)', 'RFC 3879'],
    ['ff00::/8', 'a multicast address', 'RFC 4291'],
  ];

  it('lists exactly these blocks', () => {
    expect(IPV6_SPECIAL.map((e) => [e.network.text, e.name, e.ref])).toEqual(expected);
  });

  it.each(expected)('%s: its first and last address are refused as %s (%s)', (net, name, ref) => {
    expectBlockRefused(net, name, ref);
  });

  it('refuses IPv4 in its IPv6 spellings: mapped, translated, 6to4, Teredo', () => {
    expect(classOf('::ffff:127.0.0.1')).toBe('an IPv4-mapped address');
    expect(classOf('::ffff:8.8.8.8')).toBe('an IPv4-mapped address');
    expect(classOf('64:ff9b::7f00:1')).toBe('an IPv4/IPv6 translation (NAT64) address');
    expect(classOf('2002:7f00:1::1')).toBe('a 6to4 address');
    expect(classOf('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toBe('a Teredo address');
    expect(classOf('::127.0.0.1')).toBe('an IPv4-compatible address (deprecated)');
  });

  it('refuses everything outside global unicast 2000::/3 that no entry names', () => {
    for (const a of ['1::1', '4000::1', '8000::', 'e000::1', 'fe00::1', '1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) {
      expect(classOf(a), a).toBe('an address outside the IPv6 global unicast space (reserved by the IETF)');
    }
  });

  it('allows ordinary global unicast addresses, including next to the blocks', () => {
    for (const a of ['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1', '2001:200::1', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
      '2001:db9::', '2003::1', '2620:4f:7fff:ffff:ffff:ffff:ffff:ffff', '2620:4f:8001::', '3ffe:ffff::1', '3fff:1000::']) {
      expect(policy.check(a), a).toEqual({ ok: true });
    }
  });
});

describe('the allow-list and refusals', () => {
  it('allows only the listed networks, each of its own address family', () => {
    const p = AddressPolicy.allowing(['127.0.0.0/8', '::1/128', '10.1.0.0/16']);
    expect(p.check('127.0.0.1')).toEqual({ ok: true });
    expect(p.check('127.255.0.9')).toEqual({ ok: true });
    expect(p.check('::1')).toEqual({ ok: true });
    expect(p.check('[::1]')).toEqual({ ok: true });
    expect(p.check('10.1.255.255')).toEqual({ ok: true });
    expect(p.check('10.2.0.0')).toMatchObject({ ok: false, class: { name: 'a private-use address' } });
    expect(p.check('::ffff:127.0.0.1')).toMatchObject({ ok: false, class: { name: 'an IPv4-mapped address' } });
    expect(p.check('::2')).toMatchObject({ ok: false });
    expect(p.check('8.8.8.8')).toEqual({ ok: true });
  });

  it('refuses what is not an address, and a malformed allow-list', () => {
    expect(policy.check('localhost')).toMatchObject({ ok: false, class: { name: 'not an IP address' } });
    expect(() => AddressPolicy.allowing(['127.0.0.1/8'])).toThrow(/bits set after its prefix length \(the network is 127\.0\.0\.0\/8\)/);
  });

  it('words the problem with the address, its class and where it came from', () => {
    const v = policy.check('127.0.0.1');
    if (v.ok) throw new Error('expected a refusal');
    expect(refusedAddressProblem([v]).toJSON()).toMatchObject({
      type: 'urn:ietf:params:acme:error:connection',
      detail: '127.0.0.1 is a loopback address (RFC 1122); eabgate does not connect to it',
    });
    const { refused } = policy.partition(['10.0.0.1', '::1', '192.168.1.1', '8.8.8.8'], 'the A record of x.example');
    expect(refusedAddressProblem(refused).detail).toBe(
      '10.0.0.1 (the A record of x.example) is a private-use address (RFC 1918); ::1 (the A record of x.example) is a loopback address (RFC 4291)' +
        ' (and 1 more such addresses); eabgate does not connect to them',
    );
  });
});

describe('internal host names', () => {
  it('names what only exists inside a network', () => {
    expect(internalName('intranet')).toBe('a single-label name');
    expect(internalName('localhost')).toBe('a loopback name (RFC 6761)');
    expect(internalName('api.LOCALHOST.')).toBe('a loopback name (RFC 6761)');
    expect(internalName('printer.local')).toBe('a multicast DNS name (RFC 6762)');
    expect(internalName('db.corp.internal')).toBe('a private-use name (.internal)');
    expect(internalName('nas.home.arpa')).toBe('a home network name (RFC 8375)');
    expect(internalName('1.0.0.127.in-addr.arpa')).toBe('an infrastructure name (.arpa)');
    expect(internalName('x.invalid')).toBe('an invalid name (RFC 6761)');
    expect(internalName('x.onion')).toBeDefined();
    expect(internalName('x.alt')).toBeDefined();
  });
  it('lets public-looking names through (their addresses are still checked)', () => {
    for (const n of ['a.example', 'www.example.com', 'localhost.example.com', 'local.example', 'internal.example.org']) {
      expect(internalName(n), n).toBeUndefined();
    }
  });
});

describe('CIDR prefixes', () => {
  it('parses, canonicalizes and tests membership', () => {
    expect(parseCidr('FD00:0:0::/8')).toMatchObject({ version: 6, prefix: 8, text: 'fd00::/8' });
    expect(parseCidr('10.1.2.3')).toMatchObject({ version: 4, prefix: 32, text: '10.1.2.3/32' });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ prefix: 0, text: '0.0.0.0/0' });
    const net = parseCidr('100.64.0.0/10') as Cidr;
    expect(cidrContains(net, ip('100.127.255.255'))).toBe(true);
    expect(cidrContains(net, ip('100.128.0.0'))).toBe(false);
    expect(cidrContains(net, ip('::ffff:100.64.0.1'))).toBe(false);
  });
  it('refuses what is not a prefix, saying why', () => {
    expect(parseCidr('10.0.0.0/33')).toMatch(/prefix length outside 0–32/);
    expect(parseCidr('::/129')).toMatch(/prefix length outside 0–128/);
    expect(parseCidr('10.0.0.0/08')).toMatch(/prefix length/);
    expect(parseCidr('10.0.0/8')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseCidr('fe80::1%eth0/64')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseCidr('10.0.0.1/8')).toMatch(/bits set after its prefix length/);
  });
  it('checks the test helper: edges of a block', () => {
    expect(edges(parseCidr('198.18.0.0/15') as Cidr)).toEqual({ first: '198.18.0.0', last: '198.19.255.255', before: '198.17.255.255', after: '198.20.0.0' });
    expect(edges(parseCidr('fc00::/7') as Cidr)).toMatchObject({ first: 'fc00::', last: 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' });
  });
});

describe('bounded work', () => {
  it('a semaphore runs at most its limit at once, first come first served', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        s.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(s.inUse).toBe(0);
    await expect(s.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(s.inUse).toBe(0);
  });

  it('mapLimit keeps the order of its items and at most `limit` in flight', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(2);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
