/** Shared pieces of the CA tests: a hierarchy, CSRs made with @peculiar/x509 or openssl, files for openssl. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../../src/core/x509.js';
import { ManualClock, systemClock, type Clock } from '../../src/core/clock.js';
import { createHierarchy, loadCa, type CaMaterial, type LoadedCa } from '../../src/ca/hierarchy.js';
import type { CaUrls } from '../../src/ca/leaf.js';
import { openssl } from '../support/tools.js';

export const URLS: CaUrls = {
  caIssuers: 'http://127.0.0.1:8080/ca/intermediate.cer',
  crl: 'http://127.0.0.1:8080/ca/intermediate.crl',
};

export type KeyKind = 'rsa2048' | 'p256';

const KEY_PARAMS: Record<KeyKind, RsaHashedKeyGenParams | EcKeyGenParams> = {
  rsa2048: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
  p256: { name: 'ECDSA', namedCurve: 'P-256' },
};
const SIGNING: Record<KeyKind, Algorithm | EcdsaParams> = {
  rsa2048: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
  p256: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
};

const keyCache = new Map<KeyKind, Promise<CryptoKeyPair>>();
function keysFor(kind: KeyKind): Promise<CryptoKeyPair> {
  let p = keyCache.get(kind);
  if (!p) {
    p = crypto.subtle.generateKey(KEY_PARAMS[kind], true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    keyCache.set(kind, p);
  }
  return p;
}

/** A CSR (PEM) for `domains`; its subject may claim anything (`subject`), the CA must not copy it. */
export async function makeCsr(kind: KeyKind, domains: string[], subject?: x509.JsonName): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject ?? [{ CN: [domains[0]!] }],
    keys: await keysFor(kind),
    signingAlgorithm: SIGNING[kind],
    extensions: [new x509.SubjectAlternativeNameExtension(domains.map((value) => ({ type: 'dns' as const, value })))],
  });
  return csr.toString('pem');
}

/** A CSR made by openssl with a key of `newkey` (e.g. "ed25519", "rsa:1024", "ec -pkeyopt ..."). */
export function opensslCsr(newkey: string[], cn: string): string {
  const r = openssl(['req', '-new', '-newkey', ...newkey, '-nodes', '-keyout', '/dev/null', '-subj', `/CN=${cn}`]);
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return r.stdout;
}

export interface TestCa {
  material: CaMaterial;
  ca: LoadedCa;
}

export async function makeCa(clock: Clock = systemClock): Promise<TestCa> {
  const material = await createHierarchy({ clock, organization: 'eabgate test' });
  const ca = await loadCa(material);
  return { material, ca };
}

/** A scratch directory for files openssl reads; removed by cleanup(). */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'eabgate-ca-'));
  file(name: string, data: string | Uint8Array): string {
    const p = join(this.dir, name);
    writeFileSync(p, data);
    return p;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { ManualClock };

/** `openssl x509 -text` of a PEM certificate. */
export function certText(pem: string): string {
  const r = openssl(['x509', '-noout', '-text'], pem);
  if (r.status !== 0) throw new Error(`openssl x509: ${r.stderr}`);
  return r.stdout;
}
