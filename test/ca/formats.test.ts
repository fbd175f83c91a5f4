/** Download formats of an issued certificate, each opened by openssl. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { utf8Decode } from '../../src/core/encoding.js';
import { signLeaf } from '../../src/ca/leaf.js';
import { CERTIFICATE_FORMATS, fileBaseName, isCertificateFormat, renderCertificate, type IssuedPems } from '../../src/ca/formats.js';
import { openssl } from '../support/tools.js';
import { URLS, Scratch, makeCa, makeCsr, type TestCa } from './support.js';

let t: TestCa;
let scratch: Scratch;
let issued: IssuedPems;
const fingerprint = (pem: string) => openssl(['x509', '-noout', '-fingerprint', '-sha256'], pem).stdout.trim();

beforeAll(async () => {
  t = await makeCa();
  scratch = new Scratch();
  const csr = await makeCsr('p256', ['dl.example.com']);
  const leaf = await signLeaf({ ca: t.ca, clock: systemClock, urls: URLS }, { csrPem: csr, domains: ['dl.example.com'], product: 'dv' });
  issued = { certificatePem: leaf.pem, chainPem: t.ca.intermediatePem };
});
afterAll(() => scratch.cleanup());

const subjects = (text: string) => [...text.matchAll(/subject=(.*)/g)].map((m) => m[1]!.trim());

describe('renderCertificate', () => {
  it('pem: the leaf alone', () => {
    const d = renderCertificate('pem', issued, 'dl.example.com');
    expect(d.contentType).toBe('application/x-pem-file');
    expect(d.fileName).toBe('dl.example.com.pem');
    const pem = utf8Decode.decode(d.body);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(fingerprint(pem)).toBe(fingerprint(issued.certificatePem));
    expect(pem).not.toContain('PRIVATE KEY');
  });

  it('fullchain: leaf first, then the intermediate; it verifies as a chain', () => {
    const d = renderCertificate('fullchain', issued, 'dl.example.com');
    expect(d.contentType).toBe('application/pem-certificate-chain');
    expect(d.fileName).toBe('dl.example.com-fullchain.pem');
    const pem = utf8Decode.decode(d.body);
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    expect(blocks).toHaveLength(2);
    expect(fingerprint(blocks[0]!)).toBe(fingerprint(issued.certificatePem));
    expect(fingerprint(blocks[1]!)).toBe(fingerprint(t.material.intermediateCertPem));
    const file = scratch.file('full.pem', pem);
    const r = openssl(['verify', '-CAfile', scratch.file('root.pem', t.material.rootCertPem), '-untrusted', file, '-verify_hostname', 'dl.example.com', file]);
    expect(r.status).toBe(0);
  });

  it('der: the leaf in DER', () => {
    const d = renderCertificate('der', issued, 'dl.example.com');
    expect(d.contentType).toBe('application/pkix-cert');
    expect(d.fileName).toBe('dl.example.com.cer');
    expect(d.body[0]).toBe(0x30);
    const r = openssl(['x509', '-inform', 'DER', '-in', scratch.file('leaf.cer', d.body), '-noout', '-fingerprint', '-sha256']);
    expect(r.stdout.trim()).toBe(fingerprint(issued.certificatePem));
  });

  it('p7b: PKCS#7 certs-only (DER) with leaf and intermediate', () => {
    const d = renderCertificate('p7b', issued, 'dl.example.com');
    expect(d.contentType).toBe('application/pkcs7-mime');
    expect(d.fileName).toBe('dl.example.com.p7b');
    const r = openssl(['pkcs7', '-inform', 'DER', '-in', scratch.file('c.p7b', d.body), '-print_certs', '-noout']);
    expect(r.status).toBe(0);
    expect(subjects(r.stdout)).toEqual(['CN = dl.example.com', 'O = eabgate test, CN = eabgate Intermediate CA']);
  });

  it('intermediates: the intermediate alone', () => {
    const d = renderCertificate('intermediates', issued, 'dl.example.com');
    expect(d.fileName).toBe('dl.example.com-intermediates.pem');
    expect(d.contentType).toBe('application/pem-certificate-chain');
    const pem = utf8Decode.decode(d.body);
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(fingerprint(pem)).toBe(fingerprint(t.material.intermediateCertPem));
  });

  it('knows its formats and refuses a certificate field holding the chain', () => {
    expect(CERTIFICATE_FORMATS.every(isCertificateFormat)).toBe(true);
    expect(isCertificateFormat('pfx')).toBe(false);
    expect(() => renderCertificate('pem', { certificatePem: issued.certificatePem + issued.chainPem, chainPem: '' }, 'x')).toThrow(/expected 1/);
    expect(() => renderCertificate('fullchain', { ...issued, chainPem: '' }, 'x')).toThrow(/no certificate/);
  });

  it('suggests safe file names', () => {
    expect(fileBaseName('*.Example.com')).toBe('wildcard.example.com');
    expect(fileBaseName('../etc/passwd')).toBe('_etc_passwd');
    expect(fileBaseName('')).toBe('certificate');
  });
});
