/**
 * The Store over Drizzle's sqlite-core: one implementation for better-sqlite3 (Node) and D1 (Workers).
 * Every query is awaited, which works for both the synchronous and the asynchronous driver. No
 * multi-statement transactions (D1 has none): each write is one atomic statement.
 */
import { desc, eq, lte, lt } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema/index.js';
import type { Store, OrderRecord } from '../core/store/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = BaseSQLiteDatabase<'sync' | 'async', any, typeof schema>;

const toOrder = (row: typeof schema.orders.$inferSelect): OrderRecord => row;

export function drizzleStore(db: Db): Store {
  const { customers, sessions, throttles, orders, unlockCodes } = schema;
  return {
    customers: {
      async create(c) {
        await db.insert(customers).values(c);
      },
      async byEmail(email) {
        return (await db.select().from(customers).where(eq(customers.email, email)).limit(1))[0];
      },
      async byId(id) {
        return (await db.select().from(customers).where(eq(customers.id, id)).limit(1))[0];
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
        const rows = await db.select().from(sessions).where(eq(sessions.tokenDigest, tokenDigest)).limit(1);
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
        return (await db.select().from(throttles).where(eq(throttles.key, key)).limit(1))[0];
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
    },
    orders: {
      async create(o) {
        await db.insert(orders).values(o);
      },
      async byNumber(orderNumber) {
        const row = (await db.select().from(orders).where(eq(orders.orderNumber, orderNumber)).limit(1))[0];
        return row && toOrder(row);
      },
      async byCaReferenceDigest(digest) {
        const row = (await db.select().from(orders).where(eq(orders.caReferenceDigest, digest)).limit(1))[0];
        return row && toOrder(row);
      },
      async listByCustomer(customerId) {
        const rows = await db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.createdAt));
        return rows.map(toOrder);
      },
      async update(id, changes) {
        await db.update(orders).set(changes).where(eq(orders.id, id));
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
            .limit(1)
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
  };
}

