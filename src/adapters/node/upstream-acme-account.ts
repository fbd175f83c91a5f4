/**
 * The gateway's account key at the upstream ACME CA: ECDSA P-256, generated once and kept only sealed
 * (AES-256-GCM under the key-encryption key, bound to the directory URL) in <data dir>/upstream-account.sealed,
 * mode 0600. The clear key lives in memory only, for signing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { secureDir, tighten } from './file-modes.js';
import { join } from 'node:path';
import type { Keyring, SealContext } from '../../core/secrets/keyring.js';

export const ACCOUNT_KEY_FILE = 'upstream-account.sealed';

export function accountKeyContext(directoryUrl: string): SealContext {
  return { table: 'upstream', id: directoryUrl, purpose: 'account-key' };
}

function readSealed(file: string): string | undefined {
  try {
    tighten(file);
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The account key (PKCS#8 PEM): read and opened, or generated and sealed on first use. */
export async function loadOrCreateAccountKey(keyring: Keyring, dataDir: string, directoryUrl: string, fileName = ACCOUNT_KEY_FILE): Promise<string> {
  const file = join(dataDir, fileName);
  const ctx = accountKeyContext(directoryUrl);
  let sealed = readSealed(file);
  if (sealed === undefined) {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const mine = await keyring.seal(privateKey, ctx);
    secureDir(dataDir);
    try {
      // "wx": of two instances starting at once, the first file wins and both use it.
      writeFileSync(file, mine + '\n', { mode: 0o600, flag: 'wx' });
      return privateKey;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      sealed = readSealed(file)!;
    }
  }
  try {
    return await keyring.open(sealed, ctx);
  } catch {
    throw new UpstreamAccountError(
      `${file} cannot be opened: it was sealed for another upstream directory than ${directoryUrl} or under another key-encryption key. ` +
        'Move it away to register a new upstream account.',
    );
  }
}

/** The gateway's own upstream account is unusable: a fault of its configuration, not a refusal of an order. */
export class UpstreamAccountError extends Error {
  override name = 'UpstreamAccountError';
}
