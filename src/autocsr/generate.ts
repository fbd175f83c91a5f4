/**
 * AutoCSR: an RSA-2048 key pair from the platform CSPRNG (WebCrypto) and a SHA-256 CSR built from the
 * order's names and organisation. The private key leaves this module only as PKCS#8 PEM, to be sealed into
 * the key archive at once; nothing here stores or logs it.
 */
import { x509 } from '../core/x509.js';
import { toPem } from '../core/pem.js';
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

export function subjectOf(commonName: string, org: Organization): x509.JsonName {
  const name: x509.JsonName = [{ CN: [commonName] }];
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

/** Key pair (from `keyPair`, e.g. a warm pool, or generated now) and CSR for these names. */
export async function generateAutoCsr(
  domains: string[],
  org: Organization,
  keyPair: () => Promise<CryptoKeyPair> = generateRsaKeyPair,
): Promise<AutoCsrResult> {
  const keys = await keyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectOf(domains[0]!, org),
    keys,
    signingAlgorithm: RSA_2048,
    extensions: [new x509.SubjectAlternativeNameExtension(domains.map((value) => ({ type: 'dns' as const, value })))],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}
