/**
 * The statements of an ACME issuance stay prepared: none binds a parameter that SQLite's planner looks at.
 *
 * SQLite re-prepares a statement before every run in which such a parameter is bound again (src/db/store/db.ts:
 * literal). Two kinds occur in this store: `LIMIT ?`, and a status compared with a parameter on acme_orders,
 * whose partial index acme_orders_processing_idx has `WHERE status = 'processing'`. Each statement run during
 * a whole issuance (account, order, http-01, finalize, download) is recorded by its SQL and checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { acmeWorld, hostAt127, type AcmeWorld } from '../support/acme-world.js';
import { issue } from '../support/acme.js';

let w: AcmeWorld;
const ran = new Set<string>();
let recording = false;
const probe = new Database(':memory:');
const Statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...a: unknown[]) => unknown>;
const originals = { run: Statement.run, get: Statement.get, all: Statement.all, iterate: Statement.iterate };

beforeAll(async () => {
  for (const m of Object.keys(originals) as (keyof typeof originals)[]) {
    const original = originals[m];
    Statement[m] = function (this: Database.Statement, ...args: unknown[]) {
      if (recording) ran.add(this.source.replace(/\s+/g, ' '));
      return original.apply(this, args);
    };
  }
  w = await acmeWorld();
});
afterAll(async () => {
  Object.assign(Statement, originals);
  probe.close();
  await w?.close();
});

describe('SQLite statements of an ACME issuance', () => {
  it('bind no LIMIT and no acme_orders status, so SQLite never re-prepares them', async () => {
    hostAt127(w.dns, 'prepared.acme.example', 'www.prepared.acme.example');
    recording = true;
    const c = await w.registered();
    const got = await issue(c, w, ['prepared.acme.example', 'www.prepared.acme.example']);
    recording = false;
    expect(got.pem).toMatch(/BEGIN CERTIFICATE/);

    const statements = [...ran];
    // The flow went through the store: orders, authorizations, challenges, certificates.
    for (const table of ['acme_orders', 'acme_authorizations', 'acme_challenges', 'certificates']) {
      expect(statements.some((s) => s.includes(`"${table}"`)), table).toBe(true);
    }
    // Lookups by key carry LIMIT 1 written in the text.
    expect(statements.some((s) => /\blimit 1\b/i.test(s))).toBe(true);
    expect(statements.filter((s) => /\blimit \?/i.test(s))).toEqual([]);
    const boundOrderStatus = /"acme_orders"\."status" (?:=|<>|!=|in \()\s*\?/i;
    expect(statements.filter((s) => boundOrderStatus.test(s))).toEqual([]);
    // The order's transitions compare its status with literals.
    // finalize's claim (ready) and the certificate's unit (processing) among them.
    expect(statements.some((s) => /update "acme_orders" set .* "acme_orders"\."status" = 'ready'/.test(s))).toBe(true);
    expect(statements.some((s) => /update "acme_orders" set .* "acme_orders"\."status" = 'processing'/.test(s))).toBe(true);
  });
});
