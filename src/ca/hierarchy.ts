/**
 * The embedded CA's hierarchy: a self-signed root and one intermediate that signs leaves and CRLs.
 * Both keys are ECDSA made with WebCrypto: the root P-384, the intermediate P-256 (./algorithms.ts says
 * why; an older P-384 intermediate still loads). This module stores nothing: createHierarchy hands back
 * the certificates as PEM and the private keys as PKCS#8 bytes for the caller to seal at rest, and loadCa
 * turns that material back into a signer (the key imported non-extractable).
 */
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import { toPem } from '../core/pem.js';
import { readCaCertificate, signedBy } from './ca-certificate.js';
import { DAY_MS, systemClock, type Clock } from '../core/clock.js';
import { caCurveOf, caSigning, INTERMEDIATE_CURVE, ROOT_CURVE, type CaCurve, type CaSigning } from './algorithms.js';
import { newSerialHex } from './serial.js';
import { wholeSeconds } from './validity.js';

export interface HierarchyOptions {
  clock?: Clock;
  /** Organization (O) of both CA certificates. */
  organization?: string;
  rootCommonName?: string;
  intermediateCommonName?: string;
  /** Two-letter country code (C) of both CA certificates, if any. */
  country?: string;
  rootValidityDays?: number;
  intermediateValidityDays?: number;
  /** The intermediate's curve (default INTERMEDIATE_CURVE, P-256). */
  intermediateCurve?: CaCurve;
}

/** What the caller keeps: certificates in the clear, private keys to be sealed. */
export interface CaMaterial {
  rootCertPem: string;
  intermediateCertPem: string;
  rootKeyPkcs8: Uint8Array;
  intermediateKeyPkcs8: Uint8Array;
}

/** The material loadCa needs: the root key stays out of it (it signs nothing day to day). */
export interface CaMaterialToLoad {
  rootCertPem: string;
  intermediateCertPem: string;
  intermediateKeyPkcs8: Uint8Array;
}

/** A loaded intermediate, ready to sign leaves and CRLs. */
export interface LoadedCa {
  /** The root and the intermediate as @peculiar/x509 objects, parsed on first read (after loadX509()). */
  readonly root: X509.X509Certificate;
  readonly intermediate: X509.X509Certificate;
  /** The intermediate's validity and subject (DER), which every leaf needs, read at load. */
  intermediateValidity: { notBefore: Date; notAfter: Date };
  intermediateSubjectDer: Uint8Array;
  /** The intermediate's subject as text ("C=…, O=…, CN=…"): the issuer stored with each certificate. */
  intermediateSubjectText: string;
  /** The intermediate's private key, not extractable. */
  signingKey: CryptoKey;
  /** The intermediate's curve and the signature algorithm that goes with it. */
  signing: CaSigning;
  /** The intermediate's subject key identifier (hex): the authority key identifier of what it signs. */
  keyIdHex: string;
  rootPem: string;
  intermediatePem: string;
}

const ROOT_DAYS = 25 * 365;
const INTERMEDIATE_DAYS = 8 * 365;

function caName(commonName: string, opts: HierarchyOptions): X509.JsonName {
  const name: X509.JsonName = [];
  if (opts.country) name.push({ C: [opts.country] });
  name.push({ O: [opts.organization ?? 'eabgate'] });
  name.push({ CN: [commonName] });
  return name;
}

const caKeyUsage = () =>
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true);

export async function createHierarchy(opts: HierarchyOptions = {}): Promise<CaMaterial> {
  await loadX509();
  const now = wholeSeconds((opts.clock ?? systemClock).now());
  const rootDays = opts.rootValidityDays ?? ROOT_DAYS;
  const interDays = opts.intermediateValidityDays ?? INTERMEDIATE_DAYS;
  if (interDays >= rootDays) throw new RangeError('the intermediate must expire before the root');

  const rootSigning = caSigning(ROOT_CURVE);
  const rootKeys = (await crypto.subtle.generateKey(rootSigning.key, true, ['sign', 'verify'])) as CryptoKeyPair;
  const interKeys = (await crypto.subtle.generateKey(caSigning(opts.intermediateCurve ?? INTERMEDIATE_CURVE).key, true, ['sign', 'verify'])) as CryptoKeyPair;
  const rootSki = await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey);
  const interSki = await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey);

  const rootName = caName(opts.rootCommonName ?? 'eabgate Root CA', opts);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerialHex(),
    name: rootName,
    notBefore: now,
    notAfter: new Date(now.getTime() + rootDays * DAY_MS - 1000),
    keys: rootKeys,
    signingAlgorithm: rootSigning.signature,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), caKeyUsage(), rootSki],
  });

  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: newSerialHex(),
    subject: caName(opts.intermediateCommonName ?? 'eabgate Intermediate CA', opts),
    issuer: root.subjectName,
    notBefore: now,
    notAfter: new Date(now.getTime() + interDays * DAY_MS - 1000),
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: rootSigning.signature,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      caKeyUsage(),
      // A TLS issuing CA: serverAuth only (BR §7.1.2.10.6), any policy of this CA (§7.1.2.10.5).
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.CertificatePolicyExtension(['2.5.29.32.0'], false),
      interSki,
      new x509.AuthorityKeyIdentifierExtension(rootSki.keyId, false),
    ],
  });

  return {
    rootCertPem: root.toString('pem') + '\n',
    intermediateCertPem: intermediate.toString('pem') + '\n',
    rootKeyPkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', rootKeys.privateKey)),
    intermediateKeyPkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', interKeys.privateKey)),
  };
}

function parseCert(what: string, pem: string): X509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw new Error(`loadCa: the ${what} certificate does not parse`);
  }
}

/** The checks of loadCa that need the certificates, and what it keeps of the intermediate. */
interface CheckedPair {
  curve: CaCurve;
  keyIdHex: string;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectDer: Uint8Array;
  subjectText: string;
  rootPem: string;
  intermediatePem: string;
}

/** The checks on the lean reading (./ca-certificate.ts); undefined when it cannot read either certificate. */
async function checkPairLean(material: CaMaterialToLoad): Promise<CheckedPair | undefined> {
  const root = readCaCertificate(material.rootCertPem);
  const intermediate = readCaCertificate(material.intermediateCertPem);
  if (!root || !intermediate || intermediate.subjectText === undefined) return undefined;
  return checkedPair(root.der, intermediate.der, () => signedBy(intermediate, root), {
    isCa: intermediate.isCa,
    keyIdHex: intermediate.keyIdHex,
    curve: intermediate.curve,
    spki: intermediate.spki,
    notBefore: intermediate.notBefore,
    notAfter: intermediate.notAfter,
    subjectDer: intermediate.subjectDer,
    subjectText: intermediate.subjectText,
  });
}

/** The same checks with @peculiar/x509, for material the lean reader does not read. */
async function checkPairX509(material: CaMaterialToLoad): Promise<CheckedPair> {
  await loadX509();
  const root = parseCert('root', material.rootCertPem);
  const intermediate = parseCert('intermediate', material.intermediateCertPem);
  const curve = caCurveOf(intermediate.publicKey.algorithm as { name?: string; namedCurve?: string });
  return checkedPair(new Uint8Array(root.rawData), new Uint8Array(intermediate.rawData), () => intermediate.verify({ publicKey: root, signatureOnly: true }), {
    isCa: intermediate.getExtension(x509.BasicConstraintsExtension)?.ca === true,
    keyIdHex: intermediate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    curve,
    spki: new Uint8Array(intermediate.publicKey.rawData),
    notBefore: intermediate.notBefore,
    notAfter: intermediate.notAfter,
    subjectDer: new Uint8Array(intermediate.subjectName.toArrayBuffer()),
    subjectText: intermediate.subject,
  });
}

async function checkedPair(
  rootDer: Uint8Array,
  intermediateDer: Uint8Array,
  signedByRoot: () => Promise<boolean>,
  i: { isCa: boolean; keyIdHex: string | undefined; curve: CaCurve | undefined; spki: Uint8Array; notBefore: Date; notAfter: Date; subjectDer: Uint8Array; subjectText: string },
): Promise<CheckedPair> {
  const rootPem = toPem('CERTIFICATE', rootDer);
  const intermediatePem = toPem('CERTIFICATE', intermediateDer);
  if (intermediatePem === rootPem) throw new Error('loadCa: the intermediate is the root: leaves must not be signed by the root');
  if (!(await signedByRoot().catch(() => false))) throw new Error('loadCa: the intermediate certificate is not signed by the root');
  if (!i.isCa) throw new Error('loadCa: the intermediate certificate is not a CA certificate');
  if (!i.keyIdHex) throw new Error('loadCa: the intermediate certificate has no subject key identifier');
  if (!i.curve) throw new Error('loadCa: the intermediate certificate has no ECDSA P-256 or P-384 key');
  return { curve: i.curve, keyIdHex: i.keyIdHex, spki: i.spki, notBefore: i.notBefore, notAfter: i.notAfter, subjectDer: i.subjectDer, subjectText: i.subjectText, rootPem, intermediatePem };
}

/**
 * Imports the intermediate's key and checks the material hangs together: the intermediate is a CA signed
 * by the root, and the key is the one its certificate names (a test signature verifies with it). The
 * certificates are read without @peculiar/x509 (./ca-certificate.ts) when they can be, which is always for
 * material createHierarchy made: loading the CA at start does not load that library.
 */
export async function loadCa(material: CaMaterialToLoad): Promise<LoadedCa> {
  const pair = (await checkPairLean(material)) ?? (await checkPairX509(material));
  const signing = caSigning(pair.curve);
  let signingKey: CryptoKey;
  try {
    signingKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(material.intermediateKeyPkcs8), signing.key, false, ['sign']);
  } catch {
    throw new Error(`loadCa: the intermediate key is not a PKCS#8 ECDSA ${pair.curve} private key`);
  }
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const sig = await crypto.subtle.sign(signing.signature, signingKey, probe);
  const publicKey = await crypto.subtle.importKey('spki', pair.spki as BufferSource, signing.key, false, ['verify']);
  if (!(await crypto.subtle.verify(signing.signature, publicKey, sig, probe))) {
    throw new Error("loadCa: the intermediate key does not match the intermediate certificate's public key");
  }

  let root: X509.X509Certificate | undefined;
  let intermediate: X509.X509Certificate | undefined;
  return {
    get root() {
      return (root ??= parseCert('root', pair.rootPem));
    },
    get intermediate() {
      return (intermediate ??= parseCert('intermediate', pair.intermediatePem));
    },
    intermediateValidity: { notBefore: pair.notBefore, notAfter: pair.notAfter },
    intermediateSubjectDer: pair.subjectDer,
    intermediateSubjectText: pair.subjectText,
    signingKey,
    signing,
    keyIdHex: pair.keyIdHex,
    rootPem: pair.rootPem,
    intermediatePem: pair.intermediatePem,
  };
}
