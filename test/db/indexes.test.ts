/**
 * The SQLite planner really uses the indexes the store's queries were written for, the partial ones
 * included (a partial index is used only when the query's own terms imply its WHERE), and the hot ACME
 * writes leave the indexes alone where they can (a status change touches no index).
 *
 * Each store method runs against a real database file while better-sqlite3's prepare records the SQL it
 * is handed; EXPLAIN QUERY PLAN is then asked of that SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteHandle } from '../../src/adapters/node/sqlite.js';

let dir: string;
let h: SqliteHandle;
const seen: string[] = [];

const prepare = Database.prototype.prepare;
beforeAll(() => {
  // On the prototype, before the store is opened: it prepares its hot statements once, at construction.
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    seen.push(source);
    return prepare.call(this, source);
  } as typeof prepare;
  dir = mkdtempSync(join(tmpdir(), 'eabgate-indexes-'));
  h = openSqliteStore(join(dir, 'eabgate.db'));
});
afterAll(() => {
  Database.prototype.prepare = prepare;
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The plan of the last statement prepared whose SQL matches `pattern`. */
function planOf(pattern: RegExp): string {
  const source = [...seen].reverse().find((s) => pattern.test(s));
  if (!source) throw new Error(`no statement matched ${pattern}`);
  const params = (source.match(/\?/g) ?? []).map(() => null);
  const rows = h.sqlite.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...params) as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
}

describe('SQLite indexes', () => {
  it('recovery finds processing orders through the partial index', async () => {
    await h.store.acme.orders.needingRecovery(new Date(0), 10);
    expect(planOf(/from "acme_orders" where .*'processing'/)).toMatch(/USING INDEX acme_orders_processing_idx/);
  });

  it('renewal look-ups (replaces) use the partial index', async () => {
    await h.store.acme.orders.replacing('some-cert-id');
    expect(planOf(/from "acme_orders" where "acme_orders"."replaces" = \?/)).toMatch(/USING INDEX acme_orders_replaces_idx/);
  });

  it('authorization reuse and the account-wide queries use the identifier index', async () => {
    const now = new Date(0);
    await h.store.acme.authorizations.reusable('acct', { type: 'dns', value: 'example.com', wildcard: false }, now, now);
    expect(planOf(/from "acme_authorizations" where .*"identifier_value"/)).toMatch(/USING INDEX acme_authz_identifier_idx/);
    await h.store.acme.authorizations.validForAccount('acct', now);
    expect(planOf(/from "acme_authorizations" where .*"account_id" = \? and .*"status" = \? and/)).toMatch(/USING INDEX acme_authz_identifier_idx/);
  });

  it("certificates: an ACME order's by the issuance index, revoked ones and a tracking order's by the partial indexes", async () => {
    await h.store.certificates.forAcmeOrder('order-id');
    expect(planOf(/from "certificates" where .*"issuance_id" = \?/)).toMatch(/USING INDEX certificates_issuance_id_unique/);
    await h.store.certificates.revoked();
    expect(planOf(/from "certificates" where "certificates"."revoked_at" is not null/)).toMatch(/certificates_revoked_idx/);
    await h.store.certificates.latestForOrder('order-id');
    expect(planOf(/from "certificates" where "certificates"."order_id" = \?/)).toMatch(/USING INDEX certificates_order_idx/);
  });

  it('an authorization becoming valid rewrites its row only: one WAL page', async () => {
    const rows = h.sqlite
      .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = 'acme_authorizations' and sql is not null`)
      .all() as { name: string; sql: string }[];
    // No index of the table names the status column.
    expect(rows.map((r) => r.name).sort()).toEqual(['acme_authz_identifier_idx', 'acme_authz_order_idx']);
    for (const r of rows) expect(r.sql).not.toMatch(/status/);
    const orderIndexes = h.sqlite
      .prepare(`select sql from sqlite_master where type = 'index' and tbl_name = 'acme_orders' and sql like '%status%'`)
      .all() as { sql: string }[];
    expect(orderIndexes.map((r) => r.sql)).toEqual([expect.stringMatching(/WHERE status = 'processing'$/)]);
    // Measured: the WAL grows by one frame (one page) for an UPDATE of the status of one authorization.
    // The rows are written directly (their parents would take a subscription, a customer, a plan…).
    h.sqlite.pragma('foreign_keys = OFF');
    h.sqlite.exec(`insert into acme_accounts (id, thumbprint, jwk, status, contact, eab_kid, subscription_id, created_at) values ('a1', 't1', '{}', 'valid', '[]', 'k1', 's1', 0)`);
    h.sqlite.exec(
      `insert into acme_orders (id, account_id, status, identifiers, expires, created_at) values ('o1', 'a1', 'pending', '[]', 0, 0)`,
    );
    h.sqlite.exec(
      `insert into acme_authorizations (id, order_id, account_id, identifier_type, identifier_value, wildcard, status, expires) values ('z1', 'o1', 'a1', 'dns', 'example.com', 0, 'pending', 0)`,
    );
    h.sqlite.pragma('wal_autocheckpoint = 0');
    const wal = join(dir, 'eabgate.db-wal');
    const before = statSync(wal).size;
    h.sqlite.exec(`update acme_authorizations set status = 'valid', validated_at = 1 where id = 'z1'`);
    expect((statSync(wal).size - before) / (4096 + 24)).toBe(1);
    const beforeOrder = statSync(wal).size;
    h.sqlite.exec(`update acme_orders set status = 'ready' where id = 'o1'`);
    expect((statSync(wal).size - beforeOrder) / (4096 + 24)).toBe(1);
  });
});
