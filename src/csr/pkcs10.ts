/**
 * A lean reader of PKCS#10 certification requests (RFC 2986) for the check of a customer's CSR
 * (src/csr/check.ts). Hand-written on core/der because @peculiar/x509 over asn1js cost about 3 ms of CPU
 * per CSR (issue 10: one CSR parse per request) and no small library reads PKCS#10 without asn1js.
 *
 * It reads only the shape that real clients send, in strict DER, and answers `undefined` for anything
 * else: the caller then reads the CSR with @peculiar/x509 as before, so an unusual CSR can only be slower,
 * never judged differently. Read here:
 *   CertificationRequest ::= SEQUENCE { CertificationRequestInfo, AlgorithmIdentifier, BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name, SubjectPublicKeyInfo,
 *                                           attributes [0] (at most one extensionRequest attribute) }
 * with an rsaEncryption (NULL parameters) or id-ecPublicKey P-256/P-384 key, signed with
 * sha{256,384,512}WithRSAEncryption or ecdsa-with-SHA{256,384,512}; subject values of the string types
 * @peculiar/x509 reads as text; subjectAltName names of type dNSName, iPAddress (4 or 16 octets),
 * rfc822Name and URI (ASCII), at most one such extension, critical flag absent or TRUE.
 * Strings are decoded exactly as asn1js decodes them, so the values equal what @peculiar/x509 returns.
 */
import { children, GENERAL_NAME, oidToStringStrict, parse, TAG, type Tlv } from '../core/der.js';

export interface Pkcs10Key {
  /** The SubjectPublicKeyInfo TLV. */
  spki: Uint8Array;
  /**
   * The key as WebCrypto imports it fastest: an RSA key's modulus and exponent (magnitudes), an EC key's
   * point (the subjectPublicKey bits, for importKey('raw', …)).
   */
  material: { n: Uint8Array; e: Uint8Array } | { point: Uint8Array };
  /** As @peculiar/x509's `publicKey.algorithm`: what src/core/subscriber-key.ts judges. */
  algorithm:
    | { name: 'RSASSA-PKCS1-v1_5'; modulusLength: number; publicExponent: Uint8Array }
    | { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384' };
}

/** A GeneralName as @peculiar/x509 types it ("dns", "ip", "email", "url") with its text. */
export interface GeneralNameText {
  type: string;
  value: string;
}

export interface Pkcs10 {
  /** The CertificationRequestInfo TLV: the bytes the signature covers. */
  info: Uint8Array;
  signatureAlgorithm: { oid: string; parameters: Uint8Array | undefined };
  /** The signature BIT STRING's bits (without the unused-bits octet). */
  signature: Uint8Array;
  key: Pkcs10Key;
  /** The subject's commonName values in order, as @peculiar/x509's `subjectName.getField('CN')`. */
  commonNames: string[];
  /** The subjectAltName extension's names in order; undefined without that extension. */
  subjectAltNames: GeneralNameText[] | undefined;
  /** The other requested extensions: their OID and Extension TLV. */
  otherExtensions: { oid: string; der: Uint8Array }[];
}

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

/** Signature algorithms read here: OID → WebCrypto name and hash. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: 'RSASSA-PKCS1-v1_5' | 'ECDSA'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }> = {
  '1.2.840.113549.1.1.11': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA', hash: 'SHA-512' },
};


/** Thrown inside the reader for a shape it does not read; never leaves this module. */
class NotRead extends Error {}

function need(ok: boolean): asserts ok {
  if (!ok) throw new NotRead();
}

const strictChildren = (t: Tlv): Tlv[] => children(t.content, true);

function oid(t: Tlv | undefined): string {
  need(t?.tag === TAG.OID);
  const dotted = oidToStringStrict(t.content);
  need(dotted !== undefined);
  return dotted;
}

/** A positive INTEGER in its shortest form: its content bytes. */
function positiveInteger(t: Tlv | undefined): Uint8Array {
  need(t?.tag === TAG.INTEGER && t.content.length > 0);
  const c = t.content;
  need((c[0]! & 0x80) === 0);
  need(!(c[0] === 0 && (c.length === 1 || (c[1]! & 0x80) === 0)));
  return c;
}

/** A BIT STRING without unused bits: its bits. */
function bits(t: Tlv | undefined): Uint8Array {
  need(t?.tag === TAG.BIT_STRING && t.content.length > 0 && t.content[0] === 0);
  return t.content.subarray(1);
}

/** asn1js reads PrintableString, TeletexString and IA5String a byte a character (String.fromCharCode). */
const byteChars = (b: Uint8Array): string => {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
};
const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A subject attribute's value as @peculiar/x509 returns it (DirectoryString and IA5String). asn1js decodes a
 * UTF8String with decodeURIComponent (the same strict UTF-8 as a fatal TextDecoder, byte order mark kept)
 * and a BMPString as big-endian UTF-16 code units; anything else is left to the fallback.
 */
function directoryString(t: Tlv): string {
  switch (t.tag) {
    case TAG.PRINTABLE_STRING:
    case TAG.TELETEX_STRING:
    case TAG.IA5_STRING:
      return byteChars(t.content);
    case TAG.UTF8_STRING:
      try {
        return utf8Fatal.decode(t.content);
      } catch {
        throw new NotRead();
      }
    case TAG.BMP_STRING: {
      need(t.content.length % 2 === 0);
      let s = '';
      for (let i = 0; i < t.content.length; i += 2) s += String.fromCharCode((t.content[i]! << 8) | t.content[i + 1]!);
      return s;
    }
    default:
      throw new NotRead();
  }
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value }: the commonName values, every value read. */
function commonNamesOf(name: Tlv): string[] {
  need(name.tag === TAG.SEQUENCE);
  const out: string[] = [];
  for (const rdn of strictChildren(name)) {
    need(rdn.tag === TAG.SET);
    const atvs = strictChildren(rdn);
    need(atvs.length > 0);
    for (const atv of atvs) {
      need(atv.tag === TAG.SEQUENCE);
      const [type, value, ...rest] = strictChildren(atv);
      need(value !== undefined && rest.length === 0);
      const text = directoryString(value);
      if (oid(type) === OID.commonName) out.push(text);
    }
  }
  return out;
}

function keyOf(spki: Tlv): Pkcs10Key {
  need(spki.tag === TAG.SEQUENCE);
  const [alg, key, ...rest] = strictChildren(spki);
  need(alg?.tag === TAG.SEQUENCE && rest.length === 0);
  const [algOid, params, ...more] = strictChildren(alg);
  need(params !== undefined && more.length === 0);
  const keyBits = bits(key);
  switch (oid(algOid)) {
    case OID.rsaEncryption: {
      need(params.tag === TAG.NULL && params.content.length === 0);
      const rsa = parse(keyBits, true);
      need(rsa.tag === TAG.SEQUENCE);
      const [n, e, ...extra] = strictChildren(rsa);
      need(extra.length === 0);
      const modulus = positiveInteger(n);
      const publicExponent = positiveInteger(e);
      // @peculiar/x509's modulusLength: the modulus's octets (without the sign octet) times 8.
      const modulusLength = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
      const magnitude = (i: Uint8Array) => (i[0] === 0 ? i.subarray(1) : i);
      return {
        spki: spki.bytes,
        material: { n: magnitude(modulus), e: magnitude(publicExponent) },
        algorithm: { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent },
      };
    }
    case OID.ecPublicKey: {
      const curve = oid(params);
      need(curve === OID.p256 || curve === OID.p384);
      return { spki: spki.bytes, material: { point: keyBits }, algorithm: { name: 'ECDSA', namedCurve: curve === OID.p256 ? 'P-256' : 'P-384' } };
    }
    default:
      throw new NotRead();
  }
}

/** IPv6 text as @peculiar/asn1-x509 writes it: lower-case groups, the first longest run (>1) of zeros as "::". */
function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

const ascii = (b: Uint8Array): string => {
  need(b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f));
  return byteChars(b);
};

/** SubjectAltName ::= GeneralNames: the names read here, in order. */
function generalNames(extnValue: Uint8Array): GeneralNameText[] {
  const seq = parse(extnValue, true);
  need(seq.tag === TAG.SEQUENCE);
  const names = strictChildren(seq);
  need(names.length > 0);
  return names.map((gn): GeneralNameText => {
    switch (gn.tag) {
      case GENERAL_NAME.dNSName:
        return { type: 'dns', value: ascii(gn.content) };
      case GENERAL_NAME.iPAddress:
        need(gn.content.length === 4 || gn.content.length === 16);
        return { type: 'ip', value: gn.content.length === 4 ? Array.from(gn.content).join('.') : ipv6Text(gn.content) };
      case GENERAL_NAME.rfc822Name:
        return { type: 'email', value: ascii(gn.content) };
      case GENERAL_NAME.uri:
        return { type: 'url', value: ascii(gn.content) };
      default:
        throw new NotRead();
    }
  });
}

/** attributes [0]: nothing, or one extensionRequest attribute holding one Extensions value. */
function extensionsOf(attributes: Tlv): { san: GeneralNameText[] | undefined; others: { oid: string; der: Uint8Array }[] } {
  need(attributes.tag === TAG.CTX0);
  const attrs = strictChildren(attributes);
  need(attrs.length <= 1);
  const others: { oid: string; der: Uint8Array }[] = [];
  let san: GeneralNameText[] | undefined;
  if (attrs.length === 0) return { san, others };
  need(attrs[0]!.tag === TAG.SEQUENCE);
  const [type, values, ...rest] = strictChildren(attrs[0]!);
  need(oid(type) === OID.extensionRequest && values?.tag === TAG.SET && rest.length === 0);
  const [extensions, ...moreValues] = strictChildren(values);
  need(extensions?.tag === TAG.SEQUENCE && moreValues.length === 0);
  const list = strictChildren(extensions);
  need(list.length > 0);
  for (const ext of list) {
    need(ext.tag === TAG.SEQUENCE);
    const parts = strictChildren(ext);
    need(parts.length === 2 || parts.length === 3);
    const extnId = oid(parts[0]);
    if (parts.length === 3) {
      // DER leaves out a FALSE critical flag (DEFAULT): present, it is TRUE written as 0xFF.
      need(parts[1]!.tag === TAG.BOOLEAN && parts[1]!.content.length === 1 && parts[1]!.content[0] === 0xff);
    }
    const value = parts[parts.length - 1]!;
    need(value.tag === TAG.OCTET_STRING);
    if (extnId === OID.subjectAltName) {
      need(san === undefined);
      san = generalNames(value.content);
    } else {
      others.push({ oid: extnId, der: ext.bytes });
    }
  }
  return { san, others };
}

/** The request's parts, or undefined when it is not in the shape read here (see the top of this file). */
export function readPkcs10(der: Uint8Array): Pkcs10 | undefined {
  try {
    const csr = parse(der, true);
    need(csr.tag === TAG.SEQUENCE);
    const [info, sigAlg, sig, ...rest] = strictChildren(csr);
    need(info?.tag === TAG.SEQUENCE && sigAlg?.tag === TAG.SEQUENCE && rest.length === 0);
    const [version, subject, spki, attributes, ...more] = strictChildren(info);
    need(version?.tag === TAG.INTEGER && version.content.length === 1 && version.content[0] === 0);
    need(subject !== undefined && spki !== undefined && attributes !== undefined && more.length === 0);
    const [sigOid, sigParams, ...sigRest] = strictChildren(sigAlg);
    need(sigRest.length === 0);
    const { san, others } = extensionsOf(attributes);
    return {
      info: info.bytes,
      signatureAlgorithm: { oid: oid(sigOid), parameters: sigParams?.bytes },
      signature: bits(sig),
      key: keyOf(spki),
      commonNames: commonNamesOf(subject),
      subjectAltNames: san,
      otherExtensions: others,
    };
  } catch {
    // NotRead, or a DER error from core/der: not a shape read here.
    return undefined;
  }
}
