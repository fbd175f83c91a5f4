/**
 * The mail outbox, mail tokens and mail settings over Drizzle. The methods that write a mail with its event
 * run their statements as one atomic unit on every driver (StoreDb.atomically: a transaction on better-sqlite3
 * and PostgreSQL, a batch on D1, which runs a batch as one transaction). A mail of
 * a transition is an INSERT … SELECT guarded by the order's new state, so it is written only when the
 * transition applied; the unique (event key, recipient) keeps a racing request from writing a second one.
 */
import { and, asc, eq, gt, inArray, isNull, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { LIMIT_ONE, type Atomic as Lazy, type Db, type StoreDb } from './db.js';
import type { MailStore, OutboxMail, OutboxRecord } from '../../core/store/mail.js';
import type { OrderRecord } from '../../core/store/types.js';

const pendingRow = (m: OutboxMail) => ({ ...m, status: 'pending' as const, attempts: 0, nextAttemptAt: m.createdAt, leaseUntil: null, lastError: null, sentAt: null });

/** INSERT … SELECT the mail's columns (in table order) FROM the rows `guard` selects; nothing when it selects none. */
function guardedInsert(store: StoreDb, db: Db, m: OutboxMail, guard: SQL): Lazy {
  const { mailOutbox } = store.t;
  const at = store.time(m.createdAt);
  const select = sql`select ${m.id}, ${m.eventKey}, ${m.recipient}, ${m.kind}, ${m.sealed}, 'pending', 0, ${at}, null, null, ${at}, null ${guard}`;
  return db.insert(mailOutbox).select(select).onConflictDoNothing().returning({ id: mailOutbox.id }) as unknown as Lazy;
}

export function mailStore(store: StoreDb): MailStore {
  const { db } = store;
  const { mailOutbox, mailTokens, customerMail, orders, domainValidations, unlockCodes, certificates, customers, sessions, subscriptions, eabCredentials } = store.t;
  return {
    async enqueue(mails) {
      if (mails.length === 0) return 0;
      const rows = await db.insert(mailOutbox).values(mails.map(pendingRow)).onConflictDoNothing().returning({ id: mailOutbox.id });
      return rows.length;
    },

    async placeOrder({ order, validations, unlockCode }, mails) {
      await store.atomically((db) => {
        const q: Lazy[] = [db.insert(orders).values(order).returning({ id: orders.id }) as unknown as Lazy];
        if (validations.length) q.push(db.insert(domainValidations).values(validations).returning({ id: domainValidations.id }) as unknown as Lazy);
        if (unlockCode) q.push(db.insert(unlockCodes).values(unlockCode).returning({ id: unlockCodes.id }) as unknown as Lazy);
        if (mails.length) q.push(db.insert(mailOutbox).values(mails.map(pendingRow)).onConflictDoNothing().returning({ id: mailOutbox.id }) as unknown as Lazy);
        return q;
      });
    },

    async transitionOrder(id, from, changes, match = {}, mails) {
      const conditions: SQL[] = [eq(orders.id, id), inArray(orders.status, [...from])];
      const cols = orders as unknown as Record<string, typeof orders.id>;
      for (const [k, v] of Object.entries(match)) {
        if (v === undefined) continue;
        conditions.push(v === null ? isNull(cols[k]!) : eq(cols[k]!, v as never));
      }
      const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      // The state the transition leaves: a mail is written only when the order is in it now.
      const after: SQL[] = [sql`${orders.id} = ${id}`];
      if (changes.status) after.push(sql`${orders.status} = ${changes.status}`);
      if (changes.updatedAt) after.push(sql`${orders.updatedAt} = ${store.time(changes.updatedAt)}`);
      const guard = sql`from ${orders} where ${sql.join(after, sql` and `)}`;
      const results = await store.atomically((db) => [
        db.update(orders).set(set).where(and(...conditions)).returning() as unknown as Lazy,
        ...mails.map((m) => guardedInsert(store, db, m, guard)),
      ]);
      const row = (results[0] as (typeof orders.$inferSelect)[] | undefined)?.[0];
      return row as OrderRecord | undefined;
    },

    async lease(now, leaseUntil, limit) {
      const due = db
        .select({ id: mailOutbox.id })
        .from(mailOutbox)
        .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, now), or(isNull(mailOutbox.leaseUntil), lte(mailOutbox.leaseUntil, now))))
        .orderBy(asc(mailOutbox.nextAttemptAt))
        .limit(limit);
      const rows = await db
        .update(mailOutbox)
        .set({ leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
        .where(and(inArray(mailOutbox.id, due), eq(mailOutbox.status, 'pending'), or(isNull(mailOutbox.leaseUntil), lte(mailOutbox.leaseUntil, now))))
        .returning();
      return rows as OutboxRecord[];
    },

    async markSent(id, leaseUntil, at) {
      const rows = await db
        .update(mailOutbox)
        .set({ status: 'sent', sealed: '', sentAt: at, leaseUntil: null, lastError: null })
        .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'pending'), eq(mailOutbox.leaseUntil, leaseUntil)))
        .returning({ id: mailOutbox.id });
      return rows.length === 1;
    },

    async markRetry(id, leaseUntil, nextAttemptAt, error, failed) {
      const rows = await db
        .update(mailOutbox)
        .set({ status: failed ? 'failed' : 'pending', nextAttemptAt, leaseUntil: null, lastError: error.slice(0, 500), ...(failed ? { sealed: '' } : {}) })
        .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'pending'), eq(mailOutbox.leaseUntil, leaseUntil)))
        .returning({ id: mailOutbox.id });
      return rows.length === 1;
    },

    async byEvent(eventKey) {
      return (await db.select().from(mailOutbox).where(eq(mailOutbox.eventKey, eventKey))) as OutboxRecord[];
    },

    async purgeBefore(cutoff) {
      const gone = await db
        .delete(mailOutbox)
        .where(and(inArray(mailOutbox.status, ['sent', 'failed']), lte(mailOutbox.createdAt, cutoff)))
        .returning({ id: mailOutbox.id });
      return gone.length;
    },

    async reminders(subject, from, to, eventPrefix, limit) {
      const notMailed = (id: SQLWrapper) =>
        sql`not exists (select 1 from ${mailOutbox} where ${mailOutbox.eventKey} = ${eventPrefix} || ${id})`;
      switch (subject) {
        case 'certificate': {
          const rows = await db
            .select({ subjectId: certificates.id, label: orders.orderNumber, domains: orders.domains, at: certificates.notAfter, recipient: customers.email })
            .from(certificates)
            .innerJoin(orders, eq(certificates.orderId, orders.id))
            .innerJoin(customers, eq(orders.customerId, customers.id))
            // Only the order's current certificate: a reissued one has a successor that carries on.
            .where(and(isNull(certificates.revokedAt), gt(certificates.notAfter, from), lte(certificates.notAfter, to), eq(orders.status, 'issued'), eq(certificates.issuanceId, orders.issuanceId), notMailed(certificates.id)))
            .orderBy(asc(certificates.notAfter))
            .limit(limit);
          return rows;
        }
        case 'unlock-code': {
          const rows = await db
            .select({ subjectId: unlockCodes.id, label: orders.orderNumber, domains: orders.domains, at: unlockCodes.expiresAt, recipient: customers.email })
            .from(unlockCodes)
            .innerJoin(orders, eq(unlockCodes.orderId, orders.id))
            .innerJoin(customers, eq(orders.customerId, customers.id))
            .where(and(gt(unlockCodes.expiresAt, from), lte(unlockCodes.expiresAt, to), notMailed(unlockCodes.id)))
            .orderBy(asc(unlockCodes.expiresAt))
            .limit(limit);
          return rows;
        }
        case 'eab-reveal': {
          const rows = await db
            .select({ subjectId: eabCredentials.kid, label: sql<string>`${subscriptions.plan} || ' ' || ${subscriptions.id}`, at: eabCredentials.revealUntil, recipient: customers.email })
            .from(eabCredentials)
            .innerJoin(subscriptions, eq(eabCredentials.subscriptionId, subscriptions.id))
            .innerJoin(customers, eq(subscriptions.customerId, customers.id))
            .where(and(isNull(eabCredentials.revokedAt), eq(subscriptions.status, 'active'), gt(eabCredentials.revealUntil, from), lte(eabCredentials.revealUntil, to), notMailed(eabCredentials.kid)))
            .orderBy(asc(eabCredentials.revealUntil))
            .limit(limit);
          return rows.map((r) => ({ ...r, domains: [] }));
        }
        case 'subscription': {
          const rows = await db
            .select({ subjectId: subscriptions.id, label: sql<string>`${subscriptions.plan} || ' ' || ${subscriptions.id}`, at: subscriptions.notAfter, recipient: customers.email })
            .from(subscriptions)
            .innerJoin(customers, eq(subscriptions.customerId, customers.id))
            .where(and(eq(subscriptions.status, 'active'), gt(subscriptions.notAfter, from), lte(subscriptions.notAfter, to), notMailed(subscriptions.id)))
            .orderBy(asc(subscriptions.notAfter))
            .limit(limit);
          return rows.map((r) => ({ ...r, domains: [] }));
        }
      }
    },

    async issueToken(t, mails) {
      await store.atomically((db) => [
        db
          .update(mailTokens)
          .set({ usedAt: t.createdAt })
          .where(and(eq(mailTokens.subjectId, t.subjectId), eq(mailTokens.purpose, t.purpose), isNull(mailTokens.usedAt)))
          .returning({ d: mailTokens.digest }) as unknown as Lazy,
        db.insert(mailTokens).values(t).returning({ d: mailTokens.digest }) as unknown as Lazy,
        ...(mails.length ? [db.insert(mailOutbox).values(mails.map(pendingRow)).onConflictDoNothing().returning({ id: mailOutbox.id }) as unknown as Lazy] : []),
      ]);
    },

    async useToken(digest, purpose, now) {
      const rows = await db
        .update(mailTokens)
        .set({ usedAt: now })
        .where(and(eq(mailTokens.digest, digest), eq(mailTokens.purpose, purpose), isNull(mailTokens.usedAt), gt(mailTokens.expiresAt, now)))
        .returning();
      return rows[0];
    },

    async purgeTokens(now) {
      const gone = await db.delete(mailTokens).where(lte(mailTokens.expiresAt, now)).returning({ d: mailTokens.digest });
      return gone.length;
    },

    async settings(customerId) {
      const row = (await db.select().from(customerMail).where(eq(customerMail.customerId, customerId)).limit(LIMIT_ONE))[0];
      return row ?? { customerId, verifiedAt: null, omitCaReference: false };
    },

    async putSettings(s) {
      await db
        .insert(customerMail)
        .values(s)
        .onConflictDoUpdate({ target: customerMail.customerId, set: { verifiedAt: s.verifiedAt, omitCaReference: s.omitCaReference } });
    },

    async resetPassword(customerId, passwordHash) {
      await store.atomically((db) => [
        db.update(customers).set({ passwordHash }).where(eq(customers.id, customerId)).returning({ id: customers.id }) as unknown as Lazy,
        db.delete(sessions).where(eq(sessions.customerId, customerId)).returning({ d: sessions.tokenDigest }) as unknown as Lazy,
      ]);
    },
  };
}
