/**
 * What loadCa needs from the embedded CA's own two certificates, read from their DER with src/core/der.ts
 * instead of @peculiar/x509, so that loading the CA at start does not load that library (src/core/x509-lazy.ts):
 * the TBS and its ECDSA signature, the ECDSA key (P-256 or P-384), validity, subject, basic constraints and
 * subject key identifier (RFC 5280 §4.1, §4.2.1.2, §4.2.1.9).
 *
 * Hand-written because the job is small and fixed: the certificates are the CA's own, made by
 * src/ca/hierarchy.ts. Anything this reader does not handle (another key or signature algorithm, a form it
 * does not expect) gives undefined, and loadCa then reads the certificates with @peculiar/x509 as before.
 */
import { children, parse, TAG, type Tlv } from '../core/der.js';
import { pemBlocks } from '../core/pem.js';
import { toHex } from '../core/encoding.js';
import { ecdsaSignatureToP1363 } from '../csr/pkcs10-signature.js';
import { FIELD_BYTES } from '../core/signature-engine.js';
import type { CaCurve } from './algorithms.js';

const OID = {
  ecPublicKey: '2a8648ce3d0201',
  'P-256': '2a8648ce3d030107',
  'P-384': '2b81040022',
  ecdsaWithSha256: '2a8648ce3d040302',
  ecdsaWithSha384: '2a8648ce3d040303',
  basicConstraints: '551d13',
  subjectKeyIdentifier: '551d0e',
} as const;


export interface CaCertificateInfo {
  /** The whole certificate. */
  der: Uint8Array;
  /** The TBSCertificate as signed (header included). */
  tbs: Uint8Array;
  /** The signature as WebCrypto takes it (r ‖ s), with its hash. */
  signature: { hash: 'SHA-256' | 'SHA-384'; value: Uint8Array };
  subjectDer: Uint8Array;
  /** The subject as text, as @peculiar/x509 writes it ("C=DE, O=…, CN=…"); undefined for a name it does not write here. */
  subjectText: string | undefined;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo (DER) and the curve of its ECDSA key. */
  spki: Uint8Array;
  curve: CaCurve;
  /** basicConstraints cA. */
  isCa: boolean;
  /** The subject key identifier (hex), if the certificate has one. */
  keyIdHex: string | undefined;
}

/** UTCTime (YYMMDDHHMMSSZ; 50–99 are 19xx, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function timeOf(t: Tlv): Date {
  const s = new TextDecoder().decode(t.content);
  const m =
    t.tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : t.tag === TAG.GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) throw new Error('not a UTCTime or GeneralizedTime in Z form');
  let year = Number(m[1]);
  if (t.tag === TAG.UTC_TIME) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The attribute types of the CA's names, by OID content (hex). */
const NAME_TYPES: Record<string, string> = { '550403': 'CN', '550406': 'C', '55040a': 'O', '55040b': 'OU', '550407': 'L', '550408': 'ST' };
const STRING_TAGS = new Set<number>([TAG.UTF8_STRING, TAG.PRINTABLE_STRING]);
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/**
 * A Name (RFC 5280 §4.1.2.4) as text in @peculiar/x509's form (RDNs joined by ", ", multi-valued ones by
 * "+", RFC 4514's escapes), for the attribute types and string kinds the CA's own names use; undefined
 * for anything else.
 */
function nameText(name: Tlv): string | undefined {
  const rdns: string[] = [];
  for (const rdn of children(name.content)) {
    if (rdn.tag !== TAG.SET) return undefined;
    const parts: string[] = [];
    for (const atv of children(rdn.content)) {
      const [type, value] = children(atv.content);
      const typeName = type?.tag === TAG.OID ? NAME_TYPES[toHex(type.content)] : undefined;
      if (!typeName || !value || !STRING_TAGS.has(value.tag)) return undefined;
      const text = utf8Fatal.decode(value.content);
      if (/[\r\n\t]/.test(text)) return undefined;
      const escaped = text.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/([ ]$)/, '\\$1');
      parts.push(`${typeName}=${escaped}`);
    }
    rdns.push(parts.join('+'));
  }
  return rdns.join(', ');
}

const hexOf = (t: Tlv | undefined, tag: number) => {
  if (!t || t.tag !== tag) throw new Error('unexpected field');
  return toHex(t.content);
};

/** The certificate's fields, or undefined when it is not an ECDSA (P-256/P-384) certificate read here. */
export function readCaCertificate(pem: string): CaCertificateInfo | undefined {
  try {
    const blocks = pemBlocks(pem, 'CERTIFICATE');
    if (blocks.length !== 1) return undefined;
    const der = blocks[0]!.der;
    const cert = parse(der);
    const [tbs, sigAlg, sigBits] = children(cert.content);
    if (cert.tag !== TAG.SEQUENCE || !tbs || tbs.tag !== TAG.SEQUENCE || !sigAlg || !sigBits || sigBits.tag !== TAG.BIT_STRING) return undefined;
    const sigOid = hexOf(children(sigAlg.content)[0], TAG.OID);
    const hash = sigOid === OID.ecdsaWithSha256 ? 'SHA-256' : sigOid === OID.ecdsaWithSha384 ? 'SHA-384' : undefined;
    if (!hash || sigBits.content[0] !== 0) return undefined;

    // version [0], serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ... [3] extensions
    const fields = children(tbs.content);
    const at = fields[0]?.tag === TAG.CTX0 ? 1 : 0;
    const [, , , validity, subject, spki] = fields.slice(at);
    if (!validity || !subject || !spki || subject.tag !== TAG.SEQUENCE || spki.tag !== TAG.SEQUENCE) return undefined;
    const [notBefore, notAfter] = children(validity.content);
    const [keyAlg] = children(spki.content);
    const [keyOid, curveOid] = children(keyAlg!.content);
    if (hexOf(keyOid, TAG.OID) !== OID.ecPublicKey) return undefined;
    const curveHex = hexOf(curveOid, TAG.OID);
    const curve: CaCurve | undefined = curveHex === OID['P-256'] ? 'P-256' : curveHex === OID['P-384'] ? 'P-384' : undefined;
    if (!curve) return undefined;

    let isCa = false;
    let keyIdHex: string | undefined;
    const extensions = fields.find((f) => f.tag === TAG.CTX3);
    for (const ext of extensions ? children(parse(extensions.content).content) : []) {
      const parts = children(ext.content);
      const oid = hexOf(parts[0], TAG.OID);
      const value = parts[parts.length - 1]!;
      if (value.tag !== TAG.OCTET_STRING) return undefined;
      if (oid === OID.basicConstraints) {
        const first = children(parse(value.content).content)[0];
        isCa = first?.tag === TAG.BOOLEAN && first.content[0] !== 0;
      } else if (oid === OID.subjectKeyIdentifier) {
        keyIdHex = hexOf(parse(value.content), TAG.OCTET_STRING);
      }
    }
    return {
      der,
      tbs: tbs.bytes,
      signature: { hash, value: sigBits.content.subarray(1) },
      subjectDer: subject.bytes,
      subjectText: nameText(subject),
      notBefore: timeOf(notBefore!),
      notAfter: timeOf(notAfter!),
      spki: spki.bytes,
      curve,
      isCa,
      keyIdHex,
    };
  } catch {
    return undefined;
  }
}

/** Whether `cert` is signed by the key of `issuer` (ECDSA, WebCrypto). */
export async function signedBy(cert: CaCertificateInfo, issuer: CaCertificateInfo): Promise<boolean> {
  const signature = ecdsaSignatureToP1363(cert.signature.value, FIELD_BYTES[issuer.curve]);
  if (!signature) return false;
  const key = await crypto.subtle.importKey('spki', issuer.spki as BufferSource, { name: 'ECDSA', namedCurve: issuer.curve }, false, ['verify']);
  return crypto.subtle.verify({ name: 'ECDSA', hash: cert.signature.hash }, key, signature, cert.tbs as BufferSource);
}
