/** The host names a pasted CSR asks for (SANs, else the CN), so that an order can take them from it. */
import { x509 } from '../core/x509.js';

export function namesFromCsr(pem: string): string[] | null {
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem.trim());
    const san = csr.getExtension('2.5.29.17');
    const names = san
      ? new x509.SubjectAlternativeNameExtension(san.rawData).names.items.filter((n) => n.type === 'dns').map((n) => n.value)
      : csr.subjectName.getField('CN');
    return names.length ? names : null;
  } catch {
    return null;
  }
}
