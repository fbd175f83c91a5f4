/**
 * The finalize CSR (RFC 8555 §7.4): base64url DER in `csr`, checked by src/csr/check.ts (signature, key
 * type and size, CN and SANs equal to the order's names). Its `badCsr` domain errors are reworded here for
 * ACME clients, naming the names that are missing from or extra in the CSR; the ACME edge
 * (domain-errors.ts) renders them as `badCSR`.
 */
import { loadX509, x509 } from '../../core/x509-lazy.js';
import { acmeProblems } from '../../core/problem.js';
import { DomainError, domainErrors } from '../../core/errors.js';
import { fromBase64Url } from '../../core/encoding.js';
import { toPem } from '../../core/pem.js';
import { checkCsr, type CheckedCsr } from '../../csr/check.js';
import { normalizeName } from '../../core/hostname.js';
import { canonicalIp } from '../../core/ip.js';

/** Names in the CSR (CN, DNS SANs, iPAddress SANs in canonical text), or undefined when it cannot be read. */
function csrNames(pem: string): string[] | undefined {
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem);
    const names = csr.subjectName.getField('CN').map((cn) => canonicalIp(cn.trim()) ?? normalizeName(cn));
    const ext = csr.getExtension('2.5.29.17');
    const san = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined;
    for (const gn of san?.names.items ?? []) {
      if (gn.type === 'dns') names.push(normalizeName(gn.value));
      else if (gn.type === 'ip') names.push(canonicalIp(gn.value) ?? gn.value);
    }
    return [...new Set(names)];
  } catch {
    return undefined;
  }
}

function namesDifference(pem: string, orderNames: string[]): string | undefined {
  const names = csrNames(pem);
  if (!names) return undefined;
  const missing = orderNames.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !orderNames.includes(n));
  const parts: string[] = [];
  if (missing.length) parts.push(`lacks ${missing.join(', ')}`);
  if (extra.length) parts.push(`has ${extra.join(', ')}, which the order does not`);
  return parts.length ? `The CSR ${parts.join(' and ')} (the order's names: ${orderNames.join(', ')}).` : undefined;
}

/** `ipAddresses`: the order has IP identifiers (RFC 8738), so iPAddress SANs are accepted (canonical text). */
export async function checkFinalizeCsr(value: unknown, orderNames: string[], opts: { ipAddresses?: boolean } = {}): Promise<CheckedCsr> {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value) || value.length > 40_000) {
    throw acmeProblems.badCSR('"csr" must be the base64url (unpadded) DER encoding of a PKCS#10 certificate request.');
  }
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = fromBase64Url(value);
  } catch {
    throw domainErrors.badCsr('"csr" is not valid base64url: its length leaves a partial byte.');
  }
  const pem = toPem('CERTIFICATE REQUEST', der);
  try {
    return await checkCsr(pem, orderNames, opts);
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== 'badCsr') throw err;
    // Rendered by the ACME edge as badCSR; the detail is reworded for ACME clients (no REST field prefix).
    await loadX509();
    const detail = (err.extensions.rule === 'names' ? namesDifference(pem, orderNames) : undefined) ?? err.detail.replace(/^csr: /, 'The CSR: ');
    throw domainErrors.badCsr(detail);
  }
}
