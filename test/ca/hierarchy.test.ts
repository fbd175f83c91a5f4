/** Root and intermediate made with WebCrypto, read by openssl; keys handed out as PKCS#8 and loaded back. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createHierarchy, loadCa } from '../../src/ca/hierarchy.js';
import { signLeaf } from '../../src/ca/leaf.js';
import { openssl } from '../support/tools.js';
import { URLS, Scratch, certText, makeCa, makeCsr, type TestCa } from './support.js';

let t: TestCa;
let other: TestCa;
let scratch: Scratch;

beforeAll(async () => {
  [t, other] = await Promise.all([makeCa(), makeCa()]);
  scratch = new Scratch();
});
afterAll(() => scratch.cleanup());

describe('createHierarchy', () => {
  it('makes a self-signed P-384 root CA', () => {
    const root = scratch.file('root.pem', t.material.rootCertPem);
    expect(openssl(['verify', '-x509_strict', '-CAfile', root, root]).status).toBe(0);
    const text = certText(t.material.rootCertPem);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA384');
    expect(text).toContain('NIST CURVE: P-384');
    expect(text).toMatch(/Basic Constraints: critical\n *CA:TRUE\n/);
    expect(text).toMatch(/Key Usage: critical\n *Certificate Sign, CRL Sign\n/);
    expect(text).toContain('Subject Key Identifier');
    const dates = openssl(['x509', '-noout', '-startdate', '-enddate'], t.material.rootCertPem).stdout;
    const years = (Date.parse(dates.match(/notAfter=(.*)/)![1]!) - Date.parse(dates.match(/notBefore=(.*)/)![1]!)) / (365 * 86400e3);
    expect(years).toBeGreaterThan(20);
  });

  it('makes an intermediate signed by the root: pathlen 0, certSign + cRLSign, SKI and AKI', () => {
    const root = scratch.file('root2.pem', t.material.rootCertPem);
    const inter = scratch.file('inter2.pem', t.material.intermediateCertPem);
    const r = openssl(['verify', '-x509_strict', '-CAfile', root, inter]);
    expect(r.stdout).toContain(': OK');
    const text = certText(t.material.intermediateCertPem);
    expect(text).toMatch(/Basic Constraints: critical\n *CA:TRUE, pathlen:0\n/);
    expect(text).toMatch(/Key Usage: critical\n *Certificate Sign, CRL Sign\n/);
    // A P-256 key (it signs every leaf and CRL), signed by the P-384 root with SHA-384.
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA384');
    const rootSki = certText(t.material.rootCertPem).match(/Subject Key Identifier: *\n *([0-9A-F:]+)/)![1]!;
    expect(text).toMatch(new RegExp(`Authority Key Identifier: *\\n *(keyid:)?${rootSki}`));
    expect(text).toMatch(/Subject Key Identifier: *\n *[0-9A-F:]+/);
    // An intermediate of another root does not chain here.
    const foreign = scratch.file('foreign.pem', other.material.intermediateCertPem);
    expect(openssl(['verify', '-CAfile', root, foreign]).status).not.toBe(0);
  });

  it('hands out the private keys as PKCS#8 (root P-384, intermediate P-256) and keeps no copy', async () => {
    for (const [key, curve] of [[t.material.rootKeyPkcs8, 'P-384'], [t.material.intermediateKeyPkcs8, 'P-256']] as const) {
      const r = openssl(['pkey', '-inform', 'DER', '-noout', '-text', '-in', scratch.file('k.der', key)]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`NIST CURVE: ${curve}`);
    }
    expect(t.material.rootCertPem).not.toContain('PRIVATE KEY');
    expect(t.material.intermediateCertPem).not.toContain('PRIVATE KEY');
  });

  it('refuses an intermediate that would outlive the root', async () => {
    await expect(createHierarchy({ clock: systemClock, rootValidityDays: 100, intermediateValidityDays: 100 })).rejects.toThrow(/before the root/);
  });
});

describe('loadCa', () => {
  it('imports the material into a signer whose key cannot be exported', async () => {
    const ca = await loadCa(t.material);
    expect(ca.signingKey.extractable).toBe(false);
    expect(ca.signingKey.usages).toEqual(['sign']);
    expect(ca.intermediatePem).toBe(t.material.intermediateCertPem);
    const csr = await makeCsr('p256', ['load.example.com']);
    const leaf = await signLeaf({ ca, clock: systemClock, urls: URLS }, { csrPem: csr, domains: ['load.example.com'], product: 'dv' });
    const r = openssl([
      'verify', '-CAfile', scratch.file('r.pem', t.material.rootCertPem),
      '-untrusted', scratch.file('i.pem', t.material.intermediateCertPem), scratch.file('l.pem', leaf.pem),
    ]);
    expect(r.status).toBe(0);
  });

  it('still loads a P-384 intermediate (made before P-256 became the default) and signs with SHA-384', async () => {
    const material = await createHierarchy({ clock: systemClock, organization: 'eabgate test', intermediateCurve: 'P-384' });
    const ca = await loadCa(material);
    expect(ca.signing.curve).toBe('P-384');
    const csr = await makeCsr('p256', ['old.example.com']);
    const leaf = await signLeaf({ ca, clock: systemClock, urls: URLS }, { csrPem: csr, domains: ['old.example.com'], product: 'dv' });
    expect(certText(leaf.pem)).toContain('Signature Algorithm: ecdsa-with-SHA384');
    const r = openssl([
      'verify', '-x509_strict', '-CAfile', scratch.file('r384.pem', material.rootCertPem),
      '-untrusted', scratch.file('i384.pem', material.intermediateCertPem), scratch.file('l384.pem', leaf.pem),
    ]);
    expect(r.stdout).toContain(': OK');
  });

  it('refuses a key that is not the intermediate’s, an intermediate of another root, and junk', async () => {
    await expect(loadCa({ ...t.material, intermediateKeyPkcs8: other.material.intermediateKeyPkcs8 })).rejects.toThrow(/does not match/);
    // The root's key is another curve (P-384) than the intermediate's certificate names.
    await expect(loadCa({ ...t.material, intermediateKeyPkcs8: t.material.rootKeyPkcs8 })).rejects.toThrow(/not a PKCS#8 ECDSA P-256 private key/);
    await expect(loadCa({ ...t.material, rootCertPem: other.material.rootCertPem })).rejects.toThrow(/not signed by the root/);
    await expect(loadCa({ ...t.material, intermediateCertPem: t.material.rootCertPem, intermediateKeyPkcs8: t.material.rootKeyPkcs8 })).rejects.toThrow(
      /intermediate is the root/,
    );
    await expect(loadCa({ ...t.material, intermediateKeyPkcs8: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/PKCS#8/);
    await expect(loadCa({ ...t.material, intermediateCertPem: 'nope' })).rejects.toThrow(/does not parse/);
  });
});
