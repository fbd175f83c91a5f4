/**
 * IP identifiers (RFC 8738) piece by piece: the address parser and its canonical form (RFC 5952), the
 * reverse-mapping names (§6), EABGATE_ACME_IP_IDENTIFIERS, the newOrder parser, the CSR check (iPAddress
 * SANs only when allowed: the REST API stays DNS-only), the tls-alpn-01 certificate check for an address,
 * and the CA issuing iPAddress SANs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalIp, formatIpv6, isIpLiteral, parseIpAddress, reverseDnsName } from '../../src/core/ip.js';
import { ConfigError, loadConfig } from '../../src/core/config.js';
import { parseNewOrder } from '../../src/acme/server/new-order-request.js';
import { Problem } from '../../src/core/problem.js';
import { checkCsr } from '../../src/csr/check.js';
import { checkAcmeCertificate } from '../../src/va/tls-alpn01.js';
import { signLeaf } from '../../src/ca/leaf.js';
import { systemClock } from '../../src/core/clock.js';
import { x509 } from '../../src/core/x509.js';
import { loadX509 } from '../../src/core/x509-lazy.js';
import { loadPsl } from '../../src/core/psl.js';
import { URLS, certText, makeCa } from '../ca/support.js';
import { p256Csr } from '../support/acme.js';

// As ACME newOrder does before parseNewOrder checks names against the Public Suffix List.
beforeAll(() => loadPsl());

describe('parseIpAddress / canonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    // RFC 5952 §4.2.2: a single zero group is not compressed; §4.2.3: the longest run, the first on a tie.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1:2', 'fe80::1:2'],
    ['1::', '1::'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical);
  });

  it.each(['', ' 127.0.0.1', '127.0.0.1 ', '127.0.0', '127.0.0.1.1', '256.0.0.1', '01.2.3.4', '1.2.3.-4', '0x7f.0.0.1', '[::1]', '::1%lo', 'fe80::1/64', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', ':::', '1:2:3:4:5:6:7::8', '*.0.0.1', 'example.com'])(
    'refuses %j',
    (input) => {
      expect(parseIpAddress(input)).toBeUndefined();
    },
  );

  it('formats 16 bytes per RFC 5952', () => {
    expect(formatIpv6(new Uint8Array(16))).toBe('::');
    expect(formatIpv6(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]))).toBe('2001:db8::1');
  });

  it('gives the reverse-mapping names of RFC 8738 §6', () => {
    expect(reverseDnsName(parseIpAddress('192.0.2.1')!)).toBe('1.2.0.192.in-addr.arpa');
    expect(reverseDnsName(parseIpAddress('2001:db8::1')!)).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
  });
});

describe('EABGATE_ACME_IP_IDENTIFIERS', () => {
  it('is off by default, true/false otherwise, and a bad value names the variable', () => {
    expect(loadConfig({}).acmeIpIdentifiers).toBe(false);
    expect(loadConfig({ EABGATE_ACME_IP_IDENTIFIERS: 'true' }).acmeIpIdentifiers).toBe(true);
    expect(loadConfig({ EABGATE_ACME_IP_IDENTIFIERS: 'false' }).acmeIpIdentifiers).toBe(false);
    expect(() => loadConfig({ EABGATE_ACME_IP_IDENTIFIERS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ EABGATE_ACME_IP_IDENTIFIERS: 'maybe' })).toThrow(/^EABGATE_ACME_IP_IDENTIFIERS: must be true or false/);
  });
});

describe('parseNewOrder with IP identifiers', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const order = (...ids: [string, string][]) => ({ identifiers: ids.map(([type, value]) => ({ type, value })) });
  const problem = (f: () => unknown): Problem => {
    try {
      f();
    } catch (err) {
      if (err instanceof Problem) return err;
      throw err;
    }
    throw new Error('no problem');
  };

  it('refuses them unless enabled, saying how to enable them', () => {
    const p = problem(() => parseNewOrder(order(['ip', '192.0.2.1']), now));
    expect(p.type).toMatch(/unsupportedIdentifier$/);
    expect(p.detail).toMatch(/EABGATE_ACME_IP_IDENTIFIERS=true/);
  });

  it('keeps canonical, de-duplicated values next to DNS names; wildcards are for DNS names only', () => {
    const r = parseNewOrder(order(['dns', 'A.example.com'], ['ip', '2001:DB8::0:1'], ['ip', '2001:db8::1'], ['ip', '192.0.2.1']), now, { ipIdentifiers: true });
    expect(r.identifiers).toEqual([
      { type: 'dns', value: 'a.example.com' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'ip', value: '192.0.2.1' },
    ]);
    expect(r.names).toEqual(['a.example.com', '2001:db8::1', '192.0.2.1']);
    expect(problem(() => parseNewOrder(order(['ip', '*.2.0.192']), now, { ipIdentifiers: true })).detail).toMatch(/wildcards are not possible/);
    // Several faults: one problem with a subproblem each.
    const many = problem(() => parseNewOrder(order(['ip', '300.1.1.1'], ['ip', '::ffff:10.0.0.1']), now, { ipIdentifiers: true }));
    expect(many.extensions.subproblems).toHaveLength(2);
  });
});

const csrPem = async (sans: { type: 'dns' | 'ip'; value: string }[], cn?: string): Promise<string> => (await p256Csr(sans, cn)).pem;

describe('checkCsr and iPAddress SANs', () => {
  it('refuses them by default (the REST API takes DNS names only)', async () => {
    const pem = await csrPem([{ type: 'dns', value: 'a.example.com' }, { type: 'ip', value: '192.0.2.1' }]);
    await expect(checkCsr(pem, ['a.example.com'])).rejects.toThrow(/subject alternative name of type ip: only DNS names are accepted/);
  });

  it('accepts them when allowed, compared in canonical form, a CN holding the address included', async () => {
    const pem = await csrPem([{ type: 'ip', value: '2001:db8:0:0:0:0:0:1' }, { type: 'dns', value: 'a.example.com' }], '2001:DB8::1');
    const r = await checkCsr(pem, ['a.example.com', '2001:db8::1'], { ipAddresses: true });
    expect(r).toMatchObject({ commonName: '2001:db8::1', ipAddresses: ['2001:db8::1'] });
    expect(r.names.sort()).toEqual(['2001:db8::1', 'a.example.com']);
    await expect(checkCsr(pem, ['a.example.com', '2001:db8::2'], { ipAddresses: true })).rejects.toThrow(/subject CN "2001:db8::1" is not one of the order's domains/);
  });
});

describe('tls-alpn-01 certificate for an address', () => {
  it('wants exactly one SAN, the iPAddress', async () => {
    await loadX509(); // as validateTlsAlpn01 does before it checks the certificate
    const digest = new Uint8Array(32).fill(7);
    const make = async (sans: { type: 'dns' | 'ip'; value: string }[]) => {
      const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
      const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        name: 'CN=x',
        keys,
        signingAlgorithm: alg,
        extensions: [
          new x509.SubjectAlternativeNameExtension(sans),
          new x509.Extension('1.3.6.1.5.5.7.1.31', true, new Uint8Array([0x04, 32, ...digest])),
        ],
      });
      return new Uint8Array(cert.rawData);
    };
    expect(checkAcmeCertificate(await make([{ type: 'ip', value: '2001:db8::1' }]), '2001:db8::1', digest, 'ip')).toBeNull();
    expect(checkAcmeCertificate(await make([{ type: 'dns', value: '2001:db8::1' }]), '2001:db8::1', digest, 'ip')).toMatch(/does not name the iPAddress/);
    expect(checkAcmeCertificate(await make([{ type: 'ip', value: '192.0.2.1' }, { type: 'ip', value: '192.0.2.2' }]), '192.0.2.1', digest, 'ip')).toMatch(/only 192\.0\.2\.1/);
    // A DNS identifier is not answered by an iPAddress.
    expect(checkAcmeCertificate(await make([{ type: 'ip', value: '192.0.2.1' }]), 'a.example.com', digest)).toMatch(/does not name a\.example\.com/);
  });
});

describe('the CA and IP addresses', () => {
  it('issues iPAddress SANs; the CN is the first DNS name, or absent (then the SAN is critical)', async () => {
    const { ca } = await makeCa();
    const ctx = { ca, clock: systemClock, urls: URLS };
    const only = await signLeaf(ctx, { csrPem: await csrPem([{ type: 'ip', value: '192.0.2.1' }]), domains: [], ipAddresses: ['192.0.2.1', '2001:db8::1'], product: 'dv' });
    const t = certText(only.pem);
    expect(t).toMatch(/IP Address:192\.0\.2\.1, IP Address:2001:DB8:0:0:0:0:0:1/i);
    expect(t).toMatch(/Subject Alternative Name: critical/);
    expect(new x509.X509Certificate(only.pem).subject).toBe('');

    const mixed = await signLeaf(ctx, { csrPem: await csrPem([{ type: 'dns', value: 'a.example.com' }]), domains: ['a.example.com'], ipAddresses: ['192.0.2.1'], product: 'dv' });
    const m = certText(mixed.pem);
    expect(m).toMatch(/Subject: CN ?= ?a\.example\.com/);
    expect(m).toMatch(/DNS:a\.example\.com, IP Address:192\.0\.2\.1/);
    expect(m).not.toMatch(/Subject Alternative Name: critical/);

    await expect(signLeaf(ctx, { csrPem: await csrPem([{ type: 'ip', value: '192.0.2.1' }]), domains: [], ipAddresses: ['2001:DB8::1'], product: 'dv' })).rejects.toThrow(/canonical form/);
    await expect(signLeaf(ctx, { csrPem: await csrPem([{ type: 'ip', value: '192.0.2.1' }]), domains: [], product: 'dv' })).rejects.toThrow(/at least one name/);
  });
});

describe('isIpLiteral (URL hosts)', () => {
  it('tells addresses, bracketed IPv6 included, from names', () => {
    expect(isIpLiteral('192.0.2.1')).toBe(true);
    expect(isIpLiteral('[2001:db8::1]')).toBe(true);
    expect(isIpLiteral('2001:db8::1')).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(isIpLiteral('1.example')).toBe(false);
  });
});
