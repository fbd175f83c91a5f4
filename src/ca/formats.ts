/**
 * The download formats of an issued certificate. They take what every Issuer returns (the leaf PEM and the
 * chain PEM, intermediates only) so that certificates from an upstream CA render the same way. Each comes
 * with its media type and a suggested file name. None of them holds a private key.
 */
import { x509, type X509 } from '../core/x509-lazy.js';
import { utf8 } from '../core/encoding.js';
import { pemBlocks } from '../core/pem.js';

export const CERTIFICATE_FORMATS = ['pem', 'fullchain', 'der', 'p7b', 'intermediates'] as const;
export type CertificateFormat = (typeof CERTIFICATE_FORMATS)[number];

export interface IssuedPems {
  /** The leaf certificate alone. */
  certificatePem: string;
  /** The intermediate certificate(s), issuer of the leaf first; never the root. */
  chainPem: string;
}

export interface CertificateDownload {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  fileName: string;
}

export function isCertificateFormat(s: string): s is CertificateFormat {
  return (CERTIFICATE_FORMATS as readonly string[]).includes(s);
}

/** Every certificate of a PEM text, parsed (anything but certificate blocks is ignored). */
/** (After loadX509(), as every caller of this module does.) */
export function parsePemCertificates(pem: string): X509.X509Certificate[] {
  return pemBlocks(pem, 'CERTIFICATE').map((block) => new x509.X509Certificate(block.der));
}

/** A file-name stem from a domain: "*.example.com" → "wildcard.example.com"; only [a-z0-9._-] kept. */
export function fileBaseName(domain: string): string {
  const base = domain
    .toLowerCase()
    .replace(/^\*\./, 'wildcard.')
    .replace(/[^a-z0-9._-]/g, '_')
    .replace(/^[.]+/, '');
  return base || 'certificate';
}

const pemOf = (certs: X509.X509Certificate[]) => certs.map((c) => c.toString('pem') + '\n').join('');

export function renderCertificate(format: CertificateFormat, issued: IssuedPems, baseName: string): CertificateDownload {
  const leaves = parsePemCertificates(issued.certificatePem);
  if (leaves.length !== 1) throw new Error(`certificatePem holds ${leaves.length} certificates, expected 1`);
  const leaf = leaves[0]!;
  const chain = parsePemCertificates(issued.chainPem);
  if (chain.length === 0 && (format === 'fullchain' || format === 'intermediates' || format === 'p7b')) {
    throw new Error('chainPem holds no certificate');
  }
  switch (format) {
    case 'pem':
      return { body: utf8.encode(pemOf([leaf])), contentType: 'application/x-pem-file', fileName: `${baseName}.pem` };
    case 'fullchain':
      return {
        body: utf8.encode(pemOf([leaf, ...chain])),
        contentType: 'application/pem-certificate-chain',
        fileName: `${baseName}-fullchain.pem`,
      };
    case 'der':
      return { body: new Uint8Array(leaf.rawData), contentType: 'application/pkix-cert', fileName: `${baseName}.cer` };
    case 'p7b':
      // PKCS#7 / CMS SignedData, certificates only (no signers), DER: RFC 8551 §3.2.2 "certs-only".
      return {
        body: new Uint8Array(new x509.X509Certificates([leaf, ...chain]).export('raw')),
        contentType: 'application/pkcs7-mime',
        fileName: `${baseName}.p7b`,
      };
    case 'intermediates':
      return {
        body: utf8.encode(pemOf(chain)),
        contentType: 'application/pem-certificate-chain',
        fileName: `${baseName}-intermediates.pem`,
      };
  }
}
