/**
 * The upstream's certificate chain (RFC 8555 §7.4.2: application/pem-certificate-chain, leaf first) as an
 * Issued result: the leaf alone, the intermediates after it (a self-signed root, if the CA sends one, is
 * left out: relying parties bring their own), the serial as it appears on a CRL.
 */
import type { Issued } from '../../ca/issuer.js';
import { parsePemCertificates } from '../../ca/formats.js';
import { loadX509 } from '../../core/x509-lazy.js';
import { normalizeSerialHex } from '../../acme/server/cert-id.js';

const pem = (c: { toString(format: 'pem'): string }) => c.toString('pem') + '\n';

export async function issuedFromChain(chainPem: string): Promise<Issued> {
  await loadX509();
  const certs = parsePemCertificates(chainPem);
  const leaf = certs[0];
  if (!leaf) throw new Error('the upstream certificate download holds no certificate');
  const intermediates = [];
  for (const c of certs.slice(1)) if (!(await c.isSelfSigned())) intermediates.push(c);
  return {
    state: 'issued',
    certificatePem: pem(leaf),
    chainPem: intermediates.map(pem).join(''),
    serialHex: normalizeSerialHex(leaf.serialNumber),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    issuer: leaf.issuer,
  };
}
