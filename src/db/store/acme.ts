/**
 * AcmeStore over Drizzle (better-sqlite3, D1 and PostgreSQL alike): every query awaited, one atomic statement per
 * write, races settled by conditions on the starting state (`... WHERE status IN (...) RETURNING`).
 *
 * The queries of the issuance path are prepared once per store (Drizzle `.prepare()` with placeholders,
 * on every driver: ./db.ts): building SQL and compiling statements per request cost more CPU than running them.
 * Conditional updates come from ./conditional.ts.
 */
export { isUniqueViolation };
import { and, desc, eq, exists, gt, gte, inArray, isNull, lte, ne, notExists, or, sql } from 'drizzle-orm';
import { conditionalUpdates, isUniqueViolation, type StatusTable } from './conditional.js';
import { LIMIT_ONE, literal, literals, ph, phFor, type Db, type ParamRef, type StoreDb } from './db.js';
import type {
  AcmeStore,
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrderRecord,
} from '../../core/store/acme.js';


/**
 * How long an account read by id is answered from memory. Every request an ACME client signs as its
 * account (kid) reads the account (five or six per issuance, within a fraction of a second); the cache
 * answers all but the first. Changes made through this store (update, changeKey) drop the entry at once;
 * a change made by another instance sharing the database (PostgreSQL, D1, a second process on the SQLite
 * file) is seen within this time: a deactivated account, or the old key after a rollover there, is
 * accepted here at most this long after.
 */
export const ACCOUNT_CACHE_MS = 1000;
/** Accounts held at most (the oldest entries go first). */
const ACCOUNT_CACHE_MAX = 10_000;

/** The account cache: by id, with the monotonic time each entry was read. */
export class AccountCache {
  private readonly entries = new Map<string, { at: number; account: AcmeAccountRecord }>();

  get(id: string): AcmeAccountRecord | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (performance.now() - hit.at >= ACCOUNT_CACHE_MS) {
      this.entries.delete(id);
      return undefined;
    }
    // A copy: a caller that changes its record does not change the cache's.
    return { ...hit.account };
  }

  set(account: AcmeAccountRecord): void {
    const now = performance.now();
    this.entries.delete(account.id);
    // Entries are in the order they were set, so the expired ones are at the front: they go now, and the
    // cache holds about the accounts of the last second rather than filling up to its bound for good.
    for (const [id, entry] of this.entries) {
      if (now - entry.at < ACCOUNT_CACHE_MS && this.entries.size < ACCOUNT_CACHE_MAX) break;
      this.entries.delete(id);
    }
    this.entries.set(account.id, { at: now, account: { ...account } });
  }

  /** Entries held now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  drop(id: string): void {
    this.entries.delete(id);
  }
}

export function acmeStore(store: StoreDb): AcmeStore {
  const { db } = store;
  const { acmeNonces, acmeAccounts, acmeOrders, acmeAuthorizations, acmeChallenges, acmeOrderAuthorizations } = store.t;
  const queries = {
    markNonceUsed: db
      .insert(acmeNonces)
      .values({ nonce: ph('nonce'), expiresAt: ph('expiresAt') } as never)
      .onConflictDoNothing()
      .returning({ nonce: acmeNonces.nonce })
      ,
    accountById: db.select().from(acmeAccounts).where(eq(acmeAccounts.id, ph('id'))).limit(LIMIT_ONE),
    accountByThumbprint: db.select().from(acmeAccounts).where(eq(acmeAccounts.thumbprint, ph('thumbprint'))).limit(LIMIT_ONE),
    insertAccount: db
      .insert(acmeAccounts)
      .values({
        id: ph('id'),
        thumbprint: ph('thumbprint'),
        jwk: ph('jwk'),
        status: ph('status'),
        contact: ph('contact'),
        eabKid: ph('eabKid'),
        subscriptionId: ph('subscriptionId'),
        createdAt: ph('createdAt'),
      } as never)
      .onConflictDoNothing()
      .returning({ id: acmeAccounts.id })
      ,
    orderById: db.select().from(acmeOrders).where(eq(acmeOrders.id, ph('id'))).limit(LIMIT_ONE),
    authzById: db.select().from(acmeAuthorizations).where(eq(acmeAuthorizations.id, ph('id'))).limit(LIMIT_ONE),
    authzForOrder: db
      .select({ a: acmeAuthorizations })
      .from(acmeOrderAuthorizations)
      .innerJoin(acmeAuthorizations, eq(acmeAuthorizations.id, acmeOrderAuthorizations.authzId))
      .where(eq(acmeOrderAuthorizations.orderId, ph('orderId')))
      .orderBy(acmeAuthorizations.id)
      ,
    reusableAuthz: db
      .select()
      .from(acmeAuthorizations)
      .where(
        and(
          eq(acmeAuthorizations.accountId, ph('accountId')),
          eq(acmeAuthorizations.identifierType, ph('identifierType')),
          eq(acmeAuthorizations.identifierValue, ph('identifierValue')),
          eq(acmeAuthorizations.wildcard, phFor(acmeAuthorizations.wildcard, 'wildcard')),
          eq(acmeAuthorizations.status, 'valid'),
          gt(acmeAuthorizations.expires, phFor(acmeAuthorizations.expires, 'now')),
          gte(acmeAuthorizations.validatedAt, phFor(acmeAuthorizations.validatedAt, 'validatedSince')),
        ),
      )
      .orderBy(desc(acmeAuthorizations.validatedAt))
      .limit(LIMIT_ONE),
    ordersUsingAuthz: db
      .select({ o: acmeOrders })
      .from(acmeOrderAuthorizations)
      .innerJoin(acmeOrders, eq(acmeOrders.id, acmeOrderAuthorizations.orderId))
      .where(eq(acmeOrderAuthorizations.authzId, ph('authzId'))),
    challengeWithAuthz: db
      .select({ c: acmeChallenges, a: acmeAuthorizations })
      .from(acmeChallenges)
      .innerJoin(acmeAuthorizations, eq(acmeAuthorizations.id, acmeChallenges.authzId))
      .where(eq(acmeChallenges.id, ph('id')))
      .limit(LIMIT_ONE),
    challengeById: db.select().from(acmeChallenges).where(eq(acmeChallenges.id, ph('id'))).limit(LIMIT_ONE),
    challengesOfAuthz: db.select().from(acmeChallenges).where(eq(acmeChallenges.authzId, ph('authzId'))).orderBy(acmeChallenges.id),
    // One statement: every pending order using this authorization becomes ready when none of the
    // authorizations it uses is not valid.
  };
  /** Each pending order using the authorization `authzId` becomes ready once all of its authorizations are valid. */
  function ordersReadyUsing(tx: Db, authzId: unknown) {
    return tx
      .update(acmeOrders)
      .set({ status: 'ready' })
      .where(
        and(
          eq(acmeOrders.status, literal('pending')),
          inArray(
            acmeOrders.id,
            tx.select({ id: acmeOrderAuthorizations.orderId }).from(acmeOrderAuthorizations).where(eq(acmeOrderAuthorizations.authzId, authzId as string)),
          ),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(acmeOrderAuthorizations)
              .innerJoin(acmeAuthorizations, eq(acmeAuthorizations.id, acmeOrderAuthorizations.authzId))
              .where(and(eq(acmeOrderAuthorizations.orderId, acmeOrders.id), ne(acmeAuthorizations.status, literal('valid')))),
          ),
        ),
      )
      .returning({ id: acmeOrders.id });
  }
  /**
   * A validation's outcome: the processing challenge reaches `status` (with `challenge`'s columns), then its
   * pending authorization (with `authorization`'s), only together with that challenge of its own.
   */
  function outcome(tx: Db, v: ParamRef, status: 'valid' | 'invalid', challenge: Record<string, unknown>, authorization: Record<string, unknown>) {
    return [
      tx
        .update(acmeChallenges)
        .set({ status, ...challenge })
        .where(and(eq(acmeChallenges.id, v('challengeId') as string), eq(acmeChallenges.status, literal('processing'))))
        .returning({ id: acmeChallenges.id }),
      tx
        .update(acmeAuthorizations)
        .set({ status, ...authorization })
        .where(
          and(
            eq(acmeAuthorizations.id, v('authzId') as string),
            eq(acmeAuthorizations.status, literal('pending')),
            exists(
              tx
                .select({ one: sql`1` })
                .from(acmeChallenges)
                .where(and(eq(acmeChallenges.id, v('challengeId') as string), eq(acmeChallenges.authzId, v('authzId') as string), eq(acmeChallenges.status, literal(status)))),
            ),
          ),
        )
        .returning({ id: acmeAuthorizations.id }),
    ];
  }
  /** challenges.validated: challenge, authorization and the orders using it, in one unit. */
  const validatedUnit = store.preparedAtomic((tx, v) => [
    ...outcome(tx, v, 'valid', { validated: v('validated') }, { validatedAt: v('validated'), expires: v('expires') }),
    ordersReadyUsing(tx, v('authzId')),
  ]);
  /** challenges.invalidated: challenge and authorization in one unit. */
  const invalidatedUnit = store.preparedAtomic((tx, v) => outcome(tx, v, 'invalid', { error: v('error') }, {}));
  const q = Object.fromEntries(Object.entries(queries).map(([name, query]) => [name, store.prepare(`acme_${name}`, query)])) as Record<
    keyof typeof queries,
    ReturnType<StoreDb['prepare']>
  >;
  const accounts = new AccountCache();
  const updateOrder = conditionalUpdates<AcmeOrderRecord>(store, acmeOrders as unknown as StatusTable);
  const updateAuthz = conditionalUpdates<AcmeAuthorizationRecord>(store, acmeAuthorizations as unknown as StatusTable);
  const updateChallenge = conditionalUpdates<AcmeChallengeRecord>(store, acmeChallenges as unknown as StatusTable);

  return {
    nonces: {
      async markUsed(nonce, expiresAt) {
        // Single use across instances: whoever inserts the row owns the nonce.
        const rows = await q.markNonceUsed.all({ nonce, expiresAt });
        return rows.length === 1;
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
          inserted = await q.insertAccount.all(a as unknown as Record<string, unknown>);
        } else {
          // One statement: insert only while fewer than maxPerKid accounts are bound with this key id; alone
          // among the inserts under this key id (db.ts: rowsSerialized).
          inserted = await store.rowsSerialized(`eab:${a.eabKid}`, sql`
            insert into ${acmeAccounts} (id, thumbprint, jwk, status, contact, eab_kid, subscription_id, created_at)
            select ${a.id}, ${a.thumbprint}, ${JSON.stringify(a.jwk)}, ${a.status}, ${JSON.stringify(a.contact)}, ${a.eabKid},
                   ${a.subscriptionId}, ${sql.param(a.createdAt, acmeAccounts.createdAt)}
            where (select count(*) from ${acmeAccounts} where eab_kid = ${a.eabKid}) < ${maxPerKid}
            on conflict do nothing
            returning id`);
        }
        if (inserted.length === 1) {
          // The account's next request (its first order) reads it by id.
          accounts.set(a);
          return 'created';
        }
        return (await q.accountByThumbprint.get({ thumbprint: a.thumbprint })) ? 'exists' : 'limit';
      },
      async byId(id) {
        const cached = accounts.get(id);
        if (cached) return cached;
        const row = (await q.accountById.get({ id })) as AcmeAccountRecord | undefined;
        if (row) accounts.set(row);
        return row;
      },
      async byThumbprint(thumbprint) {
        return (await q.accountByThumbprint.get({ thumbprint })) as AcmeAccountRecord | undefined;
      },
      async update(id, changes) {
        accounts.drop(id);
        const rows = await db.update(acmeAccounts).set(changes).where(eq(acmeAccounts.id, id)).returning();
        accounts.drop(id);
        return rows[0] as AcmeAccountRecord | undefined;
      },
      async changeKey(id, fromThumbprint, to) {
        accounts.drop(id);
        try {
          const rows = await db
            .update(acmeAccounts)
            .set({ thumbprint: to.thumbprint, jwk: to.jwk })
            .where(and(eq(acmeAccounts.id, id), eq(acmeAccounts.thumbprint, fromThumbprint)))
            .returning({ id: acmeAccounts.id });
          accounts.drop(id);
          return rows.length === 1 ? 'changed' : 'stale';
        } catch (err) {
          if (isUniqueViolation(err)) return 'conflict';
          throw err;
        }
      },
    },

    orders: {
      async create(o, authorizations, challenges, reusedAuthzIds = []) {
        // One atomic unit: an order is never seen without its authorizations, and SQLite commits once.
        const links = [...authorizations.map((a) => a.id), ...reusedAuthzIds].map((authzId) => ({ orderId: o.id, authzId }));
        const rows = (r: object[]) => r as unknown as Record<string, unknown>[];
        await store.atomically((tx) => [
          store.insertRows(tx, acmeOrders, rows([o])),
          ...(authorizations.length ? [store.insertRows(tx, acmeAuthorizations, rows(authorizations))] : []),
          ...(challenges.length ? [store.insertRows(tx, acmeChallenges, rows(challenges))] : []),
          ...(links.length ? [store.insertRows(tx, acmeOrderAuthorizations, rows(links))] : []),
        ]);
      },
      async byId(id) {
        return (await q.orderById.get({ id })) as AcmeOrderRecord | undefined;
      },
      async listByAccount(accountId, page) {
        return db
          .select()
          .from(acmeOrders)
          .where(and(eq(acmeOrders.accountId, accountId), ne(acmeOrders.status, literal('invalid'))))
          // SQLite's rowid: insertion order within one millisecond; PostgreSQL has none, the id keeps pages stable.
          .orderBy(desc(acmeOrders.createdAt), store.dialect === 'pg' ? desc(acmeOrders.id) : desc(sql`rowid`))
          .limit(page.limit)
          .offset(page.offset);
      },
      async replacing(certId) {
        return db.select().from(acmeOrders).where(eq(acmeOrders.replaces, certId));
      },
      update: async (id, changes, from, match) => (await updateOrder(id, changes, from, match)).length === 1,
      async usingAuthorization(authzId) {
        const rows = (await q.ordersUsingAuthz.all({ authzId })) as { o: AcmeOrderRecord }[];
        return rows.map((r) => r.o);
      },
      async needingRecovery(cutoff, limit) {
        return (await db
          .select()
          .from(acmeOrders)
          // A literal (as in every status comparison on acme_orders): it must imply acme_orders_processing_idx's WHERE
          // for the index to be used.
          .where(and(eq(acmeOrders.status, literal('processing')), or(isNull(acmeOrders.leaseAt), lte(acmeOrders.leaseAt, cutoff))))
          .orderBy(acmeOrders.leaseAt)
          .limit(limit)) as AcmeOrderRecord[];
      },
      async invalidateOpen(accountId, error) {
        const rows = await db
          .update(acmeOrders)
          .set({ status: 'invalid', error })
          .where(and(eq(acmeOrders.accountId, accountId), inArray(acmeOrders.status, literals(['pending', 'ready']))))
          .returning({ id: acmeOrders.id });
        return rows.length;
      },
    },

    authorizations: {
      async byId(id) {
        return (await q.authzById.get({ id })) as AcmeAuthorizationRecord | undefined;
      },
      async forOrder(orderId) {
        return ((await q.authzForOrder.all({ orderId })) as { a: AcmeAuthorizationRecord }[]).map((r) => r.a);
      },
      async reusable(accountId, identifier, now, validatedSince) {
        return (await q.reusableAuthz.get({
          accountId,
          identifierType: identifier.type,
          identifierValue: identifier.value,
          wildcard: identifier.wildcard,
          now,
          validatedSince,
        })) as AcmeAuthorizationRecord | undefined;
      },
      async validForAccount(accountId, now) {
        return db
          .select()
          .from(acmeAuthorizations)
          .where(and(eq(acmeAuthorizations.accountId, accountId), eq(acmeAuthorizations.status, 'valid'), gt(acmeAuthorizations.expires, now)));
      },
      update: async (id, changes, from) => (await updateAuthz(id, changes, from)).length === 1,
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
        return (await q.challengeById.get({ id })) as AcmeChallengeRecord | undefined;
      },
      async withAuthorization(id) {
        const row = (await q.challengeWithAuthz.get({ id })) as { c: AcmeChallengeRecord; a: AcmeAuthorizationRecord } | undefined;
        return row && { challenge: row.c, authorization: row.a };
      },
      async forAuthorizations(authzIds) {
        if (authzIds.length === 0) return [];
        if (authzIds.length === 1) return (await q.challengesOfAuthz.all({ authzId: authzIds[0] })) as AcmeChallengeRecord[];
        return db.select().from(acmeChallenges).where(inArray(acmeChallenges.authzId, authzIds)).orderBy(acmeChallenges.id);
      },
      async validated(challengeId, authzId, validated, authzExpires) {
        const [, authz] = await validatedUnit({ challengeId, authzId, validated, expires: authzExpires });
        return authz!.length === 1;
      },
      async invalidated(challengeId, authzId, error) {
        const [, authz] = await invalidatedUnit({ challengeId, authzId, error });
        return authz!.length === 1;
      },
      update: async (id, changes, from, match) => (await updateChallenge(id, changes, from, match)).length === 1,
    },
  };
}
