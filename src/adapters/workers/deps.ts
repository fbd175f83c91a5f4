/** Builds the app's dependencies on Workers: D1 through Drizzle, keyring from the secret, noble argon2id. */
import { drizzle } from 'drizzle-orm/d1';
import type { D1Database } from '@cloudflare/workers-types/latest';
import { ConfigError, loadConfig } from '../../core/config.js';
import { systemClock } from '../../core/clock.js';
import { Keyring } from '../../core/secrets/keyring.js';
import { argon2idHasher } from '../../core/secrets/password.js';
import { cloudflareClientAddress } from '../../core/client-address.js';
import * as schema from '../../db/schema/index.js';
import { drizzleStore } from '../../db/drizzle-store.js';
import type { AppDeps, Logger } from '../../app/context.js';
import { nobleArgon2id } from './argon2.js';
import { consoleLogger } from './logger.js';
import { createDohResolver } from './doh.js';
import { socketHttpGetter } from './http01-socket.js';
import { ValidationAuthority } from '../../va/va.js';
import { loadOrCreateEmbeddedCa } from '../../issuance/embedded-ca.js';
import { httpMailer } from './http-mailer.js';

/** The Worker's bindings (wrangler.toml): the D1 database, plain vars and secrets. */
export interface WorkersEnv {
  DB: D1Database;
  EABGATE_SECRET_KEY?: string;
  EABGATE_BASE_URL?: string;
  EABGATE_ADMIN_TOKEN?: string;
  EABGATE_LOG_REQUESTS?: string;
  [binding: string]: unknown;
}

/** The string-valued bindings only (vars and secrets), as loadConfig expects them. */
export function stringBindings(env: WorkersEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

export async function workersDeps(env: WorkersEnv, logger: Logger = consoleLogger()): Promise<AppDeps> {
  const config = loadConfig(stringBindings(env));
  if (config.issuer === 'acme') {
    // The upstream issuer is an ACME client built on acme-client, which needs Node (node:crypto, node:https).
    throw new ConfigError('EABGATE_ISSUER', '"acme" (an upstream ACME CA) is available on Node only: on Workers the embedded CA signs');
  }
  if (!config.secretKey) {
    // Node keeps a generated key in its data dir; a Worker has none, so the secret is required.
    throw new ConfigError(
      'EABGATE_SECRET_KEY',
      'is required on Workers: set it with `npx wrangler secret put EABGATE_SECRET_KEY` (32 random bytes as 64 hex digits or 43 base64url characters)',
    );
  }
  if (config.mail?.transport.kind === 'smtp') {
    throw new ConfigError('EABGATE_SMTP_URL', 'SMTP is available on Node only: on Workers set EABGATE_MAIL_API_URL and EABGATE_MAIL_API_TOKEN');
  }
  if (!env.DB || typeof (env.DB as { prepare?: unknown }).prepare !== 'function') {
    throw new ConfigError('DB', 'the D1 binding is missing: see [[d1_databases]] in wrangler.toml');
  }
  const store = drizzleStore(drizzle(env.DB, { schema }));
  const keyring = await Keyring.fromSecret(config.secretKey);
  const clock = systemClock;
  const ca = await loadOrCreateEmbeddedCa({ store, keyring, clock, config });
  // Loaded here rather than at the top so that the entry point also loads outside workerd (its tests on Node).
  const { connect } = await import('cloudflare:sockets');
  // No TLS client that shows the peer's certificate on Workers: tls-alpn-01 is not offered there.
  const va = new ValidationAuthority({
    resolver: createDohResolver({ url: config.va.dohUrl, requireDnssec: config.va.dnssec }),
    http: socketHttpGetter(connect),
    httpPort: config.va.httpPort,
    httpsPort: config.va.httpsPort,
    allowNetworks: config.va.allowNetworks,
    caaIdentities: config.caaIdentities,
    caaCacheSeconds: config.va.caaCacheSeconds,
    clock,
  });
  return {
    config,
    store,
    keyring,
    hasher: argon2idHasher(nobleArgon2id),
    clock,
    logger,
    // Set by Cloudflare's edge, which overwrites what a client sends; EABGATE_TRUSTED_PROXIES does not apply.
    clientAddress: (c) => cloudflareClientAddress(c.req.header('cf-connecting-ip')),
    va,
    ca,
    issuer: ca,
    mailer: config.mail?.transport.kind === 'http' ? httpMailer(config.mail.transport.url, config.mail.transport.token) : undefined,
  };
}
