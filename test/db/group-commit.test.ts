/**
 * Group commit (src/db/store/group-commit.ts) on a real SQLite file in WAL mode, read back through a second
 * connection, which sees only what was committed: units of one turn share a transaction, each keeps its own
 * atomicity, and none settles before its COMMIT.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCommit } from '../../src/db/store/group-commit.js';
import { openSqliteStore, type SqliteHandle } from '../../src/adapters/node/sqlite.js';

let dir: string;
let db: Database.Database;
let reader: Database.Database;
/** Outer transactions begun, i.e. commits attempted. */
let transactions: number;
let group: <T>(run: () => T) => Promise<T>;

const rows = () => reader.prepare('select id, note from t order by id').all() as { id: number; note: string }[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eabgate-group-commit-'));
  db = new Database(join(dir, 'g.db'));
  db.pragma('journal_mode = WAL');
  db.exec("create table t (id integer primary key, note text not null, status text not null default 'a')");
  reader = new Database(join(dir, 'g.db'), { readonly: true });
  transactions = 0;
  const wrapped = db.transaction(<T>(run: () => T) => run()) as <T>(run: () => T) => T;
  group = groupCommit({
    transaction: <T>(run: () => T) => {
      if (!db.inTransaction) transactions++;
      return wrapped(run);
    },
    inTransaction: () => db.inTransaction,
    schedule: (flush) => setImmediate(flush),
  });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: number, note: string) => () => db.prepare('insert into t (id, note) values (?, ?) returning id').all(id, note);

describe('groupCommit', () => {
  it('commits the units of one turn in one transaction, answers each its own rows, and settles only after the COMMIT', async () => {
    const settled: number[] = [];
    const units = [1, 2, 3].map((id) => group(insert(id, `n${id}`)).then((r) => (settled.push(id), r)));
    // Issued, not yet run: nothing is committed and nothing has settled.
    expect(rows()).toEqual([]);
    expect(settled).toEqual([]);
    expect(await Promise.all(units)).toEqual([[{ id: 1 }], [{ id: 2 }], [{ id: 3 }]]);
    expect(transactions).toBe(1);
    expect(settled).toEqual([1, 2, 3]);
    expect(rows().map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('rolls back a failing unit alone: its other statements too, while the rest of the group commits', async () => {
    const ok1 = group(insert(1, 'first'));
    const failing = group(() => {
      insert(10, 'part of the failing unit')();
      return insert(1, 'duplicate key')();
    });
    const ok2 = group(insert(2, 'second'));
    await expect(failing).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await ok1).toEqual([{ id: 1 }]);
    expect(await ok2).toEqual([{ id: 2 }]);
    expect(transactions).toBe(1);
    expect(rows()).toEqual([
      { id: 1, note: 'first' },
      { id: 2, note: 'second' },
    ]);
  });

  it('runs the units in the order issued: of two conditional transitions of one row, exactly one wins', async () => {
    db.prepare("insert into t (id, note) values (1, 'row')").run();
    const transition = (note: string) => () => db.prepare("update t set status = 'b', note = ? where id = 1 and status = 'a' returning id").all(note);
    const [first, second] = await Promise.all([group(transition('first')), group(transition('second'))]);
    expect(first).toEqual([{ id: 1 }]);
    expect(second).toEqual([]);
    expect(rows()).toEqual([{ id: 1, note: 'first' }]);
  });

  it('puts a unit issued after a group settled into the next group, which sees the first one', async () => {
    await group(insert(1, 'one')).then(() => group(() => db.prepare('select count(*) as n from t').get()));
    expect(transactions).toBe(2);
    const count = await group(() => db.prepare('select count(*) as n from t').get());
    expect(count).toEqual({ n: 1 });
  });

  it('rejects every unit of the group, and stores none, when the transaction itself ends', async () => {
    const before = group(insert(1, 'before'));
    const ending = group(() => {
      insert(2, 'ending')();
      // What SQLite does on its own after some I/O errors and on a full disk: the transaction is gone.
      db.prepare('rollback').run();
      return [];
    });
    const after = group(insert(3, 'after'));
    const outcomes = await Promise.allSettled([before, ending, after]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([]);
    // The connection is usable again.
    expect(await group(insert(4, 'next'))).toEqual([{ id: 4 }]);
    expect(rows()).toEqual([{ id: 4, note: 'next' }]);
  });

  it('gives a unit that is alone in its turn a transaction of its own, and its error', async () => {
    expect(await group(insert(1, 'alone'))).toEqual([{ id: 1 }]);
    await expect(group(insert(1, 'again'))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(transactions).toBe(2);
    expect(rows()).toEqual([{ id: 1, note: 'alone' }]);
  });
});

describe('the Node SQLite store', () => {
  let handle: SqliteHandle;
  beforeEach(() => {
    handle = openSqliteStore(join(dir, 'store.db'));
  });
  afterEach(() => handle.close());

  it('counts concurrent rate-limit hits exactly, one commit for the hits of one turn', async () => {
    const probe = handle.sqlite.prepare('select 1');
    const Statement = Object.getPrototypeOf(probe) as { run: (...a: unknown[]) => unknown };
    const run = Statement.run;
    let begins = 0;
    Statement.run = function (this: Database.Statement, ...args: unknown[]) {
      if (/^begin\b/i.test(this.source)) begins++;
      return run.apply(this, args);
    };
    try {
      const now = new Date();
      const hits = await Promise.all(
        Array.from({ length: 8 }, () =>
          handle.store.throttles.hitAll(
            [
              { key: 'limit:test:account:a', windowMs: 3_600_000 },
              { key: 'limit:test:address:b', windowMs: 3_600_000 },
            ],
            now,
          ),
        ),
      );
      expect(hits.map((h) => h[0]!.count).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(hits.map((h) => h[1]!.count).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(begins).toBe(1);
      // A prepared statement that writes (one key's counter: a single upsert) is grouped as well.
      const single = await Promise.all(Array.from({ length: 5 }, () => handle.store.throttles.hit('limit:test:one', now, 3_600_000)));
      expect(single.map((h) => h.count).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
      expect(begins).toBe(2);
    } finally {
      Statement.run = run;
    }
  });
});
