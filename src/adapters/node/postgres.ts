/**
 * Storage on Node for several instances behind a load balancer: a shared PostgreSQL (EABGATE_DATABASE_URL)
 * through node-postgres, with a bounded pool (EABGATE_DATABASE_POOL_SIZE connections per instance).
 *
 * At start: one connection proves the database is there (a clear error otherwise), then the migrations of
 * drizzle-pg/ run under a session advisory lock, so that instances started together apply them once, one
 * after the other (Drizzle's migrator skips those already recorded in drizzle.__drizzle_migrations).
 *
 * While running: a connection that fails (the server restarts, the network drops) is replaced by the pool
 * on the next query; until the database answers again, the store's calls throw StoreUnavailable instead of
 * the driver's error, and the edges answer 503. A statement the server never confirmed changed nothing.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzleStore } from '../../db/drizzle-store.js';
import { pgTables } from '../../db/schema/pg.js';
import { StoreUnavailable } from '../../core/store/unavailable.js';
import type { Store } from '../../core/store/types.js';
import type { Logger } from '../../app/context.js';
import { migrationsDir, type DatabaseHandle } from './sqlite.js';

export interface PostgresHandle extends DatabaseHandle {
  kind: 'postgres';
  pool: pg.Pool;
  close(): Promise<void>;
}

/** The key of the advisory lock held while migrating (any constant shared by every instance). */
const MIGRATION_LOCK = 'eabgate:migrations';

/** How long a query waits for a free connection (or a new one to open) before the request fails with 503. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * How long a query may go unanswered (a database host that vanished without closing the connection) before
 * the request fails with 503. Far above any statement the store runs (single-row writes, bounded reads).
 */
const QUERY_TIMEOUT_MS = 30_000;

export async function openPostgresStore(
  database: { url: string; poolSize: number },
  logger?: Logger,
): Promise<PostgresHandle> {
  const pool = new pg.Pool({
    connectionString: database.url,
    max: database.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: 'eabgate',
  });
  // An idle connection that dies (server restart) is reported here; the pool drops it and opens another
  // when needed. Without a listener the error would end the process.
  pool.on('error', (err) => logger?.error('postgres: idle connection lost', { error: errorCode(err) }));

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    // The message of node-postgres names host and port, never the password.
    throw new Error(`EABGATE_DATABASE_URL: cannot connect to PostgreSQL (${(err as Error).message})`);
  }
  try {
    await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: migrationsDir('drizzle-pg') });
    } finally {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
    }
  } catch (err) {
    client.release(true);
    await pool.end().catch(() => undefined);
    throw err;
  }
  client.release();

  return {
    kind: 'postgres',
    store: unavailableOnConnectionLoss(drizzleStore(drizzle({ client: pool }), 'pg', pgTables)),
    pool,
    close: () => pool.end(),
  };
}

/** The driver's error code, for logs (never the message: it may quote a value). */
function errorCode(err: unknown): string {
  return String((err as { code?: unknown })?.code ?? (err as Error)?.name ?? 'error');
}

/** Node's network error codes, and PostgreSQL's SQLSTATEs that mean "not now" rather than "wrong request". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Query read timeout/i;

/** Whether `err` (or its cause: Drizzle wraps driver errors) says the database could not be reached. */
export function isConnectionLoss(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof Error && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** The store with every method's connection errors turned into StoreUnavailable (other errors unchanged). */
export function unavailableOnConnectionLoss<T extends object>(target: T): T {
  const rethrow = (err: unknown): never => {
    throw isConnectionLoss(err) ? new StoreUnavailable() : err;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'function') {
      out[key] = (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(rethrow) : result;
        } catch (err) {
          return rethrow(err);
        }
      };
    } else if (value && typeof value === 'object') {
      out[key] = unavailableOnConnectionLoss(value);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

export type { Store };
