/**
 * The key-encryption key on Node: EABGATE_SECRET_KEY when set, otherwise a key generated once into
 * <data dir>/secret.key (mode 0600) and reused on every start.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecretKey } from '../../core/config.js';
import { toBase64Url } from '../../core/encoding.js';

export function loadOrCreateSecretKey(dataDir: string, fromEnv: Uint8Array | undefined): Uint8Array {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    return parseSecretKey(file, readFileSync(file, 'utf8'));
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  writeFileSync(file, toBase64Url(key) + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
