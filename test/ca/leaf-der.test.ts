/** The leaf extensions written by src/ca/leaf-der.ts, byte for byte against @peculiar/x509's classes. */
import { describe, expect, it } from 'vitest';
import { x509 } from '../../src/core/x509.js';
import { sharedExtensions as ext, leanSubjectDer, subjectDer } from '../../src/ca/leaf-der.js';
import { loadX509 } from '../../src/core/x509-lazy.js';
import { POLICY_OIDS } from '../../src/ca/policies.js';

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
const ds = x509.KeyUsageFlags.digitalSignature;

describe('sharedExtensions', () => {
  it('writes what @peculiar/x509 writes', () => {
    const keyId = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
    const pairs: [Uint8Array, x509.Extension][] = [
      [ext.basicConstraints(), new x509.BasicConstraintsExtension(false, undefined, true)],
      [ext.serverAuth(), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false)],
      [ext.authorityKeyId(keyId), new x509.AuthorityKeyIdentifierExtension(keyId, false)],
      [ext.caIssuers('http://127.0.0.1:8080/ca/intermediate.der'), new x509.AuthorityInfoAccessExtension({ caIssuers: [new x509.GeneralName('url', 'http://127.0.0.1:8080/ca/intermediate.der')] })],
      [ext.crlDistributionPoint('https://ca.example.com/ca/crl'), new x509.CRLDistributionPointsExtension(['https://ca.example.com/ca/crl'])],
      [ext.keyUsage(false), new x509.KeyUsagesExtension(ds, true)],
      [ext.keyUsage(true), new x509.KeyUsagesExtension(ds | x509.KeyUsageFlags.keyEncipherment, true)],
      ...(['dv', 'ov', 'ev'] as const).map((p): [Uint8Array, x509.Extension] => [ext.policy(POLICY_OIDS[p]), new x509.CertificatePolicyExtension([POLICY_OIDS[p]], false)]),
    ];
    for (const [lean, full] of pairs) expect(hex(lean)).toBe(hex(full.rawData));
  });

  it('writes long URLs with long-form lengths', () => {
    const url = `https://ca.example.com/${'x'.repeat(300)}`;
    expect(hex(ext.crlDistributionPoint(url))).toBe(hex(new x509.CRLDistributionPointsExtension([url]).rawData));
    expect(hex(ext.caIssuers(url))).toBe(hex(new x509.AuthorityInfoAccessExtension({ caIssuers: [new x509.GeneralName('url', url)] }).rawData));
  });
});

describe('subjects', () => {
  it('writes an empty subject and a CN alone itself, and leaves other subjects to @peculiar/x509', async () => {
    expect(hex(leanSubjectDer([])!)).toBe('3000');
    // SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String "a.example.com" } } }
    expect(hex(leanSubjectDer([{ CN: ['a.example.com'] }])!)).toBe('30183116301406035504030c0d612e6578616d706c652e636f6d');
    const ov: x509.JsonName = [{ C: ['DE'] }, { O: ['Example GmbH'] }, { CN: ['a.example.com'] }];
    expect(leanSubjectDer(ov)).toBeUndefined();
    await loadX509();
    expect(hex(subjectDer(ov))).toBe(hex(new x509.Name(ov).toArrayBuffer()));
  });
});
