import type { Kinds } from './kinds.js';

export function accountTables({ table, text, integer, index }: Kinds) {
  /** Customer accounts of the portal and REST API. */
  const customers = table('customers', {
    id: text('id').primaryKey(),
    email: text('email').notNull().unique(),
    /** PHC string of the password hash (argon2id); never the password. */
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  });

  /** Login sessions: only a keyed digest of the bearer token is kept. */
  const sessions = table(
    'sessions',
    {
      tokenDigest: text('token_digest').primaryKey(),
      customerId: text('customer_id')
        .notNull()
        .references(() => customers.id, { onDelete: 'cascade' }),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('sessions_expires_idx').on(t.expiresAt)],
  );

  /** Failure counters that slow down guessing (logins per account and per address, CA References). */
  const throttles = table('throttles', {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowStart: integer('window_start', { mode: 'timestamp_ms' }).notNull(),
    blockedUntil: integer('blocked_until', { mode: 'timestamp_ms' }),
  });
  return { customers, sessions, throttles };
}

export type AccountTables = ReturnType<typeof accountTables>;
