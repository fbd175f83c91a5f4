/** CaasStore over Drizzle (better-sqlite3 and D1 alike): one atomic statement per write. */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { subscriptions, eabCredentials, eabViews, acmeAccounts } from '../schema/index.js';
import type { Db } from '../drizzle-store.js';
import type { CaasStore } from '../../core/store/caas.js';

export function caasStore(db: Db): CaasStore {
  return {
    async createSubscription(s) {
      await db.insert(subscriptions).values(s);
    },
    async subscription(id) {
      return (await db.select().from(subscriptions).where(eq(subscriptions.id, id)).limit(1))[0];
    },
    async subscriptionsOf(customerId) {
      return db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId)).orderBy(desc(subscriptions.createdAt));
    },
    async allSubscriptions() {
      return db.select().from(subscriptions).orderBy(desc(subscriptions.createdAt));
    },
    async revokeSubscription(id, at) {
      const rows = await db
        .update(subscriptions)
        .set({ status: 'revoked', revokedAt: at })
        .where(and(eq(subscriptions.id, id), eq(subscriptions.status, 'active')))
        .returning({ id: subscriptions.id });
      return rows.length === 1;
    },
    async countIssued(id) {
      const rows = await db
        .update(subscriptions)
        .set({ certificatesIssued: sql`${subscriptions.certificatesIssued} + 1` })
        .where(eq(subscriptions.id, id))
        .returning({ n: subscriptions.certificatesIssued });
      if (!rows[0]) throw new Error('countIssued: no such subscription');
      return rows[0].n;
    },

    async createCredential(c) {
      await db.insert(eabCredentials).values(c);
    },
    async credential(kid) {
      return (await db.select().from(eabCredentials).where(eq(eabCredentials.kid, kid)).limit(1))[0];
    },
    async credentialsOf(subscriptionId) {
      return db
        .select()
        .from(eabCredentials)
        .where(eq(eabCredentials.subscriptionId, subscriptionId))
        .orderBy(desc(eabCredentials.createdAt));
    },
    async revokeCredential(kid, at) {
      const rows = await db
        .update(eabCredentials)
        .set({ revokedAt: at })
        .where(and(eq(eabCredentials.kid, kid), isNull(eabCredentials.revokedAt)))
        .returning({ kid: eabCredentials.kid });
      return rows.length === 1;
    },

    async recordView(v) {
      await db.insert(eabViews).values(v);
    },
    async viewsOf(kids) {
      if (kids.length === 0) return [];
      return db.select().from(eabViews).where(inArray(eabViews.kid, kids)).orderBy(desc(eabViews.viewedAt));
    },

    async accountsBoundTo(kid) {
      const rows = await db.select({ n: sql<number>`count(*)` }).from(acmeAccounts).where(eq(acmeAccounts.eabKid, kid));
      return Number(rows[0]?.n ?? 0);
    },
    async accountsOfSubscription(subscriptionId) {
      const rows = await db
        .select({ n: sql<number>`count(*)` })
        .from(acmeAccounts)
        .where(eq(acmeAccounts.subscriptionId, subscriptionId));
      return Number(rows[0]?.n ?? 0);
    },
  };
}
