/** The lean reader of the CA's own certificates (src/ca/ca-certificate.ts) against @peculiar/x509 and openssl. */
import { describe, it, expect, beforeAll } from 'vitest';
import { x509 } from '../../src/core/x509.js';
import { systemClock } from '../../src/core/clock.js';
import { createHierarchy, loadCa, type CaMaterial } from '../../src/ca/hierarchy.js';
import { readCaCertificate, signedBy } from '../../src/ca/ca-certificate.js';
import { openssl } from '../support/tools.js';

let p256: CaMaterial;
let p384: CaMaterial;

beforeAll(async () => {
  [p256, p384] = await Promise.all([
    createHierarchy({ clock: systemClock, organization: 'eabgate test', country: 'DE' }),
    createHierarchy({ clock: systemClock, organization: 'eabgate test', intermediateCurve: 'P-384' }),
  ]);
});

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

describe('readCaCertificate', () => {
  it('reads what @peculiar/x509 reads: subject, validity, key, basic constraints, SKI (P-256 and P-384 intermediates, P-384 root)', () => {
    for (const [pem, curve, isCa] of [
      [p256.intermediateCertPem, 'P-256', true],
      [p384.intermediateCertPem, 'P-384', true],
      [p256.rootCertPem, 'P-384', true],
    ] as const) {
      const lean = readCaCertificate(pem)!;
      const full = new x509.X509Certificate(pem);
      expect(lean.curve).toBe(curve);
      expect(lean.isCa).toBe(isCa);
      expect(hex(lean.subjectDer)).toBe(hex(full.subjectName.toArrayBuffer()));
      expect(lean.notBefore.getTime()).toBe(full.notBefore.getTime());
      expect(lean.notAfter.getTime()).toBe(full.notAfter.getTime());
      expect(hex(lean.spki)).toBe(hex(full.publicKey.rawData));
      expect(lean.keyIdHex).toBe(full.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
      expect(hex(lean.der)).toBe(hex(full.rawData));
      expect(lean.signature.hash).toBe('SHA-384'); // both are signed by the P-384 root
    }
  });

  it('writes the subject as text as @peculiar/x509 does, escapes included', async () => {
    const odd = await createHierarchy({ clock: systemClock, organization: 'Example, Inc. + <x>;', intermediateCommonName: ' Lead CA ', country: 'DE' });
    for (const pem of [p256.intermediateCertPem, p384.rootCertPem, odd.intermediateCertPem, odd.rootCertPem]) {
      expect(readCaCertificate(pem)!.subjectText).toBe(new x509.X509Certificate(pem).subject);
    }
    expect(readCaCertificate(odd.intermediateCertPem)!.subjectText).toBe('C=DE, O=Example\\, Inc. \\+ \\<x\\>\\;, CN=\\ Lead CA\\ ');
  });

  it('reads the validity as openssl prints it', () => {
    const lean = readCaCertificate(p256.intermediateCertPem)!;
    const out = openssl(['x509', '-noout', '-startdate', '-enddate'], p256.intermediateCertPem).stdout;
    expect(out).toContain(`notBefore=${opensslDate(lean.notBefore)}`);
    expect(out).toContain(`notAfter=${opensslDate(lean.notAfter)}`);
  });

  it('checks the signature: the intermediate by its root, not by another root', async () => {
    const intermediate = readCaCertificate(p256.intermediateCertPem)!;
    expect(await signedBy(intermediate, readCaCertificate(p256.rootCertPem)!)).toBe(true);
    expect(await signedBy(intermediate, readCaCertificate(p384.rootCertPem)!)).toBe(false);
    // A flipped bit in the signed part.
    const tampered = { ...intermediate, tbs: intermediate.tbs.slice() };
    tampered.tbs[tampered.tbs.length - 5]! ^= 1;
    expect(await signedBy(tampered, readCaCertificate(p256.rootCertPem)!)).toBe(false);
  });

  it('leaves anything else to @peculiar/x509: an RSA certificate, two blocks, junk', async () => {
    const keys = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const rsa = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=rsa', keys, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } });
    expect(readCaCertificate(rsa.toString('pem'))).toBeUndefined();
    expect(readCaCertificate(p256.rootCertPem + p256.intermediateCertPem)).toBeUndefined();
    expect(readCaCertificate('nope')).toBeUndefined();
    expect(readCaCertificate('-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n')).toBeUndefined();
  });
});

describe('loadCa on material the lean reader leaves alone', () => {
  it('loads an intermediate signed with ecdsa-with-SHA512 through @peculiar/x509, as before', async () => {
    const rootKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const interKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const later = new Date(now.getTime() + 86_400_000);
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=sha512 root',
      notBefore: now,
      notAfter: later,
      keys: rootKeys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const intermediate = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=sha512 intermediate',
      issuer: root.subject,
      notBefore: now,
      notAfter: later,
      publicKey: interKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-512' },
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey)],
    });
    const material = {
      rootCertPem: root.toString('pem'),
      intermediateCertPem: intermediate.toString('pem'),
      intermediateKeyPkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', interKeys.privateKey)),
    };
    expect(readCaCertificate(material.intermediateCertPem)).toBeUndefined();
    const ca = await loadCa(material);
    expect(ca.signing.curve).toBe('P-256');
    expect(ca.intermediateValidity).toEqual({ notBefore: now, notAfter: later });
    expect(hex(ca.intermediateSubjectDer)).toBe(hex(intermediate.subjectName.toArrayBuffer()));
    expect(ca.intermediateSubjectText).toBe('CN=sha512 intermediate');
    expect(ca.intermediate.subject).toBe('CN=sha512 intermediate');
  });
});

/** openssl's -startdate form: "Jan  2 03:04:05 2026 GMT". */
function opensslDate(d: Date): string {
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}
