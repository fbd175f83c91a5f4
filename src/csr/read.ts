/**
 * A customer's CSR read into what src/csr/check.ts judges, its self-signature verified. Two readers that
 * give the same answers: the lean one (src/csr/pkcs10.ts + WebCrypto, well under a millisecond) for the
 * CSRs real clients send, and @peculiar/x509 (about 3 ms) for everything else, every refusal included. The
 * lean reader answers `undefined` whenever it is not certain, so a CSR is never judged differently, only
 * faster. test/csr/pkcs10.test.ts compares the two on openssl-made CSRs.
 * Faults are `badCsr` domain errors (field "csr") with rule "unparseable" or "bad-signature".
 */
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import { withoutNewCsrLabel } from '../core/pem.js';
import { domainErrors } from '../core/errors.js';
import { fromBase64 } from '../core/encoding.js';
import { OID, readPkcs10, type GeneralNameText } from './pkcs10.js';
import { verifyPkcs10 } from './pkcs10-signature.js';
import type { CsrRule } from './check.js';

export interface ReadCsr {
  /** The request's DER as PEM, as @peculiar/x509's `toString('pem')` writes it (64-character lines). */
  pem: string;
  /** What src/core/subscriber-key.ts judges (@peculiar/x509's `publicKey`). */
  publicKey: { readonly algorithm: Algorithm };
  /** The subject's commonName values in order. */
  commonNames: string[];
  /**
   * The subjectAltName extension's names (none without it). A function: @peculiar/x509 reads the extension
   * only when asked, and a malformed one throws then, after the other checks, as before.
   */
  subjectAltNames(): GeneralNameText[];
}

export const csrFault = (rule: CsrRule, detail: string) => domainErrors.badCsr(`csr: ${detail}`, { field: 'csr', extensions: { rule } });

const LABEL = 'CERTIFICATE REQUEST';
const PEM_TEXT = /^-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+-----END (NEW )?CERTIFICATE REQUEST-----$/;
/** One block in the layout @peculiar/x509's PEM reader takes (no headers, base64 lines): the lean reader's input. */
const PEM_PLAIN = /^-----BEGIN CERTIFICATE REQUEST-----\n((?:[A-Za-z0-9+/=]+\n)+)-----END CERTIFICATE REQUEST-----$/;
/** Base64 as toBase64 writes it: padded, and the bits that padding leaves over are zero (A, Q, g, w before "=="). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** The PEM text @peculiar/x509's PemConverter writes: BEGIN, 64-character lines, END, no final newline. */
function pemOfBase64(b64: string): string {
  const lines = [`-----BEGIN ${LABEL}-----`];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.substring(i, i + 64));
  lines.push(`-----END ${LABEL}-----`);
  return lines.join('\n');
}

/** The trimmed text, or an "unparseable" fault when it is not one PEM CSR block. */
function pemText(input: string): string {
  const text = input.trim();
  if (!PEM_TEXT.test(text)) throw csrFault('unparseable', 'not a PEM-encoded PKCS#10 certificate request (BEGIN CERTIFICATE REQUEST)');
  return withoutNewCsrLabel(text);
}

/**
 * The DER of a PEM text in the plain layout (after trimming and the "NEW" label) and its base64, which is
 * then exactly toBase64(der); else undefined.
 */
function plainPem(text: string): { der: Uint8Array<ArrayBuffer>; b64: string } | undefined {
  const m = PEM_PLAIN.exec(text.replace(/\r/g, ''));
  const b64 = m?.[1]!.replace(/\n/g, '');
  return b64 !== undefined && BASE64.test(b64) ? { der: fromBase64(b64), b64 } : undefined;
}

/**
 * For the CA (src/ca/leaf.ts) when a CSR was not checked in this process: its SPKI and key, when the lean
 * reader reads it and its signature verifies; else undefined (never throws), and the CA reads it with
 * @peculiar/x509 as before.
 */
export async function readVerifiedKeyFast(pem: string): Promise<{ spki: Uint8Array; publicKey: { readonly algorithm: Algorithm } } | undefined> {
  const der = plainPem(withoutNewCsrLabel(pem.trim()))?.der;
  const req = der && readPkcs10(der);
  if (!req || (await verifyPkcs10(req)) !== true) return undefined;
  return { spki: req.key.spki, publicKey: { algorithm: req.key.algorithm as Algorithm } };
}

/** The lean reader: the CSR read and its signature verified, or undefined to leave it to @peculiar/x509. */
export async function readCsrFast(input: string): Promise<ReadCsr | undefined> {
  const plain = plainPem(pemText(input));
  const req = plain && readPkcs10(plain.der);
  if (!plain || !req) return undefined;
  // @peculiar/x509 builds a class for each requested extension it knows (key usage, basic constraints…)
  // and fails on one it cannot read: the same check on those few bytes, so such a CSR fails as before.
  if (req.otherExtensions.length > 0) await loadX509();
  for (const ext of req.otherExtensions) {
    try {
      x509.ExtensionFactory.create(new Uint8Array(ext.der));
    } catch {
      return undefined;
    }
  }
  // A signature that does not verify is left to the @peculiar/x509 reader, which words the refusal.
  if ((await verifyPkcs10(req)) !== true) return undefined;
  const sans = req.subjectAltNames ?? [];
  return {
    pem: pemOfBase64(plain.b64),
    publicKey: { algorithm: req.key.algorithm as Algorithm },
    commonNames: req.commonNames,
    subjectAltNames: () => sans,
  };
}

/** The @peculiar/x509 reader: any CSR it can read, and every refusal. */
export async function readCsrWithX509(input: string): Promise<ReadCsr> {
  await loadX509();
  const text = pemText(input);
  let csr: X509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(text);
  } catch {
    throw csrFault('unparseable', 'the PEM block does not hold a valid PKCS#10 certificate request');
  }
  let signatureOk = false;
  try {
    signatureOk = await csr.verify();
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) throw csrFault('bad-signature', 'the signature does not verify with the public key it carries');
  // Read now, not when asked: @peculiar/x509 builds every requested extension it knows and throws a plain
  // error on one it cannot read (a key usage that is no BIT STRING, a garbled SAN): that is bad input.
  let commonNames: string[];
  let sans: GeneralNameText[];
  try {
    commonNames = csr.subjectName.getField('CN');
    const ext = csr.getExtension(OID.subjectAltName);
    const san = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined;
    sans = (san?.names.items ?? []).map((gn) => ({ type: gn.type, value: gn.value }));
  } catch {
    throw csrFault('unparseable', 'the request carries a subject or a requested extension that cannot be read');
  }
  return {
    pem: csr.toString('pem'),
    publicKey: csr.publicKey,
    commonNames,
    subjectAltNames: () => sans,
  };
}

/** The CSR read and verified: by the lean reader when it can, else by @peculiar/x509. */
export async function readCsr(input: string): Promise<ReadCsr> {
  return (await readCsrFast(input)) ?? (await readCsrWithX509(input));
}
