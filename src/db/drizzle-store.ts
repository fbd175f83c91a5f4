/**
 * The Store over Drizzle: one implementation for better-sqlite3 (Node), D1 (Workers) and PostgreSQL
 * through node-postgres (Node, EABGATE_DATABASE_URL), on the tables of ./schema (one description, both
 * dialects: ./schema/kinds.ts). Every query is awaited, which works for the synchronous and the
 * asynchronous drivers. Each write is one atomic statement, or, where several rows must appear together
 * (a new ACME order, a mail with its event), one atomic unit through StoreDb.atomically (a transaction on
 * better-sqlite3 and PostgreSQL, a batch on D1), so it is as correct with many instances on one PostgreSQL
 * as with one process on SQLite.
 */
import { and, desc, eq, isNotNull, isNull, lte, lt, or, sql } from 'drizzle-orm';
import type { Store, OrderRecord, CaMaterialRecord, DomainValidationRecord } from '../core/store/types.js';
import { caasStore } from './store/caas.js';
import { acmeStore } from './store/acme.js';
import { retentionStore } from './store/retention.js';
import { upstreamOrderStore } from './store/upstream.js';
import { mailStore } from './store/mail.js';
import { conditionalUpdates, isUniqueViolation, type StatusTable } from './store/conditional.js';
import { LIMIT_ONE, literal, rowShape, ph, phFor, storeDb, type Db, type StoreDbOptions } from './store/db.js';
import type { Dialect } from './schema/kinds.js';
import type { Tables } from './schema/tables.js';
import type { orders as sqliteOrders } from './schema/index.js';

export type { Db };

const toOrder = (row: typeof sqliteOrders.$inferSelect): OrderRecord => row;

/**
 * `database`: a Drizzle database over better-sqlite3 or D1 (dialect 'sqlite'), or over node-postgres ('pg',
 * with the tables of ./schema/pg.ts).
 */
export function drizzleStore(database: unknown, dialect: Dialect = 'sqlite', tables?: Tables, opts: StoreDbOptions = {}): Store {
  const s = storeDb(database, dialect, tables, opts);
  const { db } = s;
  const { customers, sessions, throttles, orders, unlockCodes, caMaterial, domainValidations, certificates } = s.t;
  const transitionOrder = conditionalUpdates<OrderRecord>(s, orders as unknown as StatusTable);
  const updateValidation = conditionalUpdates<DomainValidationRecord>(s, domainValidations as unknown as StatusTable);
  // Prepared once: the certificate reads of ACME issuance and download (as ./store/acme.ts does for its queries).
  const certificateQuery = {
    byIssuance: s.prepare('cert_byIssuance', db.select().from(certificates).where(eq(certificates.issuanceId, ph('id'))).limit(LIMIT_ONE)),
    byId: s.prepare('cert_byId', db.select().from(certificates).where(eq(certificates.id, ph('id'))).limit(LIMIT_ONE)),
    // An ACME order's certificate carries the order's id as its issuance id (src/ra/acme/issuance.ts), so the
    // unique index on issuance_id finds it; acme_order_id alone has no index and would scan the table.
    byAcmeOrder: s.prepare(
      'cert_byAcmeOrder',
      db.select().from(certificates).where(and(eq(certificates.issuanceId, ph('id')), eq(certificates.acmeOrderId, ph('id')))).limit(LIMIT_ONE),
    ),
  };
  type CertificateRow = typeof certificates.$inferSelect;
  // The certificate of an issuance, prepared per shape (rowShape): one per ACME finalize.
  const certificateInserts = new Map<string, ReturnType<typeof s.prepare>>();
  const certificateInsert = (row: Record<string, unknown>) => {
    const { shape, values } = rowShape(row);
    let stmt = certificateInserts.get(shape);
    if (!stmt) {
      const query = db.insert(certificates).values(values as never).onConflictDoNothing({ target: certificates.issuanceId }).returning();
      stmt = s.prepare(`cert_insert:${shape}`, query);
      certificateInserts.set(shape, stmt);
    }
    return stmt.all(row);
  };
  // A rate-limit hit: one upsert per key. SET expressions all read the row as it was, so both CASEs see the old
  // window start. `now` goes into VALUES (encoded by the column there), `nowSql` into raw SQL (encoded by its
  // parameter).
  const throttleUpsert = (tx: Db, key: unknown, before: unknown, now: unknown, nowSql: unknown) => {
    const over = lte(throttles.windowStart, before as Date);
    return tx
      .insert(throttles)
      .values({ key, failures: 1, windowStart: now, blockedUntil: null } as never)
      .onConflictDoUpdate({
        target: throttles.key,
        set: {
          failures: sql`CASE WHEN ${over} THEN 1 ELSE ${throttles.failures} + 1 END`,
          windowStart: sql`CASE WHEN ${over} THEN ${nowSql} ELSE ${throttles.windowStart} END`,
        },
      })
      .returning({ count: throttles.failures, windowStart: throttles.windowStart }) as never;
  };
  // One key: the statement alone, prepared.
  const throttleHit = s.prepare(
    'throttle_hit',
    throttleUpsert(db, ph('key'), phFor(throttles.windowStart, 'windowStartedBefore'), ph('now'), phFor(throttles.windowStart, 'now')),
  );
  const hitOne = async (key: string, now: Date, windowMs: number) => {
    const rows = (await throttleHit.all({ key, now, windowStartedBefore: new Date(now.getTime() - windowMs) })) as { count: number; windowStart: Date }[];
    return { count: rows[0]!.count, windowStart: rows[0]!.windowStart };
  };
  // Several keys (RateLimits.consume: an account's and an address's) in one unit, one per number of keys.
  const throttleUnits = new Map<number, (params: Record<string, unknown>) => Promise<unknown[][]>>();
  const throttleUnit = (n: number) => {
    let unit = throttleUnits.get(n);
    if (!unit) {
      unit = s.preparedAtomic((tx, v) =>
        Array.from({ length: n }, (_, i) =>
          throttleUpsert(tx, v(`key${i}`), v(`before${i}`, throttles.windowStart), v('now'), v('now', throttles.windowStart)),
        ),
      );
      throttleUnits.set(n, unit);
    }
    return unit;
  };
  // An ACME order's certificate and the order valid, one unit per row shape (src/ra/acme/issuance.ts): one
  // commit where there were two. The order takes the certificate stored under its issuance id, which is this
  // one or the one another attempt stored first (the INSERT then does nothing).
  const { acmeOrders } = s.t;
  const acmeIssuedUnits = new Map<string, (params: Record<string, unknown>) => Promise<unknown[][]>>();
  const acmeIssuedUnit = (row: Record<string, unknown>) => {
    const { shape } = rowShape(row);
    let unit = acmeIssuedUnits.get(shape);
    if (!unit) {
      const columns = Object.keys(row).filter((k) => row[k] !== undefined);
      unit = s.preparedAtomic((tx, v) => [
        tx
          .insert(certificates)
          .values(Object.fromEntries(columns.map((c) => [c, row[c] === null ? sql`null` : v(c)])) as never)
          .onConflictDoNothing({ target: certificates.issuanceId })
          .returning() as never,
        tx
          .update(acmeOrders)
          .set({
            status: 'valid',
            certificateId: sql`(select ${certificates.id} from ${certificates} where ${certificates.issuanceId} = ${v('issuanceId', certificates.issuanceId)})`,
            issuerHandle: null,
            error: null,
          } as never)
          .where(and(eq(acmeOrders.id, v('acmeOrderId', acmeOrders.id) as string), eq(acmeOrders.status, literal('processing'))))
          .returning({ id: acmeOrders.id }) as never,
      ]);
      acmeIssuedUnits.set(shape, unit);
    }
    return unit(row);
  };
  const certificateByIssuance = async (issuanceId: string) => (await certificateQuery.byIssuance.get({ id: issuanceId })) as CertificateRow | undefined;
  return {
    customers: {
      async create(c) {
        await db.insert(customers).values(c);
      },
      async byEmail(email) {
        return (await db.select().from(customers).where(eq(customers.email, email)).limit(LIMIT_ONE))[0];
      },
      async byId(id) {
        return (await db.select().from(customers).where(eq(customers.id, id)).limit(LIMIT_ONE))[0];
      },
      async list() {
        return db.select().from(customers).orderBy(customers.createdAt);
      },
    },
    sessions: {
      async create(s) {
        await db.insert(sessions).values(s);
      },
      async live(tokenDigest, now) {
        const rows = await db.select().from(sessions).where(eq(sessions.tokenDigest, tokenDigest)).limit(LIMIT_ONE);
        const s = rows[0];
        return s && s.expiresAt > now ? s : undefined;
      },
      async delete(tokenDigest) {
        await db.delete(sessions).where(eq(sessions.tokenDigest, tokenDigest));
      },
      async purgeExpired(now) {
        const gone = await db.delete(sessions).where(lte(sessions.expiresAt, now)).returning({ d: sessions.tokenDigest });
        return gone.length;
      },
    },
    throttles: {
      async get(key) {
        return (await db.select().from(throttles).where(eq(throttles.key, key)).limit(LIMIT_ONE))[0];
      },
      async put(t) {
        await db
          .insert(throttles)
          .values(t)
          .onConflictDoUpdate({
            target: throttles.key,
            set: { failures: t.failures, windowStart: t.windowStart, blockedUntil: t.blockedUntil },
          });
      },
      async delete(key) {
        await db.delete(throttles).where(eq(throttles.key, key));
      },
      async purgeBefore(cutoff) {
        const gone = await db.delete(throttles).where(lt(throttles.windowStart, cutoff)).returning({ k: throttles.key });
        return gone.length;
      },
      hit: hitOne,
      async hitAll(hits, now) {
        if (hits.length === 0) return [];
        if (hits.length === 1) return [await hitOne(hits[0]!.key, now, hits[0]!.windowMs)];
        const params: Record<string, unknown> = { now };
        hits.forEach((h, i) => {
          params[`key${i}`] = h.key;
          params[`before${i}`] = new Date(now.getTime() - h.windowMs);
        });
        const results = (await throttleUnit(hits.length)(params)) as { count: number; windowStart: Date }[][];
        return results.map((rows) => ({ count: rows[0]!.count, windowStart: rows[0]!.windowStart }));
      },
    },
    orders: {
      async create(o) {
        await db.insert(orders).values(o);
      },
      async byNumber(orderNumber) {
        const row = (await db.select().from(orders).where(eq(orders.orderNumber, orderNumber)).limit(LIMIT_ONE))[0];
        return row && toOrder(row);
      },
      async byCaReferenceDigest(digest) {
        const row = (await db.select().from(orders).where(eq(orders.caReferenceDigest, digest)).limit(LIMIT_ONE))[0];
        return row && toOrder(row);
      },
      async byId(id) {
        const row = (await db.select().from(orders).where(eq(orders.id, id)).limit(LIMIT_ONE))[0];
        return row && toOrder(row);
      },
      async listByCustomer(customerId) {
        const rows = await db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.createdAt));
        return rows.map(toOrder);
      },
      async renewalOf(orderId) {
        const row = (await db.select().from(orders).where(eq(orders.renewsOrderId, orderId)).limit(LIMIT_ONE))[0];
        return row && toOrder(row);
      },
      async transition(id, from, changes, match) {
        const rows = await transitionOrder(id, changes as Record<string, unknown>, from, match as Record<string, unknown> | undefined);
        return rows[0];
      },
      async needingRecovery(cutoff, limit) {
        return db
          .select()
          .from(orders)
          .where(
            or(
              and(eq(orders.status, 'pending_issuance'), or(isNull(orders.issuanceLeaseAt), lte(orders.issuanceLeaseAt, cutoff))),
              and(eq(orders.status, 'issued'), isNotNull(orders.replacesCertificateId)),
            ),
          )
          .orderBy(orders.issuanceLeaseAt)
          .limit(limit);
      },
    },
    unlockCodes: {
      async create(u) {
        await db.insert(unlockCodes).values(u);
      },
      async latestForOrder(orderId) {
        return (
          await db
            .select()
            .from(unlockCodes)
            .where(eq(unlockCodes.orderId, orderId))
            .orderBy(desc(unlockCodes.createdAt))
            .limit(LIMIT_ONE)
        )[0];
      },
      async delete(id) {
        await db.delete(unlockCodes).where(eq(unlockCodes.id, id));
      },
      async purgeExpired(now) {
        const gone = await db.delete(unlockCodes).where(lte(unlockCodes.expiresAt, now)).returning({ id: unlockCodes.id });
        return gone.length;
      },
    },
    caMaterial: {
      async get(id) {
        return (await db.select().from(caMaterial).where(eq(caMaterial.id, id)).limit(LIMIT_ONE))[0];
      },
      async createIfAbsent(m) {
        await db.insert(caMaterial).values(m).onConflictDoNothing();
        return (await db.select().from(caMaterial).where(eq(caMaterial.id, m.id)).limit(LIMIT_ONE))[0] as CaMaterialRecord;
      },
      async nextCrlNumber(id) {
        const rows = await db
          .update(caMaterial)
          .set({ crlNumber: sql`${caMaterial.crlNumber} + 1` })
          .where(eq(caMaterial.id, id))
          .returning({ n: caMaterial.crlNumber });
        return rows[0]!.n;
      },
    },
    domainValidations: {
      async createMany(v) {
        if (v.length) await db.insert(domainValidations).values(v);
      },
      async forOrder(orderId) {
        return db.select().from(domainValidations).where(eq(domainValidations.orderId, orderId)).orderBy(domainValidations.domain);
      },
      async update(id, changes, match) {
        return (await updateValidation(id, changes as Record<string, unknown>, undefined, match as Record<string, unknown> | undefined)).length === 1;
      },
    },
    certificates: {
      async create(c) {
        await db.insert(certificates).values(c);
      },
      async createForIssuance(c) {
        try {
          const inserted = (await certificateInsert(c as unknown as Record<string, unknown>)) as CertificateRow[];
          if (inserted[0]) return inserted[0];
        } catch (err) {
          // A unique serial clash cannot be another attempt's certificate: let it surface.
          if (!isUniqueViolation(err)) throw err;
        }
        // Another attempt of this issuance stored its certificate first: that one is the certificate.
        const stored = await certificateByIssuance(c.issuanceId);
        if (!stored) throw new Error('createForIssuance: the certificate was neither stored nor found');
        return stored;
      },
      async createForAcmeOrder(c) {
        const [inserted, attached] = (await acmeIssuedUnit(c as unknown as Record<string, unknown>)) as [CertificateRow[], unknown[]];
        const certificate = inserted[0] ?? (await certificateByIssuance(c.issuanceId));
        if (!certificate) throw new Error('createForAcmeOrder: the certificate was neither stored nor found');
        return { certificate, attached: attached.length === 1 };
      },
      byIssuance: certificateByIssuance,
      async liveForOrder(orderId) {
        return db
          .select()
          .from(certificates)
          .where(and(eq(certificates.orderId, orderId), isNull(certificates.revokedAt)))
          .orderBy(certificates.createdAt);
      },
      async bySerial(serialHex) {
        return (await db.select().from(certificates).where(eq(certificates.serialHex, serialHex)).limit(LIMIT_ONE))[0];
      },
      async byId(id) {
        return (await certificateQuery.byId.get({ id })) as CertificateRow | undefined;
      },
      async latestForOrder(orderId) {
        return (
          await db.select().from(certificates).where(eq(certificates.orderId, orderId)).orderBy(desc(certificates.createdAt)).limit(LIMIT_ONE)
        )[0];
      },
      async forAcmeOrder(acmeOrderId) {
        return (await certificateQuery.byAcmeOrder.get({ id: acmeOrderId })) as CertificateRow | undefined;
      },
      async revoke(id, at, reason, replacedBy) {
        const rows = await db
          .update(certificates)
          .set({ revokedAt: at, revocationReason: reason, replacedBy: replacedBy ?? null })
          .where(and(eq(certificates.id, id), isNull(certificates.revokedAt)))
          .returning({ id: certificates.id });
        return rows.length === 1;
      },
      async revoked() {
        return db.select().from(certificates).where(isNotNull(certificates.revokedAt)).orderBy(certificates.revokedAt);
      },
    },
    caas: caasStore(s),
    acme: acmeStore(s),
    retention: retentionStore(s),
    upstreamOrders: upstreamOrderStore(s),
    mail: mailStore(s),
  };
}

