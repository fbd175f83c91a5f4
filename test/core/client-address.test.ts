/** The client address: X-Forwarded-For only from trusted proxies, right-most untrusted hop, canonical text. */
import { describe, it, expect } from 'vitest';
import { parseCidrList, resolveClientAddress, cloudflareClientAddress } from '../../src/core/client-address.js';
import { parseCidr } from '../../src/core/cidr.js';

const trusted = parseCidrList('10.0.0.0/8, 127.0.0.1, 2001:db8:ff::/48');

describe('client address', () => {
  it('is the socket peer without trusted proxies, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress('192.0.2.1', '198.51.100.1', [])).toBe('192.0.2.1');
    expect(resolveClientAddress('192.0.2.1', '198.51.100.1', trusted)).toBe('192.0.2.1');
  });

  it('from a trusted peer is the right-most hop that is not a trusted proxy', () => {
    expect(resolveClientAddress('10.1.2.3', '198.51.100.1', trusted)).toBe('198.51.100.1');
    // A client-sent (spoofed) entry on the left is skipped: the proxy appended the real one.
    expect(resolveClientAddress('10.1.2.3', '6.6.6.6, 198.51.100.1, 10.9.9.9', trusted)).toBe('198.51.100.1');
    expect(resolveClientAddress('127.0.0.1', '2001:DB8::7', trusted)).toBe('2001:db8::7');
    expect(resolveClientAddress('::ffff:10.0.0.1', '198.51.100.2:4711', trusted)).toBe('198.51.100.2');
    // Only proxies in the chain: the farthest one.
    expect(resolveClientAddress('10.0.0.1', '10.0.0.2, 10.0.0.3', trusted)).toBe('10.0.0.2');
    // Garbage stops the walk at the last hop a trusted proxy vouched for.
    expect(resolveClientAddress('10.0.0.1', 'evil, 10.0.0.3', trusted)).toBe('10.0.0.3');
    expect(resolveClientAddress('10.0.0.1', 'not-an-address', trusted)).toBe('10.0.0.1');
  });

  it('normalises IPv4-mapped peers and reads networks strictly', () => {
    expect(resolveClientAddress('::ffff:192.0.2.5', undefined, [])).toBe('192.0.2.5');
    expect(resolveClientAddress(undefined, '198.51.100.1', trusted)).toBe('unknown');
    // One CIDR parser for the whole service (core/cidr.ts): bad prefixes are refused with a reason.
    expect(typeof parseCidr('10.0.0.0/33')).toBe('string');
    expect(typeof parseCidr('10.0.0.0/8/1')).toBe('string');
    expect(() => parseCidrList('10.0.0.0/8,example.com')).toThrow(/example\.com/);
  });

  it('on Workers is CF-Connecting-IP, canonical', () => {
    expect(cloudflareClientAddress('2001:DB8:0::1')).toBe('2001:db8::1');
    expect(cloudflareClientAddress(undefined)).toBe('unknown');
    expect(cloudflareClientAddress('nonsense')).toBe('unknown');
  });
});
