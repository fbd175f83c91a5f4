/**
 * One AutoCSR hand-over: a new key pair and CSR, the key sealed at once into its AES-256 archive under a new
 * unlock code. The private key never leaves this function; the caller stores the (sealed) code and returns
 * the archive, once.
 */
import type { Organization } from '../core/store/types.js';
import { newUnlockCode } from '../core/secrets/tokens.js';
import { generateAutoCsr } from './generate.js';
import { buildKeyArchive, safeFileStem, type KeyArchive } from './key-archive.js';

export interface AutoCsrPackage {
  csrPem: string;
  keyArchive: KeyArchive;
  unlockCode: string;
}

export async function autoCsrPackage(opts: {
  domains: string[];
  organization: Organization;
  orderNumber: string;
  now: Date;
  /** Added to the archive's file name (a reissue's date), so that two archives of one order differ. */
  fileSuffix?: string;
  /** Where the key pair comes from (a warm pool); generated now by default. */
  keyPair?: () => Promise<CryptoKeyPair>;
}): Promise<AutoCsrPackage> {
  const generated = await generateAutoCsr(opts.domains, opts.organization, opts.keyPair);
  const unlockCode = newUnlockCode();
  const stem = safeFileStem(opts.domains[0]!);
  const keyArchive = await buildKeyArchive({
    privateKeyPem: generated.privateKeyPem,
    unlockCode,
    entryName: `${stem}.key`,
    filename: `${opts.orderNumber}-${stem}-private-key${opts.fileSuffix ? `-${opts.fileSuffix}` : ''}.zip`,
    modified: opts.now,
  });
  return { csrPem: generated.csrPem, keyArchive, unlockCode };
}
