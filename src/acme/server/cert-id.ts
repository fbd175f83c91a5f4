/**
 * RFC 9773 §4.1 certificate identifiers: base64url(AKI keyIdentifier) "." base64url(serial number, the
 * DER INTEGER's content octets). Used by renewalInfo and by newOrder's `replaces`.
 */
import { loadX509, x509 } from '../../core/x509-lazy.js';
import { acmeProblems } from '../../core/problem.js';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../../core/encoding.js';
import type { CertificateRecord, Store } from '../../core/store/types.js';
import { quoted } from '../jws/flattened.js';

export interface CertId {
  /** Canonical text: re-encoded from the decoded bytes. */
  text: string;
  akiHex: string;
  /** Lower-case hex without leading zero bytes, as the certificates table stores it. */
  serialHex: string;
}

const PART = /^[A-Za-z0-9_-]+$/;

/** Lower case, leading zero bytes dropped (a positive INTEGER may carry one 0x00 before a high bit). */
export function normalizeSerialHex(hex: string): string {
  let h = hex.toLowerCase();
  if (h.length % 2) h = `0${h}`;
  while (h.length > 2 && h.startsWith('00')) h = h.slice(2);
  return h;
}

/** Parses a certID; anything else → `malformed` naming what is wrong. */
export function parseCertId(text: unknown, what = 'certID'): CertId {
  if (typeof text !== 'string' || text.length > 200) throw acmeProblems.malformed(`${what} must be a certificate identifier (RFC 9773 §4.1).`);
  const parts = text.split('.');
  if (parts.length !== 2 || !parts.every((p) => PART.test(p))) {
    throw acmeProblems.malformed(`${what} ${quoted(text)} is not base64url(AKI keyIdentifier) "." base64url(serial number).`);
  }
  let aki: Uint8Array;
  let serial: Uint8Array;
  try {
    aki = fromBase64Url(parts[0]!);
    serial = fromBase64Url(parts[1]!);
  } catch {
    throw acmeProblems.malformed(`${what} ${quoted(text)} is not base64url.`);
  }
  if (aki.length === 0 || aki.length > 64 || serial.length === 0 || serial.length > 21) {
    throw acmeProblems.malformed(`${what} ${quoted(text)} does not hold a key identifier and a serial number of plausible length.`);
  }
  return { text: `${toBase64Url(aki)}.${toBase64Url(serial)}`, akiHex: toHex(aki), serialHex: normalizeSerialHex(toHex(serial)) };
}

/** The certID of a certificate (PEM). After loadX509(). */
export function certIdOf(certPem: string): CertId {
  const cert = new x509.X509Certificate(certPem);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? '';
  const serialHex = normalizeSerialHex(cert.serialNumber);
  const serialBytes = fromHex(cert.serialNumber.toLowerCase());
  return { text: `${toBase64Url(fromHex(aki))}.${toBase64Url(serialBytes)}`, akiHex: aki.toLowerCase(), serialHex };
}

/** The stored certificate a certID names, when its serial and issuer key identifier both match. */
export async function certificateFor(store: Store, id: CertId): Promise<CertificateRecord | undefined> {
  const cert = await store.certificates.bySerial(id.serialHex);
  if (!cert) return undefined;
  await loadX509();
  return certIdOf(cert.certPem).akiHex === id.akiHex ? cert : undefined;
}
