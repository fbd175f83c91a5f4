/**
 * CaasStore over Drizzle (better-sqlite3, D1 and PostgreSQL alike): one atomic statement per write. The reads
 * of the ACME path (the plan's subscription at newOrder and finalize, the EAB key at newAccount) are prepared
 * once per store, as in ./acme.ts.
 */
import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { subscriptions as sqliteSubscriptions } from '../schema/index.js';
import { ph, type StoreDb } from './db.js';
import type { CaasStore, SubscriptionRecord } from '../../core/store/caas.js';

const toSubscription = (r: { s: typeof sqliteSubscriptions.$inferSelect; issued: number }): SubscriptionRecord => ({
  ...r.s,
  certificatesIssued: Number(r.issued),
});

export function caasStore(store: StoreDb): CaasStore {
  const { db } = store;
  const { subscriptions, eabCredentials, eabViews, acmeAccounts, planReservations } = store.t;
  /** A subscription with its certificate count: the plan reservations it holds. */
  const withCount = {
    s: subscriptions,
    issued: sql<number>`(select count(*) from ${planReservations} where ${planReservations.subscriptionId} = ${subscriptions.id})`,
  };
  const q = {
    subscriptionById: store.prepare('caas_subscriptionById', db.select(withCount).from(subscriptions).where(eq(subscriptions.id, ph('id'))).limit(1)),
    credentialByKid: store.prepare('caas_credentialByKid', db.select().from(eabCredentials).where(eq(eabCredentials.kid, ph('kid'))).limit(1)),
    accountsBoundTo: store.prepare(
      'caas_accountsBoundTo',
      db.select({ n: sql<number>`count(*)` }).from(acmeAccounts).where(eq(acmeAccounts.eabKid, ph('kid'))),
    ),
  };
  return {
    async createSubscription(s) {
      const { certificatesIssued: _count, ...row } = s;
      await db.insert(subscriptions).values(row);
    },
    async subscription(id) {
      const r = (await q.subscriptionById.get({ id })) as Parameters<typeof toSubscription>[0] | undefined;
      return r && toSubscription(r);
    },
    async subscriptionsOf(customerId) {
      const rows = await db.select(withCount).from(subscriptions).where(eq(subscriptions.customerId, customerId)).orderBy(desc(subscriptions.createdAt));
      return rows.map(toSubscription);
    },
    async allSubscriptions() {
      return (await db.select(withCount).from(subscriptions).orderBy(desc(subscriptions.createdAt))).map(toSubscription);
    },
    async revokeSubscription(id, at) {
      const rows = await db
        .update(subscriptions)
        .set({ status: 'revoked', revokedAt: at })
        .where(and(eq(subscriptions.id, id), eq(subscriptions.status, 'active')))
        .returning({ id: subscriptions.id });
      return rows.length === 1;
    },
    async reserveCertificate(subscriptionId, acmeOrderId, now) {
      // One statement, alone among the reservations of this subscription (db.ts: rowsSerialized).
      const rows = await store.rowsSerialized(`plan:${subscriptionId}`, sql`
        insert into ${planReservations} (acme_order_id, subscription_id, created_at)
        select ${acmeOrderId}, ${subscriptionId}, ${sql.param(now, planReservations.createdAt)}
        where exists (
          select 1 from ${subscriptions}
          where id = ${subscriptionId} and status = 'active' and ${gt(subscriptions.notAfter, now)}
            and max_certificates > (select count(*) from ${planReservations} where subscription_id = ${subscriptionId})
        )
        on conflict (acme_order_id) do nothing
        returning acme_order_id`);
      if (rows.length === 1) return 'reserved';
      const held = await db.select({ id: planReservations.acmeOrderId }).from(planReservations).where(eq(planReservations.acmeOrderId, acmeOrderId)).limit(1);
      return held.length === 1 ? 'held' : 'refused';
    },
    async releaseCertificate(acmeOrderId) {
      const rows = await db.delete(planReservations).where(eq(planReservations.acmeOrderId, acmeOrderId)).returning({ id: planReservations.acmeOrderId });
      return rows.length === 1;
    },

    async createCredential(c) {
      await db.insert(eabCredentials).values(c);
    },
    async credential(kid) {
      return (await q.credentialByKid.get({ kid })) as Awaited<ReturnType<CaasStore['credential']>>;
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
      const row = (await q.accountsBoundTo.get({ kid })) as { n: number } | undefined;
      return Number(row?.n ?? 0);
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
