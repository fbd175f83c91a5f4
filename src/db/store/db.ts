/**
 * What the store runs on: a Drizzle database of either dialect, its tables (../schema/kinds.ts) and the
 * two places where the drivers differ, hidden here:
 *  - prepared statements: sqlite-core's `.prepare()` answers `.all()`/`.get()`; pg-core's `.prepare(name)`
 *    answers `.execute()` (node-postgres then parses each named statement once per connection);
 *  - raw SQL: sqlite-core's `db.all(sql)`, pg-core's `db.execute(sql)` → `{ rows }`.
 * Everything else (select, insert … on conflict, update/delete … returning) is the same builder on both.
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Dialect } from '../schema/kinds.js';
import { sqliteTables } from '../schema/index.js';
import type { Tables } from '../schema/tables.js';
import { groupCommit, type Transaction } from './group-commit.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = BaseSQLiteDatabase<'sync' | 'async', any, any>;

export interface Prepared {
  all(params?: Record<string, unknown>): Promise<unknown[]>;
  get(params?: Record<string, unknown>): Promise<unknown>;
}

export interface StoreDb {
  /** The PostgreSQL database is typed as the SQLite one: the builders the store uses are alike (see kinds.ts). */
  db: Db;
  t: Tables;
  dialect: Dialect;
  /**
   * A prepared statement; `name` identifies it on PostgreSQL (same name, same SQL, in every store). Under group
   * commit (better-sqlite3), one that writes is a unit of its own, committed with the others of this turn.
   */
  prepare(name: string, query: unknown): Prepared;
  /** A raw statement's rows. */
  rows(query: SQL): Promise<Record<string, unknown>[]>;
  /**
   * A raw statement that counts rows and inserts only below a limit, run alone among those of the same
   * `key`. SQLite runs one writer at a time, so it is just the statement. On PostgreSQL two instances
   * could both count below the limit under READ COMMITTED (each statement sees what was committed when
   * it began): the statement runs in a transaction after `pg_advisory_xact_lock(key)`, so it begins only
   * once the previous holder committed, and sees its row.
   */
  rowsSerialized(key: string, query: SQL): Promise<Record<string, unknown>[]>;
  /**
   * Runs the queries `build` makes (each with RETURNING) as one atomic unit and answers each one's rows:
   * better-sqlite3 runs them synchronously between BEGIN and COMMIT (in a savepoint of a transaction shared
   * with the other units of this turn under group commit, ./group-commit.ts), D1 as one batch, PostgreSQL in a
   * transaction (the queries are built on the transaction's connection).
   */
  atomically(build: (db: Db) => Atomic[]): Promise<unknown[][]>;
  /** A timestamp in raw SQL: SQLite stores epoch milliseconds, PostgreSQL a timestamptz. */
  time(at: Date): SQL;
  /**
   * INSERT of `rows` into `table`, as an item of `atomically` (`tx` is the database `build` was given). On
   * better-sqlite3 each row goes through a one-row INSERT prepared once per table and column set: Drizzle
   * builds an INSERT's SQL anew on every call, which cost more CPU (and garbage) than running it on the
   * hot path (a new ACME order). D1 and PostgreSQL get the builder (a batch item, a query on the transaction).
   */
  insertRows(tx: Db, table: SQLiteTable, rows: Record<string, unknown>[]): Atomic;
  /**
   * Statements that run as one atomic unit with named parameters, for a hot path: better-sqlite3 prepares
   * them once (`build` gets placeholders from `v`) and runs them synchronously between BEGIN and COMMIT;
   * D1 (one batch) and PostgreSQL (one transaction) build them per call with the values. `v(name, col)`
   * stands for the parameter `name`; give `col` where it goes into WHERE or raw SQL, so that its value goes
   * through the column's encoder (SET values always do). Answers each statement's rows.
   */
  preparedAtomic(build: (db: Db, v: ParamRef) => Atomic[]): (params: Record<string, unknown>) => Promise<unknown[][]>;
}

/** A named parameter of preparedAtomic: a placeholder when prepared, the value itself when built per call (with `col`, encoded by it either way). */
export type ParamRef = (name: string, col?: Parameters<typeof sql.param>[1]) => unknown;

/** A query not run yet: `.all()` in a synchronous SQLite transaction, an item of a D1 batch, awaited on PostgreSQL. */
export interface Atomic {
  all(): unknown;
}

/** A named placeholder of a prepared statement. */
export const ph = (name: string) => sql.placeholder(name);
/** A placeholder compared with `col` in WHERE: its value goes through the column's encoder (timestamps, booleans). */
export const phFor = (col: Parameters<typeof sql.param>[1], name: string) => sql.param(ph(name), col);

/**
 * A constant of the code, written into the statement's text instead of bound as a parameter.
 *
 * SQLite (3.53, as better-sqlite3 builds it) marks a parameter that its planner looked at, and re-prepares
 * the statement before the next run whenever that parameter is bound again, whatever the value. The two cases
 * here: `LIMIT ?`, and a status compared with the partial index `acme_orders_processing_idx` (`WHERE status =
 * 'processing'`). A prepared statement then parses and plans its SQL on every run: on the ACME path that was
 * about 10 re-prepares per flow and a quarter of SQLite's CPU (perf, uprobes on sqlite3Reprepare).
 *
 * Only for values written in the code (statuses, a limit of 1), never for input: input stays a parameter.
 */
export function literal(value: string | number): SQL {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`literal: ${value} is not an integer`);
    return sql.raw(String(value));
  }
  return sql.raw(`'${value.replaceAll("'", "''")}'`);
}

/**
 * `.limit(LIMIT_ONE)`: `LIMIT 1` written in the text (see literal). Drizzle's `limit()` is typed as a number or
 * a placeholder, and writes any SQL object given to it as is, on SQLite and PostgreSQL alike.
 */
export const LIMIT_ONE = literal(1) as unknown as number;

/** Statuses (constants of the code) for `inArray(table.status, literals([…]))`: `('a', 'b')` in the text, see literal. */
export function literals(values: readonly string[]): SQL {
  if (values.length === 0) throw new Error('literals: no values');
  return sql`(${sql.join(values.map(literal), sql`, `)})`;
}

/**
 * The VALUES of an INSERT (or the SET of an UPDATE) of a row, for a statement prepared once per shape: a
 * placeholder per column given (named after it, so the row itself is the parameters), NULL written as NULL
 * (a column's encoder takes no null); `shape` names the columns and which of them are NULL.
 */
export function rowShape(row: Record<string, unknown>): { shape: string; values: Record<string, unknown> } {
  const columns = Object.keys(row).filter((k) => row[k] !== undefined).sort();
  return {
    shape: columns.map((c) => (row[c] === null ? `${c}=null` : c)).join(','),
    values: Object.fromEntries(columns.map((c) => [c, row[c] === null ? sql`null` : ph(c)])),
  };
}

/** preparedAtomic's values when the statements are built per call: the parameter, encoded by `col` when given. */
const valueOf =
  (params: Record<string, unknown>): ParamRef =>
  (name, col) =>
    col ? sql.param(params[name], col) : params[name];

type SqlitePrepared = { all(p?: Record<string, unknown>): unknown; get(p?: Record<string, unknown>): unknown };
type PgPrepared = { execute(p?: Record<string, unknown>): Promise<unknown[]> };

/**
 * PostgreSQL limits statement names to 63 bytes: names that are long or not plain identifiers (conditional
 * update shapes) get a hash, so that two shapes never share a name.
 */
function statementName(name: string): string {
  if (name.length <= 40 && /^[A-Za-z0-9_]+$/.test(name)) return `eg_${name}`;
  // Two FNV-1a 32-bit hashes with different seeds: 64 bits, so distinct shapes do not collide in practice.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `eg_${name.slice(0, 20).replace(/[^A-Za-z0-9_]/g, '_')}_${h1.toString(16)}${h2.toString(16)}`;
}

export interface StoreDbOptions {
  /**
   * better-sqlite3 only: commit the atomic units of one turn of the event loop together (./group-commit.ts),
   * scheduled by this (the Node adapter gives `setImmediate`). Without it each unit commits when it is issued.
   */
  groupCommit?: (flush: () => void) => void;
}

/** `tables`: the SQLite ones by default; PostgreSQL's (../schema/pg.ts) are passed by the Node adapter. */
export function storeDb(db: unknown, dialect: Dialect = 'sqlite', tables?: Tables, opts: StoreDbOptions = {}): StoreDb {
  if (dialect === 'pg') {
    if (!tables) throw new Error('storeDb: PostgreSQL needs its tables (src/db/schema/pg.ts)');
    type Executor = { execute(q: SQL): Promise<{ rows: Record<string, unknown>[] }> };
    const pgDb = db as Executor & { transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> };
    return {
      db: db as Db,
      t: tables,
      dialect,
      prepare(name, query) {
        const stmt = (query as { prepare(name: string): PgPrepared }).prepare(statementName(name));
        return {
          all: (p) => stmt.execute(p),
          get: async (p) => (await stmt.execute(p))[0],
        };
      },
      rows: async (query) => (await pgDb.execute(query)).rows,
      rowsSerialized: (key, query) =>
        pgDb.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
          return (await tx.execute(query)).rows;
        }),
      atomically: (build) =>
        pgDb.transaction(async (tx) => {
          const out: unknown[][] = [];
          for (const q of build(tx as unknown as Db)) out.push((await (q as unknown as PromiseLike<unknown[]>)) as unknown[]);
          return out;
        }),
      time: (at) => sql`${at.toISOString()}::timestamptz`,
      insertRows: (tx, table, rows) => tx.insert(table).values(rows as never) as unknown as Atomic,
      preparedAtomic(build) {
        return (params) => this.atomically((tx) => build(tx, valueOf(params)));
      },
    };
  }
  const d1 = typeof (db as { batch?: unknown }).batch === 'function';
  /** One-row INSERTs prepared per table and column set (better-sqlite3 only): `shape` → statement. */
  const inserts = new Map<string, { run(p: Record<string, unknown>): unknown }>();
  const preparedInsert = (table: SQLiteTable, row: Record<string, unknown>) => {
    const { shape, values } = rowShape(row);
    const key = `${getTableName(table)}(${shape})`;
    let stmt = inserts.get(key);
    if (!stmt) {
      stmt = (db as Db).insert(table).values(values as never).prepare() as unknown as { run(p: Record<string, unknown>): unknown };
      inserts.set(key, stmt);
    }
    return stmt;
  };
  // better-sqlite3's own transaction wrapper (BEGIN, the function, COMMIT; a savepoint when nested), made once.
  // drizzle's db.transaction() builds a transaction object (a relational query builder per table of the
  // schema) and a new better-sqlite3 wrapper on every call, for a `tx` these units never use: their
  // statements are built on `db`. It was about 5% of what the server allocated per ACME flow.
  const client = d1 ? undefined : (db as { $client: { inTransaction: boolean; transaction<T>(fn: (run: () => T) => T): (run: () => T) => T } }).$client;
  const inTransaction = client?.transaction(<T>(run: () => T) => run()) as Transaction | undefined;
  /** Group commit's scheduler: only for better-sqlite3 (D1 has batches). */
  const schedule = client ? opts.groupCommit : undefined;
  /** Runs a synchronous unit between BEGIN and COMMIT: with the others of this turn under group commit, else at once. */
  const unit: <T>(run: () => T) => Promise<T> = schedule
    ? groupCommit({ transaction: inTransaction!, inTransaction: () => client!.inTransaction, schedule })
    : async (run) => inTransaction!(run);
  return {
    db: db as Db,
    t: tables ?? sqliteTables,
    dialect,
    insertRows(tx, table, rows) {
      if (d1) return tx.insert(table).values(rows as never) as unknown as Atomic;
      return {
        all: () =>
          rows.map((row) => preparedInsert(table, row).run(row)),
      };
    },
    prepare(_name, query) {
      const stmt = (query as { prepare(): SqlitePrepared & { stmt?: { readonly?: boolean } } }).prepare();
      // A statement that writes (an INSERT, UPDATE or DELETE, with RETURNING or not) is a unit of its own.
      // `stmt.stmt` is drizzle's better-sqlite3 Statement; were it gone, the statement would just commit alone
      // (test/db/group-commit.test.ts would say so).
      if (schedule && stmt.stmt?.readonly === false) {
        return {
          all: (p) => unit(() => stmt.all(p) as unknown[]),
          get: (p) => unit(() => stmt.get(p)),
        };
      }
      return {
        all: async (p) => (await stmt.all(p)) as unknown[],
        get: async (p) => await stmt.get(p),
      };
    },
    rows: async (query) => (await (db as Db).all(query)) as Record<string, unknown>[],
    rowsSerialized: async (_key, query) => (await (db as Db).all(query)) as Record<string, unknown>[],
    async atomically(build) {
      const queries = build(db as Db);
      if (d1) return (await (db as { batch(q: unknown[]): Promise<unknown[]> }).batch(queries)) as unknown[][];
      return unit(() => queries.map((q) => q.all() as unknown[]));
    },
    preparedAtomic(build) {
      if (d1) return (params) => this.atomically((tx) => build(tx, valueOf(params)));
      let stmts: SqlitePrepared[] | undefined;
      return async (params) => {
        stmts ??= build(db as Db, (name, col) => (col ? phFor(col, name) : ph(name))).map((q) => (q as unknown as { prepare(): SqlitePrepared }).prepare());
        const prepared = stmts;
        return unit(() => prepared.map((stmt) => stmt.all(params) as unknown[]));
      };
    },
    time: (at) => sql`${at.getTime()}`,
  };
}
