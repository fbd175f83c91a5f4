/** EmbeddedCa as the order flow sees it, through the Issuer interface. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { EmbeddedCa } from '../../src/ca/embedded.js';
import type { Issuer, IssueResult } from '../../src/ca/issuer.js';
import { REVOCATION_REASONS } from '../../src/ca/revocation.js';
import { openssl } from '../support/tools.js';
import { URLS, Scratch, certText, makeCa, makeCsr, opensslCsr, type TestCa } from './support.js';

const clock = new ManualClock();
let t: TestCa;
let ca: EmbeddedCa;
let scratch: Scratch;

beforeAll(async () => {
  clock.set(Date.now());
  t = await makeCa(clock);
  ca = new EmbeddedCa({ ca: t.ca, clock, urls: URLS, maxValidityDays: 90 });
  scratch = new Scratch();
});
afterAll(() => scratch.cleanup());

function issued(r: IssueResult) {
  if (r.state !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(r)}`);
  return r;
}

describe('EmbeddedCa', () => {
  it('issues at once: leaf, chain, serial, dates and issuer; the chain verifies', async () => {
    const issuer: Issuer = ca;
    const domains = ['emb.example.com', 'www.emb.example.com'];
    const r = issued(
      await issuer.submit({
        orderId: 'o-1',
        product: 'ov',
        domains,
        csrPem: await makeCsr('rsa2048', domains),
        organization: { name: 'Example AG', locality: 'Zürich', country: 'CH' },
      }),
    );
    expect(r.chainPem).toBe(t.material.intermediateCertPem);
    expect(r.issuer).toBe('O=eabgate test, CN=eabgate Intermediate CA');
    expect(r.serialHex).toMatch(/^[0-9a-f]{32}$/);
    expect(r.notAfter.getTime() - r.notBefore.getTime()).toBe(90 * 86400e3 - 1000);
    const text = certText(r.certificatePem);
    expect(text).toContain('O = Example AG');
    expect(text).toContain('L = Z\\C3\\BCrich');
    const verify = openssl([
      'verify', '-x509_strict', '-CAfile', scratch.file('root.pem', t.material.rootCertPem),
      '-untrusted', scratch.file('chain.pem', r.chainPem), '-purpose', 'sslserver',
      '-verify_hostname', 'www.emb.example.com', scratch.file('leaf.pem', r.certificatePem),
    ]);
    expect(verify.stdout).toContain(': OK');
  });

  it('answers "failed" with the reason when it refuses the request', async () => {
    const r = await ca.submit({ orderId: 'o-2', product: 'dv', domains: ['a.example.com'], csrPem: opensslCsr(['ed25519'], 'a.example.com') });
    expect(r).toEqual({ state: 'failed', reason: expect.stringMatching(/key algorithm Ed25519/) });
    const ov = await ca.submit({ orderId: 'o-3', product: 'ev', domains: ['a.example.com'], csrPem: await makeCsr('p256', ['a.example.com']) });
    expect(ov).toEqual({ state: 'failed', reason: expect.stringMatching(/organization/) });
  });

  it('has nothing to poll', async () => {
    expect(await ca.poll('whatever')).toEqual({ state: 'failed', reason: expect.stringMatching(/no pending request/) });
  });

  it('signs the CRL of what the caller reports revoked', async () => {
    const r = issued(await ca.submit({ orderId: 'o-4', product: 'dv', domains: ['c.example.com'], csrPem: await makeCsr('p256', ['c.example.com']) }));
    const crl = await ca.crl([{ serialHex: r.serialHex, revokedAt: clock.now(), reason: REVOCATION_REASONS.cessationOfOperation }], 5);
    const out = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', scratch.file('e.crl', crl.der), '-CAfile', scratch.file('i.pem', ca.chainPem)]);
    expect(out.stdout + out.stderr).toContain('verify OK');
    expect(out.stdout).toContain(`Serial Number: ${r.serialHex.toUpperCase()}`);
    expect(out.stdout).toContain('Cessation Of Operation');
  });

  it('refuses a configured maximum that is not a whole number of days', () => {
    expect(() => new EmbeddedCa({ ca: t.ca, clock, urls: URLS, maxValidityDays: 0 })).toThrow(/at least 1/);
  });
});
