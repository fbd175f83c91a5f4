/**
 * The browser CSR generator's crypto, DOM-free (unit-tested on Node's WebCrypto too): key pairs from
 * WebCrypto, private keys read from PEM, PKCS#10 CSRs built with @peculiar/x509 and AES-256 ZIPs with
 * zip.js. Nothing here talks to the network: the key only ever leaves as a file the customer saves.
 */
import { x509 } from '../../core/x509.js';
import { PemError, pemBlocks as readPemBlocks, toPem } from '../../core/pem.js';
import { subjectOf } from '../../autocsr/generate.js';
import { RSA_EXPONENT, RSA_MAX_BITS, RSA_MIN_BITS } from '../../core/subscriber-key.js';
import type { Organization } from '../../core/store/types.js';
import { configure, ZipWriter, BlobWriter, TextReader } from '@zip.js/zip.js/lib/zip-core-custom.js';
import { children, concat, oidToDer, oidToString, readTlv, tlv, TAG } from '../../core/der.js';

// The core build without web workers or WebAssembly: deflate and AES come from the browser (CompressionStream,
// WebCrypto), so the page needs no worker-src, blob: script or wasm-unsafe-eval in its CSP.
configure({ useWebWorkers: false });

export type KeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256' | 'ec-p384';

export interface KeyMaterial {
  keys: CryptoKeyPair;
  signingAlgorithm: RsaHashedImportParams | EcdsaParams;
  /** For people: "RSA 2048-bit", "ECDSA P-256". */
  description: string;
}

/** A fault the customer can fix; its message is shown as is. */
export class CsrToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsrToolError';
  }
}

const RSA = (bits: number): RsaHashedKeyGenParams => ({
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  modulusLength: bits,
  publicExponent: new Uint8Array([1, 0, 1]),
});
const EC_HASH: Record<string, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384' };

export async function generateKey(type: KeyType): Promise<KeyMaterial> {
  if (type.startsWith('rsa-')) {
    const bits = Number(type.slice(4));
    const params = RSA(bits);
    const keys = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
    return { keys, signingAlgorithm: params, description: `RSA ${bits}-bit` };
  }
  const namedCurve = type === 'ec-p384' ? 'P-384' : 'P-256';
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { keys, signingAlgorithm: { name: 'ECDSA', hash: EC_HASH[namedCurve]! }, description: `ECDSA ${namedCurve}` };
}

export async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  return toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
}

// ---- reading an existing key ------------------------------------------------------------------------

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
};
const CURVES: Record<string, string> = { [OID.p256]: 'P-256', [OID.p384]: 'P-384' };

const VERSION_0 = new Uint8Array([TAG.INTEGER, 1, 0]);

function pkcs8(algorithm: Uint8Array, key: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, concat(VERSION_0, tlv(TAG.SEQUENCE, algorithm), tlv(TAG.OCTET_STRING, key)));
}

function pemBlocks(text: string): { label: string; der: Uint8Array }[] {
  try {
    return readPemBlocks(text);
  } catch (err) {
    if (err instanceof PemError) throw new CsrToolError(`The ${err.label} block is damaged (not base64). Open the key file again or paste all of it.`);
    throw err;
  }
}

function algorithmOf(der: Uint8Array): { oid: string; curve?: string } {
  const [, alg] = children(readTlv(der).content);
  if (!alg || alg.tag !== TAG.SEQUENCE) throw new Error('not PKCS#8');
  const [oid, params] = children(alg.content);
  if (!oid || oid.tag !== TAG.OID) throw new Error('not PKCS#8');
  const out: { oid: string; curve?: string } = { oid: oidToString(oid.content) };
  if (params?.tag === TAG.OID) out.curve = oidToString(params.content);
  return out;
}

/** The named curve of a SEC1 ECPrivateKey: its [0] parameters, or the EC PARAMETERS block beside it. */
function sec1Curve(der: Uint8Array, paramsBlock: Uint8Array | undefined): string | undefined {
  for (const c of children(readTlv(der).content)) {
    if (c.tag === TAG.CTX0) {
      const oid = readTlv(c.content);
      if (oid.tag === TAG.OID) return oidToString(oid.content);
    }
  }
  if (paramsBlock) {
    const t = readTlv(paramsBlock);
    if (t.tag === TAG.OID) return oidToString(t.content);
  }
  return undefined;
}

const b64urlBytes = (s: string) => Math.floor((s.length * 3) / 4);

/**
 * Reads a private key the customer already has: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1
 * ("EC PRIVATE KEY"), RSA 2048–8192 bits with exponent 65537 or ECDSA P-256/P-384 — what the CA accepts.
 */
export async function importPrivateKey(text: string): Promise<KeyMaterial> {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    throw new CsrToolError('No PEM private key found. A key file starts with "-----BEGIN PRIVATE KEY-----" (or "BEGIN RSA PRIVATE KEY" / "BEGIN EC PRIVATE KEY").');
  }
  if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY' || b.label === 'OPENSSH PRIVATE KEY')) {
    const which = blocks.find((b) => b.label === 'OPENSSH PRIVATE KEY') ? 'an OpenSSH key' : 'encrypted with a passphrase';
    throw new CsrToolError(
      `This key is ${which}, which the browser cannot read. Convert it first on your computer: ` +
        '`openssl pkey -in your.key -out plain.key` (it asks for the passphrase), then open plain.key here.',
    );
  }
  if (blocks.some((b) => /CERTIFICATE/.test(b.label)) && !blocks.some((b) => /PRIVATE KEY/.test(b.label))) {
    throw new CsrToolError('This is a certificate or a CSR, not a private key. Open the key file (often named .key).');
  }
  const block = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!block) throw new CsrToolError(`No private key found (found: ${blocks.map((b) => b.label).join(', ')}).`);

  let der: Uint8Array;
  let oid: string;
  let curve: string | undefined;
  try {
    if (block.label === 'RSA PRIVATE KEY') {
      der = pkcs8(concat(oidToDer(OID.rsaEncryption), new Uint8Array([TAG.NULL, 0])), block.der);
      oid = OID.rsaEncryption;
    } else if (block.label === 'EC PRIVATE KEY') {
      curve = sec1Curve(block.der, blocks.find((b) => b.label === 'EC PARAMETERS')?.der);
      if (!curve) throw new CsrToolError('The EC key does not name its curve; export it again with `openssl pkey -in your.key -out plain.key`.');
      der = pkcs8(concat(oidToDer(OID.ecPublicKey), oidToDer(curve)), block.der);
      oid = OID.ecPublicKey;
    } else if (block.label === 'PRIVATE KEY') {
      der = block.der;
      ({ oid, curve } = algorithmOf(der));
    } else {
      throw new CsrToolError(`"${block.label}" keys are not supported: use an RSA or ECDSA (P-256, P-384) key.`);
    }
  } catch (err) {
    if (err instanceof CsrToolError) throw err;
    throw new CsrToolError('The private key could not be read: the file is damaged or not a key.');
  }

  if (oid === OID.ed25519 || oid === OID.ed448) {
    throw new CsrToolError('Ed25519/Ed448 keys are not accepted for TLS certificates by public CAs. Make a new RSA or ECDSA key instead.');
  }
  if (oid === OID.rsassaPss) throw new CsrToolError('RSA-PSS keys are not accepted: use a plain RSA key (rsaEncryption) or make a new key.');

  if (oid === OID.rsaEncryption) {
    const params: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const privateKey = await importOr(() => crypto.subtle.importKey('pkcs8', der as BufferSource, params, true, ['sign']));
    const jwk = await crypto.subtle.exportKey('jwk', privateKey);
    const bits = b64urlBytes(jwk.n ?? '') * 8;
    if (jwk.e !== 'AQAB') throw new CsrToolError(`The RSA key uses a public exponent other than ${RSA_EXPONENT}, which the CA does not accept.`);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) throw new CsrToolError(`The RSA key has ${bits} bits; the CA accepts ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits.`);
    const publicKey = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', ext: true }, params, true, ['verify']);
    return { keys: { privateKey, publicKey }, signingAlgorithm: params, description: `RSA ${bits}-bit` };
  }
  if (oid === OID.ecPublicKey) {
    const namedCurve = curve ? CURVES[curve] : undefined;
    if (!namedCurve) {
      throw new CsrToolError(curve === OID.p521 ? 'P-521 keys are not accepted: use P-256 or P-384.' : 'This EC curve is not accepted: use P-256 or P-384.');
    }
    const privateKey = await importOr(() => crypto.subtle.importKey('pkcs8', der as BufferSource, { name: 'ECDSA', namedCurve }, true, ['sign']));
    const jwk = await crypto.subtle.exportKey('jwk', privateKey);
    const publicKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true }, { name: 'ECDSA', namedCurve }, true, ['verify']);
    return { keys: { privateKey, publicKey }, signingAlgorithm: { name: 'ECDSA', hash: EC_HASH[namedCurve]! }, description: `ECDSA ${namedCurve}` };
  }
  throw new CsrToolError(`Keys of type ${oid} are not supported: use an RSA or ECDSA (P-256, P-384) key.`);
}

async function importOr(f: () => Promise<CryptoKey>): Promise<CryptoKey> {
  try {
    return await f();
  } catch {
    throw new CsrToolError('The browser could not read this private key: the file is damaged or in an unusual format. Try `openssl pkey -in your.key -out plain.key` first.');
  }
}

// ---- the CSR --------------------------------------------------------------------------------------------

export async function buildCsr(material: KeyMaterial, domains: string[], organization: Organization): Promise<string> {
  if (domains.length === 0) throw new CsrToolError('Enter at least one host name.');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectOf(domains[0]!, organization),
    keys: material.keys,
    signingAlgorithm: material.signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(domains.map((value) => ({ type: 'dns' as const, value })))],
  });
  return csr.toString('pem');
}

// ---- the key file -----------------------------------------------------------------------------------

/** A ZIP with the key as its one entry, encrypted with WinZip AES-256 (7-Zip, The Unarchiver, `7z x`). */
export async function zipKey(pem: string, entryName: string, passphrase: string): Promise<Blob> {
  const writer = new ZipWriter(new BlobWriter('application/zip'), { password: passphrase, encryptionStrength: 3, zipCrypto: false });
  await writer.add(entryName, new TextReader(pem), { lastModDate: new Date() });
  return writer.close();
}
