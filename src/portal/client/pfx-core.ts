/**
 * A PKCS#12 (.pfx) file made in the browser, for IIS and the Windows certificate store: the certificate and
 * its chain plus the customer's private key, protected by a passphrase. The key is read, checked against the
 * certificate and encrypted here; nothing is sent anywhere (the page's CSP allows no request).
 *
 * The layout is what `openssl pkcs12 -export` (OpenSSL 3) writes by default, which Windows 10 1709+,
 * Windows Server 2019+ and every current OpenSSL read:
 *   - the key as a pkcs8ShroudedKeyBag, PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), RFC 8018;
 *   - the certificates as certBags (not encrypted: they are public);
 *   - localKeyID (SHA-1 of the leaf) pairing key and leaf, friendlyName on both;
 *   - an HMAC-SHA256 integrity MAC keyed with the PKCS#12 key derivation (RFC 7292 Appendix B).
 * The ASN.1 structures are @peculiar/asn1-pfx's (with asn1-pkcs8, asn1-cms, asn1-rsa); WebCrypto does
 * PBKDF2, AES and HMAC. Only the RFC 7292 Appendix B derivation is written here: WebCrypto has no such
 * algorithm and no maintained browser library exposes it alone (pkijs has it inside its PKCS#12 classes,
 * and is not a dependency of this project).
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ContentInfo, id_data } from '@peculiar/asn1-cms';
import { EncryptedData } from '@peculiar/asn1-pkcs8';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AuthenticatedSafe, CertBag, MacData, PFX, PKCS12Attribute, PKCS8ShroudedKeyBag, SafeBag, SafeContents, id_certBag, id_pkcs8ShroudedKeyBag, id_x509Certificate } from '@peculiar/asn1-pfx';
import { pemBlocks } from '../../core/pem.js';
import { x509 } from '../../core/x509.js';
import { concat, oidToDer, tlv, TAG } from '../../core/der.js';
import { importPrivateKey, CsrToolError } from './csr-core.js';

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;

/** PBKDF2 rounds for the key (OpenSSL 3 uses 2048; more costs the customer nothing noticeable here). */
export const PBKDF2_ITERATIONS = 100_000;
/** Rounds of the PKCS#12 MAC derivation (OpenSSL's default). */
export const MAC_ITERATIONS = 2048;

export interface PfxInput {
  /** The certificate, then its chain (PEM, as the "full chain" download). */
  certificatesPem: string;
  /** The private key file's text (PKCS#8, PKCS#1 RSA or SEC1 EC PEM, unencrypted). */
  keyPem: string;
  passphrase: string;
  /** Shown by Windows and IIS as the certificate's friendly name. */
  friendlyName: string;
}

const bytes = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? b : new Uint8Array(b));
const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const bmpString = (s: string) => {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[i * 2] = s.charCodeAt(i) >> 8;
    out[i * 2 + 1] = s.charCodeAt(i) & 0xff;
  }
  return out;
};

/** RFC 7292 Appendix B.2 with SHA-256 (u = 32, v = 64): `n` bytes of key material of purpose `id` (3 = MAC key). */
export async function pkcs12Kdf(password: string, salt: Uint8Array, id: number, iterations: number, n: number): Promise<Uint8Array> {
  const u = 32;
  const v = 64;
  const pw = concat(bmpString(password), new Uint8Array(2));
  const fill = (src: Uint8Array) => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = concat(fill(salt), fill(pw));
  const D = new Uint8Array(v).fill(id);
  const out = new Uint8Array(n);
  for (let done = 0; done < n; ) {
    let A = bytes(await crypto.subtle.digest('SHA-256', concat(D, I)));
    for (let r = 1; r < iterations; r++) A = bytes(await crypto.subtle.digest('SHA-256', A as BufferSource));
    out.set(A.subarray(0, Math.min(u, n - done)), done);
    done += u;
    if (done >= n) break;
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      // I_j = (I_j + B + 1) mod 2^(8v)
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}

/** PKCS#8 EncryptedPrivateKeyInfo under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC). */
async function shroud(pkcs8: Uint8Array, passphrase: string): Promise<PKCS8ShroudedKeyBag> {
  const salt = random(16);
  const iv = random(16);
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  const aes = await crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS },
    base,
    { name: 'AES-CBC', length: 256 },
    false,
    ['encrypt'],
  );
  const encrypted = bytes(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, aes, pkcs8 as BufferSource));
  const int = (x: number) => {
    const b: number[] = [];
    for (let y = x; y > 0; y = Math.floor(y / 256)) b.unshift(y & 0xff);
    if ((b[0] ?? 0x80) & 0x80) b.unshift(0);
    return tlv(TAG.INTEGER, new Uint8Array(b));
  };
  const algo = (oid: string, params: Uint8Array) => tlv(TAG.SEQUENCE, oidToDer(oid), params);
  const pbkdf2Params = tlv(TAG.SEQUENCE, tlv(TAG.OCTET_STRING, salt), int(PBKDF2_ITERATIONS), algo(OID.hmacWithSHA256, new Uint8Array([TAG.NULL, 0])));
  const pbes2Params = tlv(TAG.SEQUENCE, algo(OID.pbkdf2, pbkdf2Params), algo(OID.aes256Cbc, tlv(TAG.OCTET_STRING, iv)));
  return new PKCS8ShroudedKeyBag({
    encryptionAlgorithm: new AlgorithmIdentifier({ algorithm: OID.pbes2, parameters: buf(pbes2Params) }),
    encryptedData: new EncryptedData(buf(encrypted)),
  });
}

/** Set after construction: @peculiar/asn1-pfx 2.11's PKCS12Attribute constructor drops its parameters (`Object.assign(params)`). */
function attribute(attrId: string, value: Uint8Array): PKCS12Attribute {
  const a = new PKCS12Attribute();
  a.attrId = attrId;
  a.attrValues = [buf(value)];
  return a;
}
const dataContent = (der: ArrayBuffer) => new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(der)) });

/** Whether two public keys (as WebCrypto JWKs) are the same key. */
const sameKey = (a: JsonWebKey, b: JsonWebKey) => a.kty === b.kty && (a.kty === 'RSA' ? a.n === b.n && a.e === b.e : a.crv === b.crv && a.x === b.x && a.y === b.y);

/** Builds the .pfx; throws CsrToolError with a sentence for the customer when the input is not usable. */
export async function makePfx(input: PfxInput): Promise<Uint8Array> {
  if (input.passphrase.length < 8) throw new CsrToolError('Choose a passphrase of at least 8 characters: Windows asks for it when you import the file.');
  let certs: Uint8Array[];
  try {
    certs = pemBlocks(input.certificatesPem)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
  } catch {
    certs = [];
  }
  if (certs.length === 0) throw new CsrToolError('No certificate found on this page: reload the order and try again.');
  const material = await importPrivateKey(input.keyPem);
  const leaf = new x509.X509Certificate(buf(certs[0]!));
  const leafKey = await leaf.publicKey.export(
    material.signingAlgorithm.name === 'ECDSA'
      ? { name: 'ECDSA', namedCurve: (material.keys.privateKey.algorithm as EcKeyAlgorithm).namedCurve }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    ['verify'],
  ).catch(() => undefined);
  const [mine, theirs] = await Promise.all([
    crypto.subtle.exportKey('jwk', material.keys.publicKey),
    leafKey ? crypto.subtle.exportKey('jwk', leafKey) : Promise.resolve({} as JsonWebKey),
  ]);
  if (!sameKey(mine, theirs)) {
    throw new CsrToolError('This private key does not belong to this certificate. Choose the key file of this order (the one its CSR was made with).');
  }
  const pkcs8 = bytes(await crypto.subtle.exportKey('pkcs8', material.keys.privateKey));

  const localKeyId = bytes(await crypto.subtle.digest('SHA-1', certs[0]! as BufferSource));
  const idAttr = attribute(OID.localKeyId, tlv(TAG.OCTET_STRING, localKeyId));
  const nameAttr = attribute(OID.friendlyName, tlv(0x1e, bmpString(input.friendlyName.slice(0, 64))));

  const certBags = certs.map(
    (der, i) =>
      new SafeBag({
        bagId: id_certBag,
        bagValue: AsnConvert.serialize(new CertBag({ certId: id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(buf(der))) })),
        bagAttributes: i === 0 ? [nameAttr, idAttr] : undefined,
      }),
  );
  const keyBag = new SafeBag({
    bagId: id_pkcs8ShroudedKeyBag,
    bagValue: AsnConvert.serialize(await shroud(pkcs8, input.passphrase)),
    bagAttributes: [nameAttr, idAttr],
  });
  pkcs8.fill(0);

  const authSafe = AsnConvert.serialize(
    new AuthenticatedSafe([dataContent(AsnConvert.serialize(new SafeContents(certBags))), dataContent(AsnConvert.serialize(new SafeContents([keyBag])))]),
  );

  const macSalt = random(16);
  const macKey = await crypto.subtle.importKey(
    'raw',
    (await pkcs12Kdf(input.passphrase, macSalt, 3, MAC_ITERATIONS, 32)) as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', macKey, authSafe);
  const pfx = new PFX({
    version: 3,
    authSafe: dataContent(authSafe),
    macData: new MacData({
      mac: new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null }), digest: new OctetString(mac) }),
      macSalt: new OctetString(buf(macSalt)),
      iterations: MAC_ITERATIONS,
    }),
  });
  return bytes(AsnConvert.serialize(pfx));
}
