import type { Kinds } from './kinds.js';
import type { AccountTables } from './accounts.js';

export function mailTables({ table, text, integer, index, uniqueIndex }: Kinds, { customers }: Pick<AccountTables, 'customers'>) {
/**
 * The durable outbox: each mail is written in the same atomic unit as the event it tells about (a
 * better-sqlite3 transaction, a D1 batch), then sent by the outbox worker. One event sends one recipient one
 * mail: (event_key, recipient) is unique. The message is sealed (AES-256-GCM bound to the row: a shipment
 * notice carries the CA Reference) and wiped once sent.
 */
const mailOutbox = table(
  'mail_outbox',
  {
    id: text('id').primaryKey(),
    eventKey: text('event_key').notNull(),
    recipient: text('recipient').notNull(),
    /** What the mail is (src/mail/messages.ts): shipment, issued, expiring, … */
    kind: text('kind').notNull(),
    /** The sealed message (subject, text, html); emptied once sent. */
    sealed: text('sealed').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    /** A worker holds the row until then; a worker killed while sending leaves it to the next one after it. */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('mail_outbox_event_recipient').on(t.eventKey, t.recipient), index('mail_outbox_due_idx').on(t.status, t.nextAttemptAt)],
);

/**
 * Single-use links sent by mail (address verification, password reset, approver e-mail validation): only a
 * keyed digest of the token is kept.
 */
const mailTokens = table(
  'mail_tokens',
  {
    digest: text('digest').primaryKey(),
    purpose: text('purpose').notNull(),
    /** The customer (verification, reset) or the domain validation (approver e-mail) it stands for. */
    subjectId: text('subject_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('mail_tokens_subject_idx').on(t.subjectId, t.purpose), index('mail_tokens_expires_idx').on(t.expiresAt)],
);

/** Per account: whether the address is verified, and whether mails may carry the CA Reference. */
const customerMail = table('customer_mail', {
  customerId: text('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
  /** The account's choice to keep the CA Reference out of shipment notices (default: included). */
  omitCaReference: integer('omit_ca_reference', { mode: 'boolean' }).notNull(),
});
  return { mailOutbox, mailTokens, customerMail };
}
