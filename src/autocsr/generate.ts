/**
 * AutoCSR: an RSA-2048 key pair from the platform CSPRNG (WebCrypto) and a SHA-256 CSR built from the
 * order's names and organisation. The private key leaves this module only as PKCS#8 PEM, to be sealed into
 * the key archive at once; nothing here stores or logs it.
 */
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import { toPem } from '../core/pem.js';
import { tlv, TAG } from '../core/der.js';
import { utf8 } from '../core/encoding.js';
import type { Organization } from '../core/store/types.js';

const RSA_2048: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
};

export interface AutoCsrResult {
  csrPem: string;
  privateKeyPem: string;
}

export function subjectOf(commonName: string, org: Organization): X509.JsonName {
  const name: X509.JsonName = [{ CN: [commonName] }];
  const push = (type: string, value: string | undefined) => {
    if (value) name.push({ [type]: [value] });
  };
  push('O', org.name);
  push('OU', org.unit);
  push('L', org.locality);
  push('ST', org.state);
  push('C', org.country);
  push('E', org.email);
  return name;
}

/**
 * RSA key generation runs on the runtime's worker pool (libuv's four threads on Node), which every other
 * WebCrypto call (session digests, sealing) needs too. Two at a time saturate two cores and leave the rest
 * of the pool to the cheap requests, which otherwise queue behind a burst of key generations.
 */
const MAX_CONCURRENT_KEYGENS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function withKeygenSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_KEYGENS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** A fresh RSA-2048 key pair (at most MAX_CONCURRENT_KEYGENS generated at once). */
export const generateRsaKeyPair = (): Promise<CryptoKeyPair> =>
  withKeygenSlot(() => crypto.subtle.generateKey(RSA_2048, true, ['sign', 'verify']) as Promise<CryptoKeyPair>);

/** AlgorithmIdentifier sha256WithRSAEncryption (RFC 4055), NULL parameters. */
const SHA256_WITH_RSA = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00]);
/** The extensionRequest attribute type (PKCS #9, 1.2.840.113549.1.9.14). */
const OID_EXTENSION_REQUEST = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e]);
const OID_SAN = new Uint8Array([0x06, 0x03, 0x55, 0x1d, 0x11]);
const DNS_NAME = 0x82;

/**
 * The PKCS#10 request (RFC 2986) in DER. Written here rather than by @peculiar/x509's generator, which
 * took about 9 ms of CPU per AutoCSR order (its ASN.1 object tree, an SPKI export and re-parse), most of
 * a warm-pool order's time; the subject is still encoded by @peculiar/x509's Name. Checked with openssl
 * by test/api/autocsr.test.ts.
 */
async function csrDer(keys: CryptoKeyPair, subject: X509.JsonName, domains: string[]): Promise<Uint8Array<ArrayBuffer>> {
  await loadX509();
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const san = tlv(TAG.SEQUENCE, OID_SAN, tlv(TAG.OCTET_STRING, tlv(TAG.SEQUENCE, ...domains.map((d) => tlv(DNS_NAME, utf8.encode(d))))));
  const info = tlv(
    TAG.SEQUENCE,
    new Uint8Array([TAG.INTEGER, 0x01, 0x00]), // version 0
    new Uint8Array(new x509.Name(subject).toArrayBuffer()),
    spki,
    tlv(TAG.CTX0, tlv(TAG.SEQUENCE, OID_EXTENSION_REQUEST, tlv(TAG.SET, tlv(TAG.SEQUENCE, san)))),
  );
  const signature = new Uint8Array(await crypto.subtle.sign(RSA_2048, keys.privateKey, info));
  return tlv(TAG.SEQUENCE, info, SHA256_WITH_RSA, tlv(TAG.BIT_STRING, new Uint8Array([0]), signature));
}

/** Key pair (from `keyPair`, e.g. a warm pool, or generated now) and CSR for these names. */
export async function generateAutoCsr(
  domains: string[],
  org: Organization,
  keyPair: () => Promise<CryptoKeyPair> = generateRsaKeyPair,
): Promise<AutoCsrResult> {
  const keys = await keyPair();
  const [csr, pkcs8] = await Promise.all([csrDer(keys, subjectOf(domains[0]!, org), domains), crypto.subtle.exportKey('pkcs8', keys.privateKey)]);
  // toPem ends with a newline; @peculiar/x509's PEM, which this replaces, did not.
  return { csrPem: toPem('CERTIFICATE REQUEST', csr).trimEnd(), privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}
