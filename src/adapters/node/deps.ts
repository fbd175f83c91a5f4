/** Builds the app's dependencies on Node: SQLite store, keyring from the data dir, hash-wasm argon2id on worker threads. */
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../../core/config.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { Keyring } from '../../core/secrets/keyring.js';
import { argon2idHasher } from '../../core/secrets/password.js';
import { resolveClientAddress } from '../../core/client-address.js';
import type { AppDeps, Logger } from '../../app/context.js';
import { openSqliteStore, type SqliteHandle } from './sqlite.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import { hashWasmArgon2id, sharedArgon2Pool, defaultPoolSize } from './argon2.js';
import { jsonLogger } from './logger.js';
import { KeyPool } from '../../autocsr/key-pool.js';
import { generateRsaKeyPair } from '../../autocsr/generate.js';
import { writeFileSync } from 'node:fs';
import { DATA_FILE_MODE, secureDataDir, secureDir, tighten } from './file-modes.js';
import { ValidationAuthority } from '../../va/va.js';
import { loadOrCreateEmbeddedCa } from '../../issuance/embedded-ca.js';
import { nodeDnsResolver } from './dns-resolver.js';
import { createHttp01Getter } from './http01-getter.js';
import { createTlsAlpnProber } from './tls-alpn-prober.js';
import { UpstreamAcmeIssuer, upstreamCertificateLookup } from './upstream-acme.js';
import { smtpMailer } from './smtp-mailer.js';
import { httpMailer } from '../workers/http-mailer.js';
import type { Mailer } from '../../mail/mailer.js';

export interface NodeDeps extends AppDeps {
  sqlite: SqliteHandle;
}

const hashThreads = (config: Config): number => config.passwordHashThreads ?? defaultPoolSize();

/** EABGATE_SMTP_URL through nodemailer; an HTTP mail API works on Node too. */
function nodeMailer(config: Config): Mailer | undefined {
  const t = config.mail?.transport;
  if (!t) return undefined;
  return t.kind === 'smtp' ? smtpMailer(t.url) : httpMailer(t.url, t.token);
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
    httpsPort: config.va.httpsPort,
    tlsAlpnPort: config.va.tlsAlpnPort,
    allowNetworks: config.va.allowNetworks,
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
    // argon2id on worker threads (EABGATE_PASSWORD_HASH_THREADS, default min(2, cores)); 0 = on the event loop.
    hasher: argon2idHasher(hashThreads(config) > 0 ? sharedArgon2Pool(hashThreads(config)).argon2id : hashWasmArgon2id),
    clock,
    logger,
    // Filled only once the server starts it (src/entry/node.ts): tests and the CLI generate per order.
    keyPool: new KeyPool(config.autoCsrKeyPool, generateRsaKeyPair),
    mailer: nodeMailer(config),
    // The socket peer, or X-Forwarded-For when the peer is a trusted proxy (EABGATE_TRUSTED_PROXIES).
    clientAddress: (c) => {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      return resolveClientAddress(incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), config.trustedProxies);
    },
  };
}
