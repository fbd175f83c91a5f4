/**
 * The intermediate's CRL, read and verified by openssl: revoked serials with dates and reason codes,
 * thisUpdate/nextUpdate, CRL number, AKI; and openssl's own CRL check refuses a revoked leaf.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { x509 } from '../../src/core/x509.js';
import { signCrl } from '../../src/ca/crl.js';
import { signLeaf } from '../../src/ca/leaf.js';
import { REVOCATION_REASONS } from '../../src/ca/revocation.js';
import { children, parse } from '../../src/core/der.js';
import { openssl } from '../support/tools.js';
import { URLS, Scratch, certText, makeCa, makeCsr, type TestCa } from './support.js';

const clock = new ManualClock();
let t: TestCa;
let other: TestCa;
let scratch: Scratch;

beforeAll(async () => {
  clock.set(Date.now());
  [t, other] = await Promise.all([makeCa(clock), makeCa(clock)]);
  scratch = new Scratch();
});
afterAll(() => scratch.cleanup());

const entries = [
  { serialHex: '4a0b0c0d0e0f10111213141516171819', revokedAt: new Date('2026-05-01T10:00:00Z'), reason: REVOCATION_REASONS.keyCompromise },
  { serialHex: '5f00000000000000000000000000abcd', revokedAt: new Date('2026-05-02T11:00:00Z') },
  { serialHex: '7fffffffffffffffffffffffffffffff', revokedAt: new Date('2026-05-03T12:00:00Z'), reason: REVOCATION_REASONS.superseded },
  { serialHex: '40000000000000000000000000000001', revokedAt: new Date('2026-05-04T13:00:00Z'), reason: REVOCATION_REASONS.unspecified },
];

describe('signCrl', () => {
  it('lists the revoked serials, dates and reasons, with CRL number, AKI and update times', async () => {
    clock.set('2026-11-01T08:00:00.750Z');
    const crl = await signCrl({ ca: t.ca, clock, entries, crlNumber: 42 });
    const r = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', scratch.file('a.crl', crl.der)]);
    expect(r.status).toBe(0);
    const text = r.stdout;
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('Issuer: O = eabgate test, CN = eabgate Intermediate CA');
    expect(text).toContain('Last Update: Nov  1 08:00:00 2026 GMT');
    expect(text).toContain('Next Update: Nov  8 08:00:00 2026 GMT');
    expect(text).toMatch(/X509v3 CRL Number: *\n *42\n/);
    const ski = certText(t.material.intermediateCertPem).match(/Subject Key Identifier: *\n *([0-9A-F:]+)/)![1]!;
    expect(text).toMatch(new RegExp(`Authority Key Identifier: *\\n *(keyid:)?${ski}`));
    for (const e of entries) {
      expect(text).toContain(`Serial Number: ${e.serialHex.toUpperCase()}`);
    }
    const block = (serial: string) => text.split(`Serial Number: ${serial.toUpperCase()}`)[1]!.split('Serial Number:')[0]!;
    expect(block(entries[0]!.serialHex)).toContain('Revocation Date: May  1 10:00:00 2026 GMT');
    expect(block(entries[0]!.serialHex)).toContain('Key Compromise');
    expect(block(entries[2]!.serialHex)).toContain('Superseded');
    // Unspecified is expressed by leaving the reason code out (BR §7.2.2).
    expect(block(entries[1]!.serialHex)).not.toContain('Reason');
    expect(block(entries[3]!.serialHex)).not.toContain('Reason');
    expect(crl.thisUpdate.toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(crl.nextUpdate.toISOString()).toBe('2026-11-08T08:00:00.000Z');
  });

  it('verifies against the intermediate and not against another CA', async () => {
    const crl = await signCrl({ ca: t.ca, clock, entries, crlNumber: 1 });
    const file = scratch.file('b.crl', crl.der);
    const ok = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', scratch.file('chain.pem', t.material.intermediateCertPem + t.material.rootCertPem)]);
    expect(ok.stdout + ok.stderr).toContain('verify OK');
    const bad = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', scratch.file('other.pem', other.material.intermediateCertPem)]);
    expect(bad.stdout + bad.stderr).not.toContain('verify OK');
    expect(await new x509.X509Crl(crl.der).verify({ publicKey: t.ca.intermediate })).toBe(true);
  });

  it('writes no empty entry extensions (RFC 5280: SIZE (1..MAX))', async () => {
    const crl = await signCrl({ ca: t.ca, clock, entries, crlNumber: 2 });
    const tbs = children(parse(crl.der).content)[0]!;
    const list = children(tbs.content).find((c, i) => i >= 3 && c.tag === 0x30)!;
    const shapes = children(list.content).map((e) => children(e.content).length);
    expect(shapes).toEqual([3, 2, 3, 2]);
    for (const e of children(list.content)) {
      for (const part of children(e.content)) expect(part.bytes.length).toBeGreaterThan(2);
    }
  });

  it('makes an empty CRL that openssl accepts', async () => {
    const crl = await signCrl({ ca: t.ca, clock, entries: [], crlNumber: 3 });
    const file = scratch.file('empty.crl', crl.der);
    const r = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text', '-CAfile', scratch.file('i.pem', t.material.intermediateCertPem)]);
    expect(r.stdout + r.stderr).toContain('verify OK');
    expect(r.stdout).toContain('No Revoked Certificates.');
  });

  it('carries CRL numbers up to 20 octets and refuses longer ones, and bad lifetimes or reasons', async () => {
    const big = 2n ** 159n - 1n;
    const crl = await signCrl({ ca: t.ca, clock, entries: [], crlNumber: big });
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', scratch.file('big.crl', crl.der)]).stdout;
    expect(text).toMatch(new RegExp(`CRL Number: *\\n *0x${big.toString(16).toUpperCase()}\\n`));
    await expect(signCrl({ ca: t.ca, clock, entries: [], crlNumber: 2n ** 160n })).rejects.toThrow(/20 octets/);
    await expect(signCrl({ ca: t.ca, clock, entries: [], crlNumber: 1, lifetimeSeconds: 11 * 86400 })).rejects.toThrow(/lifetime/);
    await expect(
      signCrl({ ca: t.ca, clock, entries: [{ serialHex: '01', revokedAt: new Date(), reason: 2 as never }], crlNumber: 1 }),
    ).rejects.toThrow(/reason code 2/);
  });
});

describe('a revoked leaf', () => {
  it('fails openssl verify -crl_check, while a leaf not on the CRL passes', async () => {
    clock.set(Date.now());
    const csr = await makeCsr('p256', ['r.example.com']);
    const ctx = { ca: t.ca, clock, urls: URLS };
    const revoked = await signLeaf(ctx, { csrPem: csr, domains: ['r.example.com'], product: 'dv' });
    const kept = await signLeaf(ctx, { csrPem: csr, domains: ['r.example.com'], product: 'dv' });
    const crl = await signCrl({
      ca: t.ca,
      clock,
      entries: [{ serialHex: revoked.serialHex, revokedAt: clock.now(), reason: REVOCATION_REASONS.keyCompromise }],
      crlNumber: 9,
    });
    const args = (leafPem: string, name: string) => [
      'verify', '-crl_check', '-CRLfile', scratch.file('c.pem', crl.pem),
      '-CAfile', scratch.file('root.pem', t.material.rootCertPem),
      '-untrusted', scratch.file('int.pem', t.material.intermediateCertPem),
      scratch.file(name, leafPem),
    ];
    const bad = openssl(args(revoked.pem, 'revoked.pem'));
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/certificate revoked/);
    const good = openssl(args(kept.pem, 'kept.pem'));
    expect(good.stdout + good.stderr).toContain(': OK');
    expect(good.status).toBe(0);
  });
});
