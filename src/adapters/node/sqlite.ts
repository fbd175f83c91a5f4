/**
 * Storage on Node: a SQLite file through better-sqlite3, migrated at start from drizzle/. The file, its
 * -wal and -shm, and its directory are private to the server's user (file-modes.ts).
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_DIR_MODE, precreateFile, tighten } from './file-modes.js';
import * as schema from '../../db/schema/index.js';
import { drizzleStore } from '../../db/drizzle-store.js';
import type { Store } from '../../core/store/types.js';

/**
 * drizzle/ (SQLite) or drizzle-pg/ (PostgreSQL) of the package: found upwards from this module, whether it
 * runs from src/ (tsx) or the build in dist/.
 */
export function migrationsDir(name = 'drizzle'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${name}/ migrations not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const MIGRATIONS_DIR = migrationsDir();

/** The database of a Node instance: SQLite here, PostgreSQL in ./postgres.ts. */
export interface DatabaseHandle {
  kind: 'sqlite' | 'postgres';
  store: Store;
  close(): void | Promise<void>;
}

export interface SqliteHandle extends DatabaseHandle {
  kind: 'sqlite';
  sqlite: Database.Database;
  close(): void;
}

/** SQLite's page cache per connection, KiB. */
const PAGE_CACHE_KIB = 512;

/** How many distinct statements stay prepared (the queries of the service number well under this). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Prepared statements kept by their SQL text. Drizzle prepares every query it runs anew; preparing costs
 * SQLite more than running most of the service's queries (about 1.5 s in a 95 s issuance profile), and
 * the same few dozen statements make up the hot path. A cached statement is handed out again only when
 * no iteration is in progress on it (`busy`), with its row mode reset (drizzle sets `raw()` on a
 * statement for its array queries). SQLite re-prepares a statement by itself when the schema changes.
 */
function cacheStatements(sqlite: Database.Database, max = STATEMENT_CACHE_SIZE): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) {
      if (cached.reader) cached.raw(false);
      cache.delete(source); // most recently used last: the oldest goes first when the cache is full
      cache.set(source, cached);
      return cached;
    }
    const stmt = prepare(source);
    if (!cached) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}

export function openSqliteStore(file: string): SqliteHandle {
  if (file !== ':memory:') {
    // Mode 0600 before SQLite opens the file: its -wal and -shm files are created with the database's mode.
    // The directory is created 0700 if missing; an existing one is the data dir's business (deps.ts).
    mkdirSync(dirname(file), { recursive: true, mode: DATA_DIR_MODE });
    precreateFile(file);
    tighten(`${file}-wal`);
    tighten(`${file}-shm`);
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // WAL + NORMAL: durable across application crashes, one fsync per checkpoint rather than per commit.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Deleted secrets must not linger in free pages of the file.
  sqlite.pragma('secure_delete = ON');
  // A small page cache, 512 KiB (better-sqlite3 builds with 16 MiB, SQLite's own default is 2 MiB): the cache
  // fills up with the database and holds that much of the server's memory under load, while a page beyond it
  // is a read from the OS page cache. Every query of the hot path goes through an index, whose upper levels
  // stay cached. bench:acme:ab, against 2 MiB, on a database of a few thousand flows (well beyond either):
  // peak RSS 1-2 MB lower per cell, CPU per flow B/A 0.97-1.07 and 0.98-1.02 (two runs, sides swapped).
  sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  cacheStatements(sqlite);
  // The atomic units of one turn of the event loop share a commit (src/db/store/group-commit.ts).
  const store = drizzleStore(db, 'sqlite', undefined, { groupCommit: (flush) => setImmediate(flush) });
  return { kind: 'sqlite', store, sqlite, close: () => sqlite.close() };
}
