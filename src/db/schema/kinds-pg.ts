/** The PostgreSQL column kinds behind the sqlite-core vocabulary of the schema files (see ./kinds.ts). */
import * as pg from 'drizzle-orm/pg-core';
import type { Kinds } from './kinds.js';

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
