/** Builds the app's dependencies on Node: SQLite store, keyring from the data dir, hash-wasm argon2id. */
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Config } from '../../core/config.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { Keyring } from '../../core/secrets/keyring.js';
import { argon2idHasher } from '../../core/secrets/password.js';
import type { AppDeps, Logger } from '../../api/context.js';
import { openSqliteStore, type SqliteHandle } from './sqlite.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import { hashWasmArgon2id } from './argon2.js';
import { jsonLogger } from './logger.js';

export interface NodeDeps extends AppDeps {
  sqlite: SqliteHandle;
}

export async function nodeDeps(config: Config, opts: { clock?: Clock; logger?: Logger; dbFile?: string } = {}): Promise<NodeDeps> {
  const sqlite = openSqliteStore(opts.dbFile ?? join(config.dataDir, 'eabgate.db'));
  const keyring = await Keyring.fromSecret(loadOrCreateSecretKey(config.dataDir, config.secretKey));
  return {
    config,
    store: sqlite.store,
    sqlite,
    keyring,
    hasher: argon2idHasher(hashWasmArgon2id),
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? jsonLogger(),
    clientAddress: (c) => {
      try {
        return getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        return 'unknown';
      }
    },
  };
}
