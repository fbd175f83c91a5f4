/**
 * Leaf certificates from the embedded CA, checked by the real openssl: chains verify for a TLS server name,
 * and the profile (BR §7.1.2.7) shows in `openssl x509 -text`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { DomainError } from '../../src/core/errors.js';
import { Problem } from '../../src/core/problem.js';
import type { Organization, Product } from '../../src/core/store/types.js';
import { signLeaf, type LeafContext } from '../../src/ca/leaf.js';
import { checkCsr } from '../../src/csr/check.js';
import { x509 } from '../../src/core/x509.js';
import { openssl } from '../support/tools.js';
import { useSignatureEngine, webCryptoSignatures } from '../../src/core/signature-engine.js';
import { nodeSignatures } from '../../src/adapters/node/signatures.js';
import { URLS, Scratch, certText, makeCa, makeCsr, opensslCsr, type KeyKind, type TestCa } from './support.js';

const ORG: Organization = {
  name: 'Example Widgets GmbH',
  unit: 'Web Team',
  locality: 'Berlin',
  state: 'Berlin',
  country: 'DE',
  email: 'it@example.de',
  // EV only; OV and DV leave them out.
  businessCategory: 'Private Organization',
  registrationNumber: 'HRB 123456',
  jurisdictionCountry: 'DE',
  jurisdictionLocality: 'Berlin',
};
const POLICY: Record<Product, string> = { dv: '2.23.140.1.2.1', ov: '2.23.140.1.2.2', ev: '2.23.140.1.1' };

let t: TestCa;
let scratch: Scratch;
let rootFile: string;
let interFile: string;
let ctx: LeafContext;

beforeAll(async () => {
  t = await makeCa();
  scratch = new Scratch();
  rootFile = scratch.file('root.pem', t.material.rootCertPem);
  interFile = scratch.file('intermediate.pem', t.material.intermediateCertPem);
  ctx = { ca: t.ca, clock: systemClock, urls: URLS };
});
afterAll(() => scratch.cleanup());

function verify(leafPem: string, hostname: string) {
  const leaf = scratch.file(`leaf-${Math.random().toString(36).slice(2)}.pem`, leafPem);
  return openssl(['verify', '-x509_strict', '-CAfile', rootFile, '-untrusted', interFile, '-purpose', 'sslserver', '-verify_hostname', hostname, leaf]);
}

const cases: [Product, KeyKind][] = [
  ['dv', 'rsa2048'],
  ['dv', 'p256'],
  ['ov', 'rsa2048'],
  ['ov', 'p256'],
  ['ev', 'rsa2048'],
  ['ev', 'p256'],
];

describe.each(cases)('%s certificate for a %s key', (product, kind) => {
  const domains = ['shop.example.com', 'www.shop.example.com', '*.cdn.example.com'];
  let pem: string;
  let text: string;
  let serialHex: string;

  beforeAll(async () => {
    // The CSR claims an organization of its own: the CA must take the order's, never the CSR's. The DV order
    // carries an organization too, which a DV certificate must leave out.
    const csr = await makeCsr(kind, domains, [{ CN: [domains[0]!] }, { O: ['Evil Corp'] }, { C: ['US'] }]);
    const leaf = await signLeaf(ctx, { csrPem: csr, domains, product, organization: ORG });
    pem = leaf.pem;
    serialHex = leaf.serialHex;
    text = certText(pem);
  });

  it('verifies with openssl for every name as a TLS server certificate', () => {
    for (const name of ['shop.example.com', 'www.shop.example.com', 'img.cdn.example.com']) {
      const r = verify(pem, name);
      expect(r.stdout + r.stderr).toContain(': OK');
      expect(r.status).toBe(0);
    }
  });

  it('does not verify for a name it does not carry', () => {
    const r = verify(pem, 'other.example.com');
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/hostname mismatch/i);
  });

  it('carries the SAN, serverAuth, key usage, constraints, key ids, AIA, CRL DP and policy', () => {
    expect(text).toContain('DNS:shop.example.com, DNS:www.shop.example.com, DNS:*.cdn.example.com');
    expect(text).toMatch(/X509v3 Extended Key Usage: *\n *TLS Web Server Authentication\n/);
    expect(text).not.toContain('TLS Web Client Authentication');
    const usage = kind === 'rsa2048' ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
    expect(text).toMatch(new RegExp(`X509v3 Key Usage: critical\\n *${usage}\\n`));
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n *CA:FALSE/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    const ski = certText(t.material.intermediateCertPem).match(/Subject Key Identifier: *\n *([0-9A-F:]+)/)![1]!;
    expect(text).toMatch(new RegExp(`Authority Key Identifier: *\\n *(keyid:)?${ski}`));
    expect(text).toContain(`CA Issuers - URI:${URLS.caIssuers}`);
    expect(text).toContain(`URI:${URLS.crl}`);
    expect(text).toContain(`Policy: ${POLICY[product]}`);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
  });

  it('takes the subject from the order: CN = first domain, organization only for OV/EV', () => {
    const subject = text.match(/Subject: (.*)\n/)![1]!;
    expect(subject).not.toContain('Evil Corp');
    expect(subject).not.toContain('OU');
    expect(subject).not.toContain('emailAddress');
    if (product === 'dv') {
      expect(subject).toBe('CN = shop.example.com');
    } else if (product === 'ov') {
      expect(subject).toBe('C = DE, ST = Berlin, L = Berlin, O = Example Widgets GmbH, CN = shop.example.com');
    } else {
      expect(subject).toBe(
        'C = DE, ST = Berlin, L = Berlin, businessCategory = Private Organization, jurisdictionC = DE, jurisdictionL = Berlin, ' +
          'serialNumber = HRB 123456, O = Example Widgets GmbH, CN = shop.example.com',
      );
    }
  });

  it('has a positive serial of at least 64 bits', () => {
    const serial = openssl(['x509', '-noout', '-serial'], pem).stdout.trim().replace(/^serial=/, '');
    expect(serial.toLowerCase()).toBe(serialHex);
    const n = BigInt('0x' + serial);
    expect(n > 0n).toBe(true);
    expect(n.toString(2).length).toBeGreaterThanOrEqual(64);
  });
});

describe('serials', () => {
  it('differ between certificates for the same CSR', async () => {
    const csr = await makeCsr('p256', ['a.example.com']);
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) serials.add((await signLeaf(ctx, { csrPem: csr, domains: ['a.example.com'], product: 'dv' })).serialHex);
    expect(serials.size).toBe(20);
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9a-f]{31}$/);
  });
});

describe('other accepted keys', () => {
  it.each([
    ['ECDSA P-384', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'Digital Signature'],
    ['RSA-3072', ['rsa:3072'], 'Digital Signature, Key Encipherment'],
  ])('signs for %s', async (_name, newkey, usage) => {
    const leaf = await signLeaf(ctx, { csrPem: opensslCsr(newkey, 'k.example.com'), domains: ['k.example.com'], product: 'dv' });
    expect(verify(leaf.pem, 'k.example.com').status).toBe(0);
    expect(certText(leaf.pem)).toMatch(new RegExp(`X509v3 Key Usage: critical\\n *${usage}\\n`));
  });
});

describe('signed through the Node signature engine (what the Node server uses)', () => {
  afterAll(() => useSignatureEngine(webCryptoSignatures));
  it.each([
    ['ECDSA P-256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA-2048', ['rsa:2048']],
  ])('a leaf for a %s key verifies with openssl', async (_name, newkey) => {
    useSignatureEngine(nodeSignatures());
    const leaf = await signLeaf(ctx, { csrPem: opensslCsr(newkey, 'n.example.com'), domains: ['n.example.com'], product: 'dv' });
    const r = verify(leaf.pem, 'n.example.com');
    expect(r.stdout + r.stderr).toContain(': OK');
    expect(r.status).toBe(0);
  });
});

describe('refusals', () => {
  const domains = ['a.example.com'];
  const refused = async (csrPem: string, pattern: RegExp) => {
    const err = await signLeaf(ctx, { csrPem, domains, product: 'dv' }).catch((e: unknown) => e);
    // Key faults come from the shared subscriber-key policy as domain errors; the rest are still Problems.
    expect(err instanceof Problem || err instanceof DomainError).toBe(true);
    expect((err as Problem | DomainError).detail).toMatch(pattern);
  };

  it('refuses keys the Baseline Requirements do not accept, naming them', async () => {
    await refused(opensslCsr(['ed25519'], 'a.example.com'), /key algorithm Ed25519/);
    await refused(opensslCsr(['ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], 'a.example.com'), /curve P-521/);
    await refused(opensslCsr(['rsa:1024'], 'a.example.com'), /RSA key of 1024 bits/);
    await refused(opensslCsr(['rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'], 'a.example.com'), /key algorithm RSA-PSS/);
  });

  it('writes from its template what @peculiar/x509 would: SKI of the CSR key (RFC 5280 method 1), the issuer exactly as the intermediate names itself', async () => {
    const csr = await makeCsr('p256', ['ski.example.com']);
    const leaf = await signLeaf(ctx, { csrPem: csr, domains: ['ski.example.com'], product: 'dv' });
    const cert = new x509.X509Certificate(leaf.pem);
    const expected = await x509.SubjectKeyIdentifierExtension.create(new x509.Pkcs10CertificateRequest(csr).publicKey);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId).toBe(expected.keyId);
    expect(cert.subject).toBe('CN=ski.example.com');
    const issuerDer = Buffer.from(new x509.Name(cert.issuer).toArrayBuffer()).toString('hex');
    expect(Buffer.from(new x509.Name(t.ca.intermediate.subject).toArrayBuffer()).toString('hex')).toBe(issuerDer);
    expect(await cert.verify({ publicKey: t.ca.intermediate.publicKey, signatureOnly: true })).toBe(true);
    expect(leaf.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);
  });

  it('signs a CSR that the CSR check verified in this process without a second parse, and still refuses a tampered copy', async () => {
    const csr = await makeCsr('rsa2048', ['checked.example.com']);
    const checked = await checkCsr(csr, ['checked.example.com']);
    const leaf = await signLeaf(ctx, { csrPem: checked.pem, domains: ['checked.example.com'], product: 'dv' });
    expect(verify(leaf.pem, 'checked.example.com').status).toBe(0);
    expect(certText(leaf.pem)).toMatch(/Digital Signature, Key Encipherment/);
    // Other bytes than the checked ones are read and verified again.
    const der = Uint8Array.from(atob(checked.pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
    der[der.length - 5] = der[der.length - 5]! ^ 0xff;
    await refused(`-----BEGIN CERTIFICATE REQUEST-----\n${btoa(String.fromCharCode(...der))}\n-----END CERTIFICATE REQUEST-----\n`, /signature does not verify/);
  });

  it('refuses a CSR whose signature does not verify, and text that is not a CSR', async () => {
    const csr = await makeCsr('p256', domains);
    const der = Uint8Array.from(atob(csr.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
    der[der.length - 5] = der[der.length - 5]! ^ 0xff;
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${btoa(String.fromCharCode(...der))}\n-----END CERTIFICATE REQUEST-----\n`;
    await refused(broken, /signature does not verify/);
    await refused('hello', /not a PEM-encoded PKCS#10/);
  });

  it('refuses an OV or EV order without a usable organization', async () => {
    const csr = await makeCsr('p256', domains);
    for (const [organization, pattern] of [
      [undefined, /needs the order's organization/],
      [{ country: 'DE', locality: 'Berlin' }, /organization's name/],
      [{ name: 'X', locality: 'Berlin' }, /country code/],
      [{ name: 'X', country: 'DE' }, /locality or a state/],
    ] as const) {
      const err = await signLeaf(ctx, { csrPem: csr, domains, product: 'ov', organization }).catch((e: unknown) => e);
      expect((err as Problem).detail).toMatch(pattern);
    }
  });

  it('refuses an empty or malformed name list', async () => {
    const csr = await makeCsr('p256', domains);
    await expect(signLeaf(ctx, { csrPem: csr, domains: [], product: 'dv' })).rejects.toThrow(/at least one/);
    await expect(signLeaf(ctx, { csrPem: csr, domains: ['Bad Name'], product: 'dv' })).rejects.toThrow(/not a lower-case DNS name/);
  });
});

describe('long names', () => {
  it('leaves the CN out when the first name is longer than 64 characters, and marks the SAN critical', async () => {
    const long = `${'a'.repeat(60)}.example.com`;
    const csr = await makeCsr('p256', [long]);
    const leaf = await signLeaf(ctx, { csrPem: csr, domains: [long], product: 'dv' });
    const text = certText(leaf.pem);
    expect(text).toMatch(/Subject: *\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical\n *DNS:a{60}\.example\.com/);
    const r = verify(leaf.pem, long);
    expect(r.status).toBe(0);
  });
});
