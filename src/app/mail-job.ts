/**
 * The mail side of the periodic job, for both entry points: reminders due now go into the outbox, then the
 * outbox worker sends what is due. Without mail settings (no mailer) it does nothing.
 */
import type { AppDeps } from './context.js';
import type { RegistrationAuthority } from '../ra/index.js';
import { deliverDue, type DeliveryReport } from '../mail/outbox.js';

export interface MailRound extends DeliveryReport {
  queued: number;
}

export async function mailRound(deps: AppDeps, ra: RegistrationAuthority, opts: { reminders: boolean }): Promise<MailRound> {
  const none = { queued: 0, sent: 0, retried: 0, failed: 0 };
  const mail = deps.config.mail;
  if (!mail || !deps.mailer) return none;
  const queued = opts.reminders ? await ra.queueReminders() : 0;
  const delivered = await deliverDue({ ...deps, mailer: deps.mailer, from: mail.from });
  return { queued, ...delivered };
}
