/** Builds the app's dependencies on Node: SQLite store, keyring from the data dir, hash-wasm argon2id. */
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Config } from '../../core/config.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { Keyring } from '../../core/secrets/keyring.js';
import { argon2idHasher } from '../../core/secrets/password.js';
import type { AppDeps, Logger } from '../../app/context.js';
import { openSqliteStore, type SqliteHandle } from './sqlite.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import { hashWasmArgon2id } from './argon2.js';
import { jsonLogger } from './logger.js';
import { writeFileSync } from 'node:fs';
import { DATA_FILE_MODE, secureDataDir, secureDir, tighten } from './file-modes.js';
import { ValidationAuthority } from '../../va/va.js';
import { loadOrCreateEmbeddedCa } from '../../issuance/embedded-ca.js';
import { nodeDnsResolver } from './dns-resolver.js';
import { createHttp01Getter } from './http01-getter.js';
import { createTlsAlpnProber } from './tls-alpn-prober.js';
import { UpstreamAcmeIssuer, upstreamCertificateLookup } from './upstream-acme.js';

export interface NodeDeps extends AppDeps {
  sqlite: SqliteHandle;
}

export async function nodeDeps(config: Config, opts: { clock?: Clock; logger?: Logger; dbFile?: string } = {}): Promise<NodeDeps> {
  // The data dir 0700 and everything already in it 0600, before anything is created or read there.
  secureDataDir(config.dataDir);
  const sqlite = openSqliteStore(opts.dbFile ?? join(config.dataDir, 'eabgate.db'));
  const keyring = await Keyring.fromSecret(loadOrCreateSecretKey(config.dataDir, config.secretKey));
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? jsonLogger();
  const ca = await loadOrCreateEmbeddedCa({ store: sqlite.store, keyring, clock, config });
  // Publish the root where users and tests can trust it.
  secureDir(join(config.dataDir, 'ca'));
  const rootFile = join(config.dataDir, 'ca', 'root.pem');
  writeFileSync(rootFile, ca.rootPem, { mode: DATA_FILE_MODE });
  tighten(rootFile);
  const va = new ValidationAuthority({
    resolver: nodeDnsResolver(config.va),
    http: createHttp01Getter(),
    tlsAlpn: createTlsAlpnProber(),
    httpPort: config.va.httpPort,
    tlsAlpnPort: config.va.tlsAlpnPort,
    caaIdentities: config.caaIdentities,
  });
  return {
    va,
    ca,
    // EABGATE_ISSUER=acme: an upstream ACME CA signs; the embedded CA still serves the gateway's own TLS and CRL.
    issuer:
      config.issuer === 'acme' && config.upstream
        ? new UpstreamAcmeIssuer({
            upstream: config.upstream,
            keyring,
            dataDir: config.dataDir,
            logger,
            certificateBySerial: upstreamCertificateLookup(sqlite.store, ca.chainPem),
          })
        : ca,
    config,
    store: sqlite.store,
    sqlite,
    keyring,
    hasher: argon2idHasher(hashWasmArgon2id),
    clock,
    logger,
    clientAddress: (c) => {
      try {
        return getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        return 'unknown';
      }
    },
  };
}
