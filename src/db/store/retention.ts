/** The RetentionStore over Drizzle (src/core/store/retention.ts), SQLite and PostgreSQL alike: each method one statement. */
import { and, eq, gt, gte, inArray, lt, lte, ne, notExists, or, sql, exists } from 'drizzle-orm';
import { literal, type StoreDb } from './db.js';
import type { RetentionStore } from '../../core/store/retention.js';
import type { OrderRecord } from '../../core/store/types.js';

export function retentionStore(store: StoreDb): RetentionStore {
  const { db } = store;
  const { acmeAuthorizations, acmeOrders, certificates, customers, domainValidations, eabViews, orders, sessions, unlockCodes } = store.t;
  /** A member of the organization JSON is present: SQLite's json_extract, PostgreSQL's jsonb ->>. */
  const organizationHas = (member: 'email' | 'unit') =>
    store.dialect === 'pg'
      ? sql`(${orders.organization} ->> ${sql.raw(`'${member}'`)}) IS NOT NULL`
      : sql`json_extract(${orders.organization}, ${sql.raw(`'$.${member}'`)}) IS NOT NULL`;
  /** Orders closed before the cutoff: ended, or issued with every certificate expired before it. */
  const closedBefore = (cutoff: Date) =>
    or(
      and(inArray(orders.status, ['rejected', 'failed', 'revoked']), lte(orders.updatedAt, cutoff)),
      and(
        eq(orders.status, 'issued'),
        exists(db.select({ one: sql`1` }).from(certificates).where(eq(certificates.orderId, orders.id))),
        notExists(
          db
            .select({ one: sql`1` })
            .from(certificates)
            .where(and(eq(certificates.orderId, orders.id), gt(certificates.notAfter, cutoff))),
        ),
      ),
    );
  return {
    async purgeEabViews(cutoff) {
      return (await db.delete(eabViews).where(lt(eabViews.viewedAt, cutoff)).returning({ id: eabViews.id })).length;
    },
    async purgeAcmeOrders(cutoff) {
      // An authorization still inside its lifetime (reused by a newer order) keeps its order.
      const gone = await db
        .delete(acmeOrders)
        .where(
          and(
            lt(acmeOrders.expires, cutoff),
            ne(acmeOrders.status, literal('processing')),
            notExists(
              db
                .select({ one: sql`1` })
                .from(acmeAuthorizations)
                .where(and(eq(acmeAuthorizations.orderId, acmeOrders.id), gte(acmeAuthorizations.expires, cutoff))),
            ),
          ),
        )
        .returning({ id: acmeOrders.id });
      return gone.length;
    },
    async closedOrdersWithPersonalData(cutoff, limit) {
      const personal = or(
        ne(orders.csrPem, ''),
        organizationHas('email'),
        organizationHas('unit'),
      );
      return (await db.select().from(orders).where(and(closedBefore(cutoff), personal)).limit(limit)) as OrderRecord[];
    },
    async purgeValidationsOfOrdersClosedBefore(cutoff) {
      const closed = db.select({ id: orders.id }).from(orders).where(closedBefore(cutoff));
      return (await db.delete(domainValidations).where(inArray(domainValidations.orderId, closed)).returning({ id: domainValidations.id })).length;
    },
    async deleteSessionsOf(customerId) {
      return (await db.delete(sessions).where(eq(sessions.customerId, customerId)).returning({ d: sessions.tokenDigest })).length;
    },
    async deleteUnlockCodesOf(customerId) {
      const own = db.select({ id: orders.id }).from(orders).where(eq(orders.customerId, customerId));
      return (await db.delete(unlockCodes).where(inArray(unlockCodes.orderId, own)).returning({ id: unlockCodes.id })).length;
    },
    async anonymizeCustomer(customerId, placeholderEmail, passwordHash) {
      const rows = await db
        .update(customers)
        .set({ email: placeholderEmail, passwordHash })
        .where(and(eq(customers.id, customerId), ne(customers.email, placeholderEmail)))
        .returning({ id: customers.id });
      return rows.length === 1;
    },
  };
}
