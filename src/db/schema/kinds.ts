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
 * (PostgreSQL, drizzle-pg/) and writes each dialect's migrations.
 */
import * as sqlite from 'drizzle-orm/sqlite-core';
import * as pg from 'drizzle-orm/pg-core';

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

type ColumnOptions = { mode?: string; enum?: readonly string[] } | undefined;

const pgText = (name: string, opts?: ColumnOptions) =>
  opts?.mode === 'json' ? pg.jsonb(name) : pg.text(name, opts?.enum ? { enum: opts.enum as [string, ...string[]] } : {});

const pgInteger = (name: string, opts?: ColumnOptions) => {
  if (opts?.mode === 'timestamp_ms') return pg.timestamp(name, { mode: 'date', withTimezone: true, precision: 3 });
  if (opts?.mode === 'boolean') return pg.boolean(name);
  if (opts?.mode) throw new Error(`pgKinds: integer mode ${opts.mode} has no PostgreSQL kind`);
  return pg.integer(name);
};

export const pgKinds: Kinds = {
  dialect: 'pg',
  table: pg.pgTable as unknown as Kinds['table'],
  text: pgText as unknown as Kinds['text'],
  integer: pgInteger as unknown as Kinds['integer'],
  index: pg.index as unknown as Kinds['index'],
  uniqueIndex: pg.uniqueIndex as unknown as Kinds['uniqueIndex'],
  primaryKey: pg.primaryKey as unknown as Kinds['primaryKey'],
};
