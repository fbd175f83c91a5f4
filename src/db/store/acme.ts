/**
 * AcmeStore over Drizzle (better-sqlite3 and D1 alike): every query awaited, one atomic statement per
 * write, races settled by conditions on the starting state (`... WHERE status IN (...) RETURNING`).
 */
import { and, desc, eq, gt, inArray, lte, ne, sql } from 'drizzle-orm';
import { acmeNonces, acmeAccounts, acmeOrders, acmeAuthorizations, acmeChallenges } from '../schema/index.js';
import type { Db } from '../drizzle-store.js';
import type { AcmeStore, AcmeAccountRecord } from '../../core/store/acme.js';

/** SQLite's unique-constraint failure, as better-sqlite3 and D1 word it. */
function isUniqueViolation(err: unknown): boolean {
  const text = `${(err as { code?: unknown })?.code ?? ''} ${(err as Error)?.message ?? ''} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(text);
}

export function acmeStore(db: Db): AcmeStore {
  return {
    nonces: {
      async issue(nonce, expiresAt) {
        await db.insert(acmeNonces).values({ nonce, expiresAt });
      },
      async consume(nonce, now) {
        // Single use across instances: whoever deletes the row owns the nonce.
        const rows = await db.delete(acmeNonces).where(eq(acmeNonces.nonce, nonce)).returning({ expiresAt: acmeNonces.expiresAt });
        return rows.length === 1 && rows[0]!.expiresAt > now;
      },
      async purgeExpired(now) {
        const gone = await db.delete(acmeNonces).where(lte(acmeNonces.expiresAt, now)).returning({ n: acmeNonces.nonce });
        return gone.length;
      },
    },

    accounts: {
      async create(a, maxPerKid) {
        let inserted: unknown[];
        if (maxPerKid === null) {
          inserted = await db.insert(acmeAccounts).values(a).onConflictDoNothing().returning({ id: acmeAccounts.id });
        } else {
          // One statement: insert only while fewer than maxPerKid accounts are bound with this key id.
          inserted = await db.all(sql`
            insert into ${acmeAccounts} (id, thumbprint, jwk, status, contact, eab_kid, subscription_id, created_at)
            select ${a.id}, ${a.thumbprint}, ${JSON.stringify(a.jwk)}, ${a.status}, ${JSON.stringify(a.contact)}, ${a.eabKid},
                   ${a.subscriptionId}, ${a.createdAt.getTime()}
            where (select count(*) from ${acmeAccounts} where eab_kid = ${a.eabKid}) < ${maxPerKid}
            on conflict do nothing
            returning id`);
        }
        if (inserted.length === 1) return 'created';
        const existing = (await db.select({ id: acmeAccounts.id }).from(acmeAccounts).where(eq(acmeAccounts.thumbprint, a.thumbprint)).limit(1))[0];
        return existing ? 'exists' : 'limit';
      },
      async byId(id) {
        return (await db.select().from(acmeAccounts).where(eq(acmeAccounts.id, id)).limit(1))[0] as AcmeAccountRecord | undefined;
      },
      async byThumbprint(thumbprint) {
        return (await db.select().from(acmeAccounts).where(eq(acmeAccounts.thumbprint, thumbprint)).limit(1))[0] as
          | AcmeAccountRecord
          | undefined;
      },
      async update(id, changes) {
        const rows = await db.update(acmeAccounts).set(changes).where(eq(acmeAccounts.id, id)).returning();
        return rows[0] as AcmeAccountRecord | undefined;
      },
      async changeKey(id, fromThumbprint, to) {
        try {
          const rows = await db
            .update(acmeAccounts)
            .set({ thumbprint: to.thumbprint, jwk: to.jwk })
            .where(and(eq(acmeAccounts.id, id), eq(acmeAccounts.thumbprint, fromThumbprint)))
            .returning({ id: acmeAccounts.id });
          return rows.length === 1 ? 'changed' : 'stale';
        } catch (err) {
          if (isUniqueViolation(err)) return 'conflict';
          throw err;
        }
      },
    },

    orders: {
      async create(o, authorizations, challenges) {
        await db.insert(acmeOrders).values(o);
        if (authorizations.length) await db.insert(acmeAuthorizations).values(authorizations);
        if (challenges.length) await db.insert(acmeChallenges).values(challenges);
      },
      async byId(id) {
        return (await db.select().from(acmeOrders).where(eq(acmeOrders.id, id)).limit(1))[0];
      },
      async listByAccount(accountId, page) {
        return db
          .select()
          .from(acmeOrders)
          .where(and(eq(acmeOrders.accountId, accountId), ne(acmeOrders.status, 'invalid')))
          .orderBy(desc(acmeOrders.createdAt), desc(sql`rowid`)) // rowid: insertion order within one millisecond
          .limit(page.limit)
          .offset(page.offset);
      },
      async replacing(certId) {
        return db.select().from(acmeOrders).where(eq(acmeOrders.replaces, certId));
      },
      async update(id, changes, from) {
        const where = from ? and(eq(acmeOrders.id, id), inArray(acmeOrders.status, from)) : eq(acmeOrders.id, id);
        const rows = await db.update(acmeOrders).set(changes).where(where).returning({ id: acmeOrders.id });
        return rows.length === 1;
      },
      async invalidateOpen(accountId, error) {
        const rows = await db
          .update(acmeOrders)
          .set({ status: 'invalid', error })
          .where(and(eq(acmeOrders.accountId, accountId), inArray(acmeOrders.status, ['pending', 'ready'])))
          .returning({ id: acmeOrders.id });
        return rows.length;
      },
    },

    authorizations: {
      async byId(id) {
        return (await db.select().from(acmeAuthorizations).where(eq(acmeAuthorizations.id, id)).limit(1))[0];
      },
      async forOrder(orderId) {
        return db.select().from(acmeAuthorizations).where(eq(acmeAuthorizations.orderId, orderId)).orderBy(acmeAuthorizations.id);
      },
      async validForAccount(accountId, now) {
        return db
          .select()
          .from(acmeAuthorizations)
          .where(and(eq(acmeAuthorizations.accountId, accountId), eq(acmeAuthorizations.status, 'valid'), gt(acmeAuthorizations.expires, now)));
      },
      async update(id, changes, from) {
        const where = from ? and(eq(acmeAuthorizations.id, id), inArray(acmeAuthorizations.status, from)) : eq(acmeAuthorizations.id, id);
        const rows = await db.update(acmeAuthorizations).set(changes).where(where).returning({ id: acmeAuthorizations.id });
        return rows.length === 1;
      },
      async deactivateForAccount(accountId) {
        const rows = await db
          .update(acmeAuthorizations)
          .set({ status: 'deactivated' })
          .where(and(eq(acmeAuthorizations.accountId, accountId), inArray(acmeAuthorizations.status, ['pending', 'valid'])))
          .returning({ id: acmeAuthorizations.id });
        return rows.length;
      },
    },

    challenges: {
      async byId(id) {
        return (await db.select().from(acmeChallenges).where(eq(acmeChallenges.id, id)).limit(1))[0];
      },
      async forAuthorizations(authzIds) {
        if (authzIds.length === 0) return [];
        return db.select().from(acmeChallenges).where(inArray(acmeChallenges.authzId, authzIds)).orderBy(acmeChallenges.id);
      },
      async update(id, changes, from) {
        const where = from ? and(eq(acmeChallenges.id, id), inArray(acmeChallenges.status, from)) : eq(acmeChallenges.id, id);
        const rows = await db.update(acmeChallenges).set(changes).where(where).returning({ id: acmeChallenges.id });
        return rows.length === 1;
      },
    },
  };
}
