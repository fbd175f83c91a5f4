/**
 * Storage of the mail outbox, mail tokens and per-account mail settings. The methods that write a mail
 * together with its event do both in one atomic unit (a transaction on better-sqlite3 and PostgreSQL, a batch on D1): a
 * crash leaves both or neither.
 */
import type { DomainValidationRecord, OrderRecord, OrderStatus, UnlockCodeRecord } from './types.js';

export type OutboxStatus = 'pending' | 'sent' | 'failed';

/** A mail as its event writes it: the message is sealed to the row (src/mail/outbox.ts). */
export interface OutboxMail {
  id: string;
  /** What happened, e.g. `order.issued:<issuance id>`: with the recipient, unique. */
  eventKey: string;
  recipient: string;
  kind: string;
  sealed: string;
  createdAt: Date;
}

export interface OutboxRecord extends OutboxMail {
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastError: string | null;
  sentAt: Date | null;
}

export interface MailTokenRecord {
  digest: string;
  purpose: string;
  subjectId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface CustomerMailRecord {
  customerId: string;
  verifiedAt: Date | null;
  omitCaReference: boolean;
}

/** A placed order with what is written with it. */
export interface PlacedOrderRows {
  order: OrderRecord;
  validations: DomainValidationRecord[];
  unlockCode?: UnlockCodeRecord;
}

export type ReminderSubject = 'certificate' | 'unlock-code' | 'eab-reveal' | 'subscription';

/**
 * Something whose time runs out, with whom to tell: a tracking order's current certificate (not revoked),
 * an unlock code, an EAB credential's reveal window (not revoked), an active CaaS subscription.
 */
export interface Reminder {
  /** The certificate, unlock code, EAB key id or subscription id. */
  subjectId: string;
  /** The order number (certificate, unlock code) or the subscription's plan and id. */
  label: string;
  domains: string[];
  at: Date;
  recipient: string;
}

export interface MailStore {
  /** Writes mails whose event is the mail itself (reminders); a mail already written for the same event and recipient is kept. Returns how many are new. */
  enqueue(mails: OutboxMail[]): Promise<number>;
  /** The order, its validations, its unlock code and its mails, all or nothing. */
  placeOrder(rows: PlacedOrderRows, mails: OutboxMail[]): Promise<void>;
  /**
   * `orders.transition` and the mails of that transition in one atomic unit: the mails are written only
   * when the transition applied (or a racing request applied the same one: same event key, one mail).
   */
  transitionOrder(
    id: string,
    from: readonly OrderStatus[],
    changes: Partial<Omit<OrderRecord, 'id'>>,
    match: Partial<Pick<OrderRecord, 'issuanceId' | 'issuanceLeaseAt' | 'replacesCertificateId'>> | undefined,
    mails: OutboxMail[],
  ): Promise<OrderRecord | undefined>;
  /**
   * Takes up to `limit` mails due at `now` that no live lease holds, and holds them until `leaseUntil`
   * (one statement: two workers never take the same row). Counts the attempt.
   */
  lease(now: Date, leaseUntil: Date, limit: number): Promise<OutboxRecord[]>;
  /** Sent: the message is wiped. Only while this worker's lease holds. */
  markSent(id: string, leaseUntil: Date, at: Date): Promise<boolean>;
  /** Not sent: try again at `nextAttemptAt`, or give up (`failed`). Only while this worker's lease holds. */
  markRetry(id: string, leaseUntil: Date, nextAttemptAt: Date, error: string, failed: boolean): Promise<boolean>;
  byEvent(eventKey: string): Promise<OutboxRecord[]>;
  /** Sent and failed rows older than `cutoff` are deleted; returns how many. */
  purgeBefore(cutoff: Date): Promise<number>;

  /** What ends in (from, to] and has no mail with event key `eventPrefix + subjectId` yet. */
  reminders(subject: ReminderSubject, from: Date, to: Date, eventPrefix: string, limit: number): Promise<Reminder[]>;

  /** A new link and the mail that carries it, in one atomic unit; the subject's earlier unused links of that purpose are retired. */
  issueToken(t: MailTokenRecord, mails: OutboxMail[]): Promise<void>;
  /** Marks a live, unused token used (one statement: single use); returns it, or undefined. */
  useToken(digest: string, purpose: string, now: Date): Promise<MailTokenRecord | undefined>;
  purgeTokens(now: Date): Promise<number>;

  settings(customerId: string): Promise<CustomerMailRecord>;
  putSettings(s: CustomerMailRecord): Promise<void>;
  /** Sets a new password hash and ends the account's sessions, in one atomic unit. */
  resetPassword(customerId: string, passwordHash: string): Promise<void>;
}
