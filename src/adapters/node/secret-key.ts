/**
 * The key-encryption key on Node: EABGATE_SECRET_KEY when set, otherwise a key generated once into
 * <data dir>/secret.key (mode 0600, the directory 0700) and reused on every start.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { secureDir, tighten } from './file-modes.js';
import { join } from 'node:path';
import { parseSecretKey } from '../../core/config.js';
import { toBase64Url } from '../../core/encoding.js';

export function loadOrCreateSecretKey(dataDir: string, fromEnv: Uint8Array | undefined): Uint8Array {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    tighten(file);
    return parseSecretKey(file, readFileSync(file, 'utf8'));
  }
  secureDir(dataDir);
  const key = crypto.getRandomValues(new Uint8Array(32));
  writeFileSync(file, toBase64Url(key) + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
