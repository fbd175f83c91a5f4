/** The stored form of a certificate an issuer returned, for tracking orders and ACME orders alike. */
import type { CertificateRecord } from '../core/store/types.js';
import { newId } from '../core/secrets/tokens.js';
import type { Issued } from '../ca/issuer.js';

export function certificateRecord(
  issued: Issued,
  owner: { orderId?: string; acmeOrderId?: string },
  issuanceId: string,
  now: Date,
): CertificateRecord & { issuanceId: string } {
  return {
    issuanceId,
    id: newId(),
    orderId: owner.orderId ?? null,
    acmeOrderId: owner.acmeOrderId ?? null,
    serialHex: issued.serialHex,
    certPem: issued.certificatePem,
    chainPem: issued.chainPem,
    issuer: issued.issuer,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    revokedAt: null,
    revocationReason: null,
    replacedBy: null,
    createdAt: now,
  };
}
