/**
 * CaasStore over Drizzle (better-sqlite3, D1 and PostgreSQL alike): one atomic statement per write. The reads
 * of the ACME path (the plan's subscription at newOrder and finalize, the EAB key at newAccount) are prepared
 * once per store, as in ./acme.ts.
 */
import { and, desc, eq, gt, inArray, isNull, notExists, sql } from 'drizzle-orm';
import type { subscriptions as sqliteSubscriptions } from '../schema/index.js';
import { LIMIT_ONE, literal, ph, type ParamRef, type StoreDb } from './db.js';
import type { CaasStore, SubscriptionRecord } from '../../core/store/caas.js';

const toSubscription = ({ certificatesReserved, ...s }: typeof sqliteSubscriptions.$inferSelect): SubscriptionRecord => ({
  ...s,
  certificatesIssued: Number(certificatesReserved),
});

export function caasStore(store: StoreDb): CaasStore {
  const { db } = store;
  const { subscriptions, eabCredentials, eabViews, acmeAccounts, planReservations, acmeOrders } = store.t;
  const q = {
    subscriptionById: store.prepare('caas_subscriptionById', db.select().from(subscriptions).where(eq(subscriptions.id, ph('id'))).limit(LIMIT_ONE)),
    credentialByKid: store.prepare('caas_credentialByKid', db.select().from(eabCredentials).where(eq(eabCredentials.kid, ph('kid'))).limit(LIMIT_ONE)),
    accountsBoundTo: store.prepare(
      'caas_accountsBoundTo',
      db.select({ n: sql<number>`count(*)` }).from(acmeAccounts).where(eq(acmeAccounts.eabKid, ph('kid'))),
    ),
  };
  type Tx = Parameters<Parameters<StoreDb['preparedAtomic']>[0]>[0];
  /**
   * SQLite and D1: the count goes up, then the row goes in only if it did (changes() is the rows the
   * statement before changed, on the one connection that runs the unit). `after`: the count goes up only if
   * the statement before it changed one row (claimAndReserve's claim).
   */
  const reservation = (tx: Tx, v: ParamRef, after: boolean) => [
    tx
      .update(subscriptions)
      .set({ certificatesReserved: sql`${subscriptions.certificatesReserved} + 1` })
      .where(
        and(
          eq(subscriptions.id, v('subscriptionId') as string),
          eq(subscriptions.status, 'active'),
          gt(subscriptions.notAfter, v('now', subscriptions.notAfter) as Date),
          sql`${subscriptions.maxCertificates} > ${subscriptions.certificatesReserved}`,
          notExists(tx.select({ one: sql`1` }).from(planReservations).where(eq(planReservations.acmeOrderId, v('acmeOrderId') as string))),
          after ? sql`changes() = 1` : undefined,
        ),
      )
      .returning({ id: subscriptions.id }),
    tx
      .insert(planReservations)
      .select(
        tx
          .select({
            acmeOrderId: sql<string>`${v('acmeOrderId')}`.as('acme_order_id'),
            subscriptionId: subscriptions.id,
            createdAt: sql<Date>`${v('now', planReservations.createdAt)}`.as('created_at'),
          })
          .from(subscriptions)
          .where(and(eq(subscriptions.id, v('subscriptionId') as string), sql`changes() = 1`)),
      )
      .returning({ id: planReservations.acmeOrderId }),
  ];
  const reserveUnit = store.preparedAtomic((tx, v) => reservation(tx, v, false));
  /** SQLite and D1: the order's claim (ready → processing), then the reservation only if the claim changed it. */
  const claimUnit = store.preparedAtomic((tx, v) => [
    tx
      .update(acmeOrders)
      .set({
        status: sql`${literal('processing')}`,
        csrPem: sql`${v('csrPem')}`,
        // Wrapped in sql: set() would pass a bare placeholder to the column's encoder, which expects a Date.
        processingStartedAt: sql`${v('now', acmeOrders.processingStartedAt)}`,
        leaseAt: sql`${v('now', acmeOrders.leaseAt)}`,
      } as never)
      .where(and(eq(acmeOrders.id, v('acmeOrderId') as string), eq(acmeOrders.status, literal('ready'))))
      .returning({ id: acmeOrders.id }),
    ...reservation(tx, v, true),
  ]);
  /**
   * PostgreSQL: the reservation as two CTEs, `counted` (the count goes up) and `inserted` (the row goes in only
   * where it did), for one statement run alone among the reservations of this subscription (db.ts:
   * rowsSerialized). `onlyIf`: a further condition of the count (claimAndReserve: the claim took).
   */
  const pgReservation = (subscriptionId: string, acmeOrderId: string, now: Date, onlyIf = sql`true`) => sql`
          counted as (
            update ${subscriptions} set certificates_reserved = certificates_reserved + 1
            where id = ${subscriptionId} and status = 'active' and ${gt(subscriptions.notAfter, now)}
              and max_certificates > certificates_reserved and ${onlyIf}
              and not exists (select 1 from ${planReservations} where acme_order_id = ${acmeOrderId})
            returning id),
          inserted as (
            insert into ${planReservations} (acme_order_id, subscription_id, created_at)
            select ${acmeOrderId}, id, ${sql.param(now, planReservations.createdAt)} from counted
            returning acme_order_id)`;
  /** After a reservation that did not go in: 'held' when the order holds one already, else 'refused'. */
  const heldOrRefused = async (acmeOrderId: string): Promise<'held' | 'refused'> => {
    const held = await db.select({ id: planReservations.acmeOrderId }).from(planReservations).where(eq(planReservations.acmeOrderId, acmeOrderId)).limit(LIMIT_ONE);
    return held.length === 1 ? 'held' : 'refused';
  };
  /** SQLite and D1: the count goes down while the row is still there, then the row goes. */
  const releaseUnit = store.preparedAtomic((tx, v) => [
    tx
      .update(subscriptions)
      .set({ certificatesReserved: sql`${subscriptions.certificatesReserved} - 1` })
      .where(
        inArray(
          subscriptions.id,
          tx.select({ id: planReservations.subscriptionId }).from(planReservations).where(eq(planReservations.acmeOrderId, v('acmeOrderId') as string)),
        ),
      )
      .returning({ id: subscriptions.id }),
    tx
      .delete(planReservations)
      .where(eq(planReservations.acmeOrderId, v('acmeOrderId') as string))
      .returning({ id: planReservations.acmeOrderId }),
  ]);

  return {
    async createSubscription(s) {
      // The count starts at 0 (the column's default) and moves only with reservations.
      const { certificatesIssued: _count, ...row } = s;
      await db.insert(subscriptions).values(row);
    },
    async subscription(id) {
      const r = (await q.subscriptionById.get({ id })) as typeof subscriptions.$inferSelect | undefined;
      return r && toSubscription(r);
    },
    async subscriptionsOf(customerId) {
      const rows = await db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId)).orderBy(desc(subscriptions.createdAt));
      return rows.map(toSubscription);
    },
    async allSubscriptions() {
      return (await db.select().from(subscriptions).orderBy(desc(subscriptions.createdAt))).map(toSubscription);
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
      let reserved: boolean;
      if (store.dialect === 'pg') {
        const rows = await store.rowsSerialized(
          `plan:${subscriptionId}`,
          sql`with ${pgReservation(subscriptionId, acmeOrderId, now)} select acme_order_id from inserted`,
        );
        reserved = rows.length === 1;
      } else {
        const [, inserted] = await reserveUnit({ subscriptionId, acmeOrderId, now });
        reserved = inserted!.length === 1;
      }
      return reserved ? 'reserved' : heldOrRefused(acmeOrderId);
    },
    async claimAndReserve(subscriptionId, acmeOrderId, csrPem, now) {
      let claimed: boolean;
      let reserved: boolean;
      if (store.dialect === 'pg') {
        // One statement: the order is claimed, and the count goes up only where the claim took.
        const rows = await store.rowsSerialized(`plan:${subscriptionId}`, sql`
          with claimed as (
            update ${acmeOrders} set status = ${literal('processing')}, csr_pem = ${csrPem},
              processing_started_at = ${sql.param(now, acmeOrders.processingStartedAt)}, lease_at = ${sql.param(now, acmeOrders.leaseAt)}
            where id = ${acmeOrderId} and status = ${literal('ready')}
            returning id),
          ${pgReservation(subscriptionId, acmeOrderId, now, sql`exists (select 1 from claimed)`)}
          select (select count(*) from claimed)::int as claimed, (select count(*) from inserted)::int as reserved`);
        const row = rows[0] as { claimed: number; reserved: number };
        claimed = Number(row.claimed) === 1;
        reserved = Number(row.reserved) === 1;
      } else {
        const [claim, , inserted] = await claimUnit({ subscriptionId, acmeOrderId, csrPem, now });
        claimed = claim!.length === 1;
        reserved = inserted!.length === 1;
      }
      if (!claimed) return 'unclaimed';
      return reserved ? 'reserved' : heldOrRefused(acmeOrderId);
    },
    async releaseCertificate(acmeOrderId) {
      if (store.dialect === 'pg') {
        const rows = await store.rows(sql`
          with gone as (delete from ${planReservations} where acme_order_id = ${acmeOrderId} returning subscription_id)
          update ${subscriptions} set certificates_reserved = certificates_reserved - 1
          from gone where ${subscriptions}.id = gone.subscription_id
          returning ${subscriptions}.id`);
        return rows.length === 1;
      }
      const [, deleted] = await releaseUnit({ acmeOrderId });
      return deleted!.length === 1;
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
