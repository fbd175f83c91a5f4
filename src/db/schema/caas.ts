import type { Kinds } from './kinds.js';
import type { AccountTables } from './accounts.js';

export function caasTables({ table, text, integer, index }: Kinds, { customers }: Pick<AccountTables, 'customers'>) {
  /** A customer's Certificate-as-a-Service subscription and its plan. */
  const subscriptions = table(
    'subscriptions',
    {
      id: text('id').primaryKey(),
      customerId: text('customer_id')
        .notNull()
        .references(() => customers.id, { onDelete: 'cascade' }),
      plan: text('plan').notNull(),
      maxCertificates: integer('max_certificates').notNull(),
      maxNamesPerOrder: integer('max_names_per_order').notNull(),
      wildcards: integer('wildcards', { mode: 'boolean' }).notNull(),
      maxValidityDays: integer('max_validity_days').notNull(),
      /** Null = unlimited ACME accounts per credential. */
      maxAccountsPerCredential: integer('max_accounts_per_credential'),
      notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
      status: text('status', { enum: ['active', 'revoked'] }).notNull(),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
      /**
       * How many plan_reservations rows the subscription holds (its certificatesIssued), kept with them: a
       * reservation and its increment, a release and its decrement, are each one atomic unit. Counting the
       * rows instead cost a scan of all of a customer's reservations at every order.
       */
      certificatesReserved: integer('certificates_reserved').notNull().default(0),
    },
    (t) => [index('subscriptions_customer_idx').on(t.customerId)],
  );

  /** EAB credentials: the HMAC key sealed (the server needs it to verify bindings); shown for 7 days. */
  const eabCredentials = table(
    'eab_credentials',
    {
      kid: text('kid').primaryKey(),
      subscriptionId: text('subscription_id')
        .notNull()
        .references(() => subscriptions.id, { onDelete: 'cascade' }),
      hmacKeySealed: text('hmac_key_sealed').notNull(),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      revealUntil: integer('reveal_until', { mode: 'timestamp_ms' }).notNull(),
      revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    },
    (t) => [index('eab_credentials_subscription_idx').on(t.subscriptionId)],
  );

  /** Every time a customer looked at EAB credentials. */
  const eabViews = table(
    'eab_views',
    {
      id: text('id').primaryKey(),
      kid: text('kid')
        .notNull()
        .references(() => eabCredentials.kid, { onDelete: 'cascade' }),
      viewedAt: integer('viewed_at', { mode: 'timestamp_ms' }).notNull(),
      clientAddress: text('client_address').notNull(),
    },
    (t) => [index('eab_views_kid_idx').on(t.kid, t.viewedAt)],
  );
  return { subscriptions, eabCredentials, eabViews };
}

export type CaasTables = ReturnType<typeof caasTables>;
