/** Builds the app's dependencies on Node: SQLite store, keyring from the data dir, hash-wasm argon2id on worker threads. */
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Config, UpstreamConfig } from '../../core/config.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { Keyring } from '../../core/secrets/keyring.js';
import { argon2idHasher } from '../../core/secrets/password.js';
import { resolveClientAddress } from '../../core/client-address.js';
import type { AppDeps, Logger } from '../../app/context.js';
import { openSqliteStore, type DatabaseHandle, type SqliteHandle } from './sqlite.js';
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
import type { UpstreamAcmeIssuer } from './upstream-acme.js';
import type { DelegationDnsServer } from './delegation-dns.js';
import { RoutedIssuer } from '../../ca/routed-issuer.js';
import type { Issuer } from '../../ca/issuer.js';

/**
 * Modules that only some settings need are loaded by dynamic import() when the setting asks for them, so a
 * default start neither compiles nor evaluates them (the build splits them into chunks of their own):
 * acme-client with node-forge and axios (EABGATE_ISSUER=acme), pg (EABGATE_DATABASE_URL), nodemailer
 * (EABGATE_SMTP_URL), the delegation zone's DNS server with dns-packet (EABGATE_DNS_LISTEN).
 *
 * The upstream issuer: one per distinct upstream (directory and EAB key id), each with its own sealed account
 * key; with upstreams per product (EABGATE_UPSTREAM_<DV|OV|EV|CAAS>_*) a RoutedIssuer in front of them.
 */
async function upstreamIssuer(
  config: Config,
  o: { keyring: Keyring; logger: Logger; store: NodeDeps['store']; embeddedChainPem: string; publisher: DelegationDnsServer | undefined },
): Promise<Issuer> {
  const { UpstreamAcmeIssuer, upstreamCertificateLookup } = await import('./upstream-acme.js');
  const made = new Map<string, UpstreamAcmeIssuer>();
  const make = (u: UpstreamConfig, file?: string) => {
    const key = `${u.directoryUrl} ${u.eab?.kid ?? ''}`;
    let issuer = made.get(key);
    if (!issuer) {
      issuer = new UpstreamAcmeIssuer({
        upstream: u,
        keyring: o.keyring,
        dataDir: config.dataDir,
        logger: o.logger,
        accountKeyFile: file,
        certificateBySerial: upstreamCertificateLookup(o.store, o.embeddedChainPem),
        publisher: o.publisher,
      });
      made.set(key, issuer);
    }
    return issuer;
  };
  const fallback = make(config.upstream!);
  const routes = Object.entries(config.upstreams);
  if (routes.length === 0) return fallback;
  return new RoutedIssuer(fallback, Object.fromEntries(routes.map(([r, u]) => [r, make(u, `upstream-account-${r}.sealed`)])));
}
import { httpMailer } from '../workers/http-mailer.js';
import { MemoryNonceStore } from '../../core/store/memory-nonces.js';
import { nodeJwsSignatures } from './jws-signatures.js';
import { nodeSignatures } from './signatures.js';
import { nodeAesGcmOpen } from './aes-gcm.js';
import { nodeHmacSha256 } from './hmac.js';
import { useSignatureEngine } from '../../core/signature-engine.js';
import { NONCE_CLOCK_SKEW_MS, NONCE_TTL_MS } from '../../acme/server/nonces.js';
import type { Store } from '../../core/store/types.js';
import type { Mailer } from '../../mail/mailer.js';

export interface NodeDeps extends AppDeps {
  /** SQLite in the data dir, or the shared PostgreSQL of EABGATE_DATABASE_URL. */
  database: DatabaseHandle;
  /** The SQLite handle (tests read the file through it); on PostgreSQL, reading it throws. */
  sqlite: SqliteHandle;
  /** DNS delegation (EABGATE_DELEGATION_ZONE with EABGATE_DNS_LISTEN): the authoritative server, started by the entry point. */
  delegationDns: DelegationDnsServer | undefined;
}

/** The SQLite handle, or on PostgreSQL a stand-in that says so when a test reaches for the SQLite file. */
function sqliteOnly(database: DatabaseHandle): SqliteHandle {
  if (database.kind === 'sqlite') return database as SqliteHandle;
  return {
    kind: 'sqlite',
    store: database.store,
    get sqlite(): never {
      throw new Error('nodeDeps: the database is PostgreSQL, not a SQLite file');
    },
    close: () => void database.close(),
  };
}

const hashThreads = (config: Config): number => config.passwordHashThreads ?? defaultPoolSize();

/** EABGATE_SMTP_URL through nodemailer; an HTTP mail API works on Node too. */
async function nodeMailer(config: Config): Promise<Mailer | undefined> {
  const t = config.mail?.transport;
  if (!t) return undefined;
  return t.kind === 'smtp' ? (await import('./smtp-mailer.js')).smtpMailer(t.url) : httpMailer(t.url, t.token);
}

export async function nodeDeps(config: Config, opts: { clock?: Clock; logger?: Logger; dbFile?: string } = {}): Promise<NodeDeps> {
  // The data dir 0700 and everything already in it 0600, before anything is created or read there.
  secureDataDir(config.dataDir);
  // CSR checks and the CA's signatures through node:crypto, not WebCrypto's thread-pool jobs (src/core/signature-engine.ts).
  useSignatureEngine(nodeSignatures());
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? jsonLogger();
  const database: DatabaseHandle =
    config.database.kind === 'postgres'
      ? await (await import('./postgres.js')).openPostgresStore(config.database, logger)
      : openSqliteStore(opts.dbFile ?? join(config.dataDir, 'eabgate.db'));
  // One process on its SQLite file: consumed ACME nonces are remembered in memory, not written per request
  // (src/core/store/memory-nonces.ts); a shared PostgreSQL keeps them in its table for every instance.
  const store: Store =
    database.kind === 'sqlite'
      ? { ...database.store, acme: { ...database.store.acme, nonces: new MemoryNonceStore(NONCE_TTL_MS + NONCE_CLOCK_SKEW_MS) } }
      : database.store;
  const keyring = await Keyring.fromSecret(loadOrCreateSecretKey(config.dataDir, config.secretKey), { aesGcmOpen: nodeAesGcmOpen(), hmacSha256: nodeHmacSha256 });
  // On a shared database the first instance creates the CA (insert-if-absent); the others load its row.
  const ca = await loadOrCreateEmbeddedCa({ store, keyring, clock, config });
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
    caaCacheSeconds: config.va.caaCacheSeconds,
    clock,
  });
  const delegationDns =
    config.delegation?.dnsListen && config.issuer === 'acme'
      ? new (await import('./delegation-dns.js')).DelegationDnsServer({ zone: config.delegation.zone, nsName: config.delegation.nsName, ...config.delegation.dnsListen, logger })
      : undefined;
  return {
    va,
    ca,
    delegationDns,
    // EABGATE_ISSUER=acme: an upstream ACME CA signs; the embedded CA still serves the gateway's own TLS and CRL.
    issuer: config.issuer === 'acme' && config.upstream ? await upstreamIssuer(config, { keyring, logger, store, embeddedChainPem: ca.chainPem, publisher: delegationDns }) : ca,
    config,
    store,
    database,
    sqlite: sqliteOnly(database),
    keyring,
    // argon2id on worker threads (EABGATE_PASSWORD_HASH_THREADS, default min(2, cores)); 0 = on the event loop.
    hasher: argon2idHasher(hashThreads(config) > 0 ? sharedArgon2Pool(hashThreads(config)).argon2id : hashWasmArgon2id),
    clock,
    logger,
    // Filled only once the server starts it (src/entry/node.ts): tests and the CLI generate per order.
    keyPool: new KeyPool(config.autoCsrKeyPool, generateRsaKeyPair),
    mailer: await nodeMailer(config),
    jwsSignatures: nodeJwsSignatures(),
    // The socket peer, or X-Forwarded-For when the peer is a trusted proxy (EABGATE_TRUSTED_PROXIES).
    clientAddress: (c) => {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      return resolveClientAddress(incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), config.trustedProxies);
    },
  };
}
