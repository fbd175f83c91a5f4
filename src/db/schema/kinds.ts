/**
 * One description of each table, two dialects. The schema files describe their tables with the column
 * kinds of Drizzle's sqlite-core (text, integer in timestamp_ms / boolean mode, text in json mode); the
 * `Kinds` they are handed builds either SQLite tables (better-sqlite3 and D1) or PostgreSQL tables:
 *
 *   sqlite-core                        PostgreSQL
 *   text(name)                         text
 *   text(name, { mode: 'json' })       jsonb
 *   integer(name)                      integer
 *   integer(name, { mode: 'boolean' }) boolean
 *   integer(name, { mode: 'timestamp_ms' }) timestamp(3) with time zone
 *
 * Both build the same JavaScript values (string, number, boolean, Date, parsed JSON), so one store
 * (../drizzle-store.ts) serves both. The PostgreSQL tables are typed as the SQLite ones: the store is
 * written once against that type, and the builders it uses (select, insert … on conflict, update …
 * returning) behave alike on both. drizzle-kit reads ./index.ts (SQLite, drizzle/) and ./pg.ts
 * (PostgreSQL, drizzle-pg/) and writes each dialect's migrations. The PostgreSQL kinds live in
 * ./kinds-pg.ts, so that the Workers bundle never carries pg-core.
 */
import * as sqlite from 'drizzle-orm/sqlite-core';

export type Dialect = 'sqlite' | 'pg';

export interface Kinds {
  dialect: Dialect;
  table: typeof sqlite.sqliteTable;
  text: typeof sqlite.text;
  integer: typeof sqlite.integer;
  index: typeof sqlite.index;
  uniqueIndex: typeof sqlite.uniqueIndex;
  primaryKey: typeof sqlite.primaryKey;
}

export const sqliteKinds: Kinds = {
  dialect: 'sqlite',
  table: sqlite.sqliteTable,
  text: sqlite.text,
  integer: sqlite.integer,
  index: sqlite.index,
  uniqueIndex: sqlite.uniqueIndex,
  primaryKey: sqlite.primaryKey,
};
