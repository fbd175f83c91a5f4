/** UpstreamOrderStore over Drizzle (SQLite and PostgreSQL alike): one atomic statement per write. */
import { and, asc, eq, exists, inArray, isNull } from 'drizzle-orm';
import { LIMIT_ONE, type StoreDb } from './db.js';
import type { UpstreamOrderRecord, UpstreamOrderStore } from '../../core/store/upstream.js';
import { conditionalUpdates, isUniqueViolation, type StatusTable } from './conditional.js';

export function upstreamOrderStore(store: StoreDb): UpstreamOrderStore {
  const { db } = store;
  const { orders, upstreamOrders, domainValidations } = store.t;
  const update = conditionalUpdates<UpstreamOrderRecord>(store, upstreamOrders as unknown as StatusTable);
  const byOrder = async (orderId: string) => (await db.select().from(upstreamOrders).where(eq(upstreamOrders.id, orderId)).limit(LIMIT_ONE))[0];
  return {
    byOrder,
    async createIfAbsent(r) {
      try {
        await db.insert(upstreamOrders).values(r);
        return r;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return (await byOrder(r.id)) ?? r;
      }
    },
    async update(orderId, orderUrl, changes) {
      return (await update(orderId, changes, undefined, { orderUrl }))[0];
    },
    async missing(limit) {
      const rows = await db
        .select({ id: orders.id })
        .from(orders)
        .leftJoin(upstreamOrders, eq(upstreamOrders.id, orders.id))
        .where(and(eq(orders.status, 'pending_validation'), isNull(upstreamOrders.id)))
        .limit(limit);
      return rows.map((r) => r.id);
    },
    async answered(limit) {
      const rows = await db
        .select({ id: upstreamOrders.id })
        .from(upstreamOrders)
        .innerJoin(orders, eq(orders.id, upstreamOrders.id))
        .where(
          and(
            eq(orders.status, 'pending_validation'),
            inArray(upstreamOrders.status, ['pending', 'ready', 'processing']),
            // A name the gateway found published: Check now answered the upstream's challenge of it.
            exists(
              db
                .select({ one: domainValidations.id })
                .from(domainValidations)
                .where(and(eq(domainValidations.orderId, upstreamOrders.id), eq(domainValidations.status, 'valid'))),
            ),
          ),
        )
        .orderBy(asc(upstreamOrders.updatedAt))
        .limit(limit);
      return rows.map((r) => r.id);
    },
  };
}
