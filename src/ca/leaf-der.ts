/**
 * The leaf certificate in DER, written from a per-CA template instead of through @peculiar/x509's generator.
 *
 * Hand-written on purpose: @peculiar/x509 builds every certificate as a tree of ASN.1 schema objects
 * (asn1js), serializes it, then parses the result back into an X509Certificate; in the issuance profile
 * that was the largest single cost of a finalize. Almost all of a leaf's TBSCertificate is the same for
 * every leaf of one CA: version, signature algorithm, issuer, and the extensions shared by all leaves
 * (built once with @peculiar/x509 and kept as DER in the template). What varies is written here with the
 * small DER writer of src/core/der.ts: serial number, validity, subject, the CSR's SubjectPublicKeyInfo
 * (copied as is), the SAN and the subject key identifier. The layout is RFC 5280 §4.1; the tests check
 * the result with openssl and @peculiar/x509.
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { children, ecdsaSignatureToDer, GENERAL_NAME, oidToDer as oid, parse, tlv, TAG } from '../core/der.js';
import { fromBase64, fromHex, utf8 } from '../core/encoding.js';
import { parseIpAddress } from '../core/ip.js';
import { signatures } from '../core/signature-engine.js';
import { x509, type X509 } from '../core/x509-lazy.js';
import type { CaSigning } from './algorithms.js';

const BOOLEAN_TRUE = new Uint8Array([0x01, 0x01, 0xff]);
/** [0] EXPLICIT Version v3 (2). */
const VERSION_V3 = new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x02]);
const OID_SAN = new Uint8Array([0x06, 0x03, 0x55, 0x1d, 0x11]);
const OID_SKI = new Uint8Array([0x06, 0x03, 0x55, 0x1d, 0x0e]);
const OID_CN = new Uint8Array([0x06, 0x03, 0x55, 0x04, 0x03]);

/** The SubjectPublicKeyInfo of a PKCS#10 request, as its DER bytes (CertificationRequestInfo's third field). */
export function csrSpki(csrDer: Uint8Array): Uint8Array {
  const info = children(parse(csrDer).content)[0]!;
  return children(info.content)[2]!.bytes;
}

/** The DER of a PEM block's body (labels and line breaks dropped). */
export function pemBody(pem: string): Uint8Array {
  return fromBase64(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, "Z". */
function time(d: Date): Uint8Array {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
  const year = d.getUTCFullYear();
  return year < 2050 ? tlv(TAG.UTC_TIME, utf8.encode(`${digits.slice(2)}Z`)) : tlv(TAG.GENERALIZED_TIME, utf8.encode(`${digits}Z`));
}

function extension(oid: Uint8Array, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? tlv(TAG.SEQUENCE, oid, BOOLEAN_TRUE, tlv(TAG.OCTET_STRING, value)) : tlv(TAG.SEQUENCE, oid, tlv(TAG.OCTET_STRING, value));
}

/** subjectAltName: DNS names then IP addresses; critical when the subject is empty (RFC 5280 §4.2.1.6). */
export function sanExtension(dnsNames: string[], ips: string[], critical: boolean): Uint8Array {
  const names = [
    ...dnsNames.map((n) => tlv(GENERAL_NAME.dNSName, utf8.encode(n))),
    ...ips.map((ip) => {
      const parsed = parseIpAddress(ip);
      if (!parsed) throw new Error(`not an IP address: ${ip}`);
      return tlv(GENERAL_NAME.iPAddress, parsed.bytes);
    }),
  ];
  return extension(OID_SAN, critical, tlv(TAG.SEQUENCE, ...names));
}

const KEY_USAGE = { digitalSignature: 0x80, keyEncipherment: 0x20 } as const;

/**
 * The extensions every leaf of one CA and URL pair shares (RFC 5280 §4.2.1), as DER, in the bytes
 * @peculiar/x509's extension classes write (test/ca/leaf-der.test.ts compares them): written here so that
 * signing a DV leaf does not load that library (src/core/x509-lazy.ts).
 */
export const sharedExtensions = {
  /** basicConstraints, critical, cA false (the default, so an empty SEQUENCE). */
  basicConstraints: () => extension(oid('2.5.29.19'), true, tlv(TAG.SEQUENCE)),
  /** extKeyUsage serverAuth, not critical. */
  serverAuth: () => extension(oid('2.5.29.37'), false, tlv(TAG.SEQUENCE, oid('1.3.6.1.5.5.7.3.1'))),
  /** authorityKeyIdentifier with keyIdentifier [0] only. */
  authorityKeyId: (keyIdHex: string) => extension(oid('2.5.29.35'), false, tlv(TAG.SEQUENCE, tlv(0x80, fromHex(keyIdHex)))),
  /** authorityInfoAccess with one caIssuers URI. */
  caIssuers: (url: string) =>
    extension(oid('1.3.6.1.5.5.7.1.1'), false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, oid('1.3.6.1.5.5.7.48.2'), tlv(GENERAL_NAME.uri, utf8.encode(url))))),
  /** cRLDistributionPoints: one DistributionPoint whose fullName is one URI. */
  crlDistributionPoint: (url: string) =>
    extension(oid('2.5.29.31'), false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(0xa0, tlv(0xa0, tlv(GENERAL_NAME.uri, utf8.encode(url))))))),
  /** keyUsage, critical: digitalSignature, and keyEncipherment for RSA keys. */
  keyUsage: (keyEncipherment: boolean) => {
    const bits = KEY_USAGE.digitalSignature | (keyEncipherment ? KEY_USAGE.keyEncipherment : 0);
    // BIT STRING: the count of unused trailing bits, then the bits.
    const unused = keyEncipherment ? 5 : 7;
    return extension(oid('2.5.29.15'), true, tlv(TAG.BIT_STRING, new Uint8Array([unused, bits])));
  },
  /** certificatePolicies with one policy and no qualifiers. */
  policy: (policyOid: string) => extension(oid('2.5.29.32'), false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, oid(policyOid)))),
};

/** subjectKeyIdentifier, RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function skiExtension(spki: Uint8Array): Uint8Array {
  const bits = children(parse(spki).content)[1]!;
  if (bits.tag !== TAG.BIT_STRING) throw new Error('SubjectPublicKeyInfo without a BIT STRING key');
  return extension(OID_SKI, false, tlv(TAG.OCTET_STRING, sha1(bits.content.subarray(1))));
}

/** A subject of one CN (DV): RDNSequence { SET { AttributeTypeAndValue { cn, UTF8String } } }. */
function cnOnlySubject(cn: string): Uint8Array {
  return tlv(TAG.SEQUENCE, tlv(TAG.SET, tlv(TAG.SEQUENCE, OID_CN, tlv(TAG.UTF8_STRING, utf8.encode(cn)))));
}

/** The DER of an empty subject or a CN alone (DV), written here; undefined for any other subject. */
export function leanSubjectDer(subject: X509.JsonName): Uint8Array | undefined {
  if (subject.length === 0) return new Uint8Array([TAG.SEQUENCE, 0x00]);
  const only = subject.length === 1 ? subject[0]! : undefined;
  const keys = only ? Object.keys(only) : [];
  if (only && keys.length === 1 && keys[0] === 'CN' && only.CN!.length === 1) return cnOnlySubject(only.CN![0]!);
  return undefined;
}

/** The subject's DER: leanSubjectDer's, or (OV/EV) through @peculiar/x509's Name, after loadX509(). */
export function subjectDer(subject: X509.JsonName): Uint8Array {
  return leanSubjectDer(subject) ?? new Uint8Array(new x509.Name(subject).toArrayBuffer());
}

export interface LeafTbs {
  serial: Uint8Array;
  /** The issuer's signature AlgorithmIdentifier (CaSigning.algorithmIdentifier). */
  signatureAlgorithm: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subject: Uint8Array;
  spki: Uint8Array;
  /** Each Extension's DER, in order. */
  extensions: Uint8Array[];
}

export function tbsCertificate(t: LeafTbs): Uint8Array<ArrayBuffer> {
  return tlv(
    TAG.SEQUENCE,
    VERSION_V3,
    tlv(TAG.INTEGER, t.serial),
    t.signatureAlgorithm,
    t.issuer,
    tlv(TAG.SEQUENCE, time(t.notBefore), time(t.notAfter)),
    t.subject,
    t.spki,
    tlv(TAG.CTX3, tlv(TAG.SEQUENCE, ...t.extensions)),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export async function signTbs(tbs: Uint8Array<ArrayBuffer>, key: CryptoKey, signing: CaSigning): Promise<Uint8Array<ArrayBuffer>> {
  const p1363 = await signatures().signEcdsa(key, signing.signature.hash, tbs);
  return tlv(TAG.SEQUENCE, tbs, signing.algorithmIdentifier, tlv(TAG.BIT_STRING, new Uint8Array([0]), ecdsaSignatureToDer(p1363)));
}

