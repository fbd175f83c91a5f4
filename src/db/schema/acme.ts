import { sql } from 'drizzle-orm';
import type { Kinds } from './kinds.js';
import type { CaasTables } from './caas.js';

export function acmeTables({ table, text, integer, index, primaryKey }: Kinds, { subscriptions }: Pick<CaasTables, 'subscriptions'>) {
  /**
   * Replay-Nonce values that were CONSUMED, until they would have expired (the nonces themselves are
   * stateless: src/acme/server/nonces.ts). Insert-or-fail on the key makes each nonce single use across
   * instances; the purge deletes rows past `expires_at`.
   */
  const acmeNonces = table(
    'acme_nonces',
    {
      nonce: text('nonce').primaryKey(),
      expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('acme_nonces_expires_idx').on(t.expiresAt)],
  );

  const acmeAccounts = table(
    'acme_accounts',
    {
      id: text('id').primaryKey(),
      /** RFC 7638 thumbprint of the account key (unique: one account per key). */
      thumbprint: text('thumbprint').notNull().unique(),
      jwk: text('jwk', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
      status: text('status', { enum: ['valid', 'deactivated', 'revoked'] }).notNull(),
      contact: text('contact', { mode: 'json' }).$type<string[]>().notNull(),
      eabKid: text('eab_kid').notNull(),
      subscriptionId: text('subscription_id')
        .notNull()
        .references(() => subscriptions.id, { onDelete: 'cascade' }),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('acme_accounts_kid_idx').on(t.eabKid)],
  );

  const acmeOrders = table(
    'acme_orders',
    {
      id: text('id').primaryKey(),
      accountId: text('account_id')
        .notNull()
        .references(() => acmeAccounts.id, { onDelete: 'cascade' }),
      status: text('status', { enum: ['pending', 'ready', 'processing', 'valid', 'invalid'] }).notNull(),
      identifiers: text('identifiers', { mode: 'json' }).$type<{ type: string; value: string }[]>().notNull(),
      notBefore: integer('not_before', { mode: 'timestamp_ms' }),
      notAfter: integer('not_after', { mode: 'timestamp_ms' }),
      expires: integer('expires', { mode: 'timestamp_ms' }).notNull(),
      error: text('error', { mode: 'json' }).$type<Record<string, unknown>>(),
      certificateId: text('certificate_id'),
      issuerHandle: text('issuer_handle'),
      replaces: text('replaces'),
      profile: text('profile'),
      /** The finalize CSR, kept from `processing` on so that issuance can be submitted again after a crash. */
      csrPem: text('csr_pem'),
      /** When finalize moved the order to processing, and when a request last took the issuance over. */
      processingStartedAt: integer('processing_started_at', { mode: 'timestamp_ms' }),
      leaseAt: integer('lease_at', { mode: 'timestamp_ms' }),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    },
    // Partial indexes where most rows have nothing to find: an entry is written only for an order that
    // replaces a certificate, or while it is processing. A full index on status took a write at every
    // transition of every order (about two WAL pages per ACME flow).
    (t) => [
      index('acme_orders_account_idx').on(t.accountId, t.createdAt),
      index('acme_orders_replaces_idx').on(t.replaces).where(sql`replaces is not null`),
      // needingRecovery's query names `status = 'processing'` as a literal: the planners use a partial index
      // only when the query's own terms imply its WHERE.
      index('acme_orders_processing_idx').on(t.leaseAt).where(sql`status = 'processing'`),
    ],
  );

  /** Which authorizations an order uses: its own, or valid ones of the same account reused (as Boulder does). */
  const acmeOrderAuthorizations = table(
    'acme_order_authorizations',
    {
      orderId: text('order_id')
        .notNull()
        .references(() => acmeOrders.id, { onDelete: 'cascade' }),
      authzId: text('authz_id').notNull(),
    },
    (t) => [primaryKey({ columns: [t.orderId, t.authzId] }), index('acme_order_authz_authz_idx').on(t.authzId)],
  );

  /**
   * A plan's certificate count, one row per ACME order that holds a certificate of it: inserted in one
   * conditional statement before signing (only while the count is below the plan's maximum), deleted when
   * signing fails. The count of rows is the subscription's certificatesIssued, kept in its
   * certificates_reserved column by the same units that insert and delete the rows.
   */
  const planReservations = table(
    'plan_reservations',
    {
      acmeOrderId: text('acme_order_id').primaryKey(),
      subscriptionId: text('subscription_id')
        .notNull()
        .references(() => subscriptions.id, { onDelete: 'cascade' }),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('plan_reservations_subscription_idx').on(t.subscriptionId)],
  );

  const acmeAuthorizations = table(
    'acme_authorizations',
    {
      id: text('id').primaryKey(),
      orderId: text('order_id')
        .notNull()
        .references(() => acmeOrders.id, { onDelete: 'cascade' }),
      accountId: text('account_id').notNull(),
      identifierType: text('identifier_type').notNull(),
      identifierValue: text('identifier_value').notNull(),
      wildcard: integer('wildcard', { mode: 'boolean' }).notNull(),
      status: text('status', { enum: ['pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked'] }).notNull(),
      expires: integer('expires', { mode: 'timestamp_ms' }).notNull(),
      /** When a challenge proved control: the start of the reuse window. */
      validatedAt: integer('validated_at', { mode: 'timestamp_ms' }),
    },
    // No index holds the status: a status change then rewrites only the row. The reuse look-up reaches the
    // account's authorizations of one identifier (a handful) and checks status, expiry and age on them; the
    // account-wide queries (validForAccount, deactivateForAccount) use the same index's account_id prefix.
    (t) => [
      index('acme_authz_order_idx').on(t.orderId),
      index('acme_authz_identifier_idx').on(t.accountId, t.identifierType, t.identifierValue, t.wildcard),
    ],
  );

  const acmeChallenges = table(
    'acme_challenges',
    {
      id: text('id').primaryKey(),
      authzId: text('authz_id')
        .notNull()
        .references(() => acmeAuthorizations.id, { onDelete: 'cascade' }),
      type: text('type').notNull(),
      token: text('token').notNull(),
      status: text('status', { enum: ['pending', 'processing', 'valid', 'invalid'] }).notNull(),
      validated: integer('validated', { mode: 'timestamp_ms' }),
      error: text('error', { mode: 'json' }).$type<Record<string, unknown>>(),
      /** When the validation in progress (`processing`) started: a stale one is taken over (crash recovery). */
      attemptedAt: integer('attempted_at', { mode: 'timestamp_ms' }),
    },
    (t) => [index('acme_chall_authz_idx').on(t.authzId)],
  );
  return { acmeNonces, acmeAccounts, acmeOrders, acmeOrderAuthorizations, planReservations, acmeAuthorizations, acmeChallenges };
}

export type AcmeTables = ReturnType<typeof acmeTables>;
