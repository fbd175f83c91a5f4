/**
 * PKCS#10 requests whose self-signature and key were checked in this process, by their DER (base64): the
 * CA signs from a CSR that the finalize request checked moments before, and reading and verifying it a
 * second time cost about as much as signing the certificate. A hit only saves work: the bytes are the
 * same, so the result of the check is too. Public data only; bounded (oldest dropped first); per instance,
 * so a CSR checked elsewhere (another instance, before a restart) is simply checked again.
 */
import type { SubscriberKey } from './subscriber-key.js';

/**
 * ACME's finalize checks the CSR and the CA signs from it within the same request, so 64 entries cover 64
 * finalizes at once; a REST order signed long after its check (once its names are validated) may find its
 * entry gone and is checked again, about a millisecond. 512 entries held about 0.25 MB of heap for good.
 */
const MAX_ENTRIES = 64;
const verified = new Map<string, SubscriberKey>();

/** The PEM's body as one base64 string: the key of a CSR whatever its line breaks or "NEW" label. */
export function csrId(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

export function rememberVerifiedCsr(pem: string, key: SubscriberKey): void {
  const id = csrId(pem);
  verified.delete(id);
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(id, key);
}

/** The checked key of this CSR, if its signature and key were verified here already. */
export function verifiedCsrKey(pem: string): SubscriberKey | undefined {
  return verified.get(csrId(pem));
}
