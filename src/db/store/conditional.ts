/**
 * Conditional transitions, the one way state changes here: `UPDATE t SET … WHERE id = ? [AND status IN (…)]
 * [AND col = ? | col IS NULL …] RETURNING *`, one statement, so of two racing requests exactly one applies
 * its change. Statements are prepared per shape (the columns set, which of them are NULL, the statuses
 * allowed to start from, the columns matched) on first use: building SQL per request costs more CPU than
 * running it.
 */
import { and, eq, getTableName, inArray, isNull, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { literals, ph, phFor, rowShape, type StoreDb } from './db.js';
import { withChanges } from '../../core/with-changes.js';

export type StatusTable = SQLiteTable & { id: SQLiteColumn; status: SQLiteColumn };

/** A unique-constraint failure: SQLite's as better-sqlite3 and D1 word it, PostgreSQL's SQLSTATE 23505. */
export function isUniqueViolation(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  if ((err as { code?: unknown })?.code === '23505' || cause?.code === '23505') return true;
  const text = `${(err as { code?: unknown })?.code ?? ''} ${(err as Error)?.message ?? ''} ${String(cause ?? '')}`;
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(text);
}

/**
 * Returns `update(id, changes, from?, match?)` → the rows as they are afterwards ([] when the condition
 * did not hold). `match` compares columns for equality; a null value means IS NULL.
 */
export function conditionalUpdates<Row>(s: StoreDb, table: StatusTable) {
  const { db } = s;
  const cache = new Map<string, ReturnType<StoreDb['prepare']>>();
  const tableName = getTableName(table);
  const columns = table as unknown as Record<string, SQLiteColumn>;
  return async (
    id: string,
    changes: Record<string, unknown>,
    from?: readonly string[],
    match: Record<string, unknown> = {},
  ): Promise<Row[]> => {
    const set = rowShape(changes);
    if (set.shape === '') return [];
    const matchKeys = Object.keys(match)
      .filter((k) => match[k] !== undefined)
      .sort();
    const shape = `${set.shape}|${from?.join(',') ?? '*'}|` + matchKeys.map((k) => (match[k] === null ? `${k}=null` : k)).join(',');
    let stmt = cache.get(shape);
    if (!stmt) {
      const conditions: SQL[] = [eq(table.id, ph('__id'))];
      // The statuses are part of the shape, and written in the text (db.ts: literal).
      if (from) conditions.push(inArray(table.status, literals(from)));
      for (const k of matchKeys) {
        const col = columns[k];
        if (!col) throw new Error(`conditionalUpdates: no column ${k}`);
        // A WHERE placeholder bound to its column, so its value goes through the column's encoder as SET values do.
        conditions.push(match[k] === null ? isNull(col) : eq(col, phFor(col, `__m_${k}`)));
      }
      stmt = s.prepare(`${tableName}:${shape}`, db.update(table).set(set.values as never).where(and(...conditions)).returning());
      cache.set(shape, stmt);
    }
    const params: Record<string, unknown> = withChanges(changes, { __id: id });
    for (const k of matchKeys) if (match[k] !== null) params[`__m_${k}`] = match[k];
    return (await stmt.all(params)) as Row[];
  };
}
