/**
 * The durable outbox: a mail is a row written with its event (src/core/store/mail.ts), and this worker
 * sends it. Each round leases the due rows (one statement, so two workers or instances never send the same
 * row), sends each, and marks it sent or schedules a retry with exponential backoff. A worker killed after
 * the commit and before the send leaves the row pending: the next round sends it. A worker killed after the
 * relay took the mail and before it was marked sent sends it again once its lease lapses (delivery is at
 * least once; the Message-ID stays the same so mail clients can tell the copy).
 */
import type { Clock } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store/types.js';
import type { OutboxMail, OutboxRecord } from '../core/store/mail.js';
import { newId } from '../core/secrets/tokens.js';
import { MailSendError, type Mailer } from './mailer.js';
import type { MailContent } from './render.js';
import type { MailKind } from './messages.js';

export const MAIL_LEASE_MS = 2 * 60_000;
export const MAIL_BATCH = 20;
export const MAIL_MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 6 * 60 * 60_000;

/** The wait before attempt n+1 after n failed: 30 s, 1 min, 2 min, … at most 6 h (≈ 2 days for 10 attempts). */
export const retryDelayMs = (attempts: number) => Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);

const sealContext = (id: string) => ({ table: 'mail_outbox', id, purpose: 'mail' });

export interface OutboxDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
}

/** A mail ready to be written with its event: the message sealed to its row. */
export async function composeMail(deps: Pick<OutboxDeps, 'keyring' | 'clock'>, kind: MailKind, eventKey: string, to: string, content: MailContent): Promise<OutboxMail> {
  const id = newId();
  return {
    id,
    eventKey,
    recipient: to.trim().toLowerCase(),
    kind,
    sealed: await deps.keyring.seal(JSON.stringify(content), sealContext(id)),
    createdAt: deps.clock.now(),
  };
}

export async function openMail(keyring: Keyring, row: Pick<OutboxRecord, 'id' | 'sealed'>): Promise<MailContent> {
  return JSON.parse(await keyring.open(row.sealed, sealContext(row.id))) as MailContent;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
}

/** One round of the worker: sends what is due now. */
export async function deliverDue(deps: OutboxDeps & { logger: Logger; mailer: Mailer; from: string }, limit = MAIL_BATCH): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 };
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + MAIL_LEASE_MS);
  const rows = await deps.store.mail.lease(now, leaseUntil, limit);
  const domain = deps.from.split('@').pop()!.replace(/>$/, '');
  for (const row of rows) {
    try {
      const content = await openMail(deps.keyring, row);
      await deps.mailer.send({ from: deps.from, to: row.recipient, ...content, messageId: `<${row.id}@${domain}>` });
      await deps.store.mail.markSent(row.id, leaseUntil, deps.clock.now());
      report.sent++;
    } catch (err) {
      const permanent = err instanceof MailSendError && err.permanent;
      const failed = permanent || row.attempts >= MAIL_MAX_ATTEMPTS;
      const reason = err instanceof MailSendError ? err.message : `${(err as Error)?.name ?? 'Error'}`;
      await deps.store.mail.markRetry(row.id, leaseUntil, new Date(deps.clock.now().getTime() + retryDelayMs(row.attempts)), reason, failed);
      deps.logger.error(failed ? 'mail: given up' : 'mail: will retry', { kind: row.kind, event: row.eventKey, attempts: row.attempts, error: reason });
      if (failed) report.failed++;
      else report.retried++;
    }
  }
  return report;
}
