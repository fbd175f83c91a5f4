/**
 * Scheduled mails, from the periodic job (Node timer, Workers cron every 5 minutes): a certificate expiring
 * in 30, 7 and 1 days; an unlock code's and an EAB key's reveal window closing within 24 hours; a CaaS
 * subscription lapsing within 7 days. The mail is the event: its key (`cert.expiring.7:<certificate id>`)
 * is unique per recipient, so runs on several instances, or again after a crash, write it once. Each
 * threshold covers only the time down to the next one: a certificate first seen 5 days before it ends
 * gets the 7-day mail, not a late 30-day one.
 */
import { DAY_MS } from '../core/clock.js';
import type { ReminderSubject } from '../core/store/mail.js';
import { composeMail } from '../mail/outbox.js';
import { caasLapsing, eabRevealClosing, expiring, orderUrl, unlockCodeClosing, type MailKind } from '../mail/messages.js';
import type { MailContent } from '../mail/render.js';
import type { Reminder } from '../core/store/mail.js';
import type { RaDeps } from './deps.js';
import { mailOn } from './mail.js';

export const EXPIRY_REMINDER_DAYS = [30, 7, 1] as const;
const REMINDER_BATCH = 200;
const HOUR_MS = 3_600_000;

interface Rule {
  subject: ReminderSubject;
  kind: MailKind;
  prefix: string;
  /** The window before the end this mail is for: (after, before] ms before it. */
  before: number;
  after: number;
  content: (r: Reminder, base: string) => MailContent;
}

const subscriptionsUrl = (base: string) => `${base}/portal/caas`;

/** The renew link: the order's page, where the renewal action lives. */
const renewUrl = (base: string, orderNumber: string) => orderUrl(base, orderNumber);

export const REMINDER_RULES: Rule[] = [
  ...EXPIRY_REMINDER_DAYS.map((days, i): Rule => ({
    subject: 'certificate',
    kind: 'expiring',
    prefix: `cert.expiring.${days}:`,
    before: days * DAY_MS,
    after: (EXPIRY_REMINDER_DAYS[i + 1] ?? 0) * DAY_MS,
    content: (r, base) => expiring({ orderNumber: r.label, domains: r.domains, notAfter: r.at, days, renewUrl: renewUrl(base, r.label) }),
  })),
  {
    subject: 'unlock-code',
    kind: 'unlock-code-closing',
    prefix: 'unlock.closing:',
    before: 24 * HOUR_MS,
    after: 0,
    content: (r, base) => unlockCodeClosing({ orderNumber: r.label, expiresAt: r.at, orderUrl: orderUrl(base, r.label) }),
  },
  {
    subject: 'eab-reveal',
    kind: 'eab-reveal-closing',
    prefix: 'eab.reveal-closing:',
    before: 24 * HOUR_MS,
    after: 0,
    content: (r, base) => eabRevealClosing({ subscription: r.label, expiresAt: r.at, url: subscriptionsUrl(base) }),
  },
  {
    subject: 'subscription',
    kind: 'caas-lapsing',
    prefix: 'caas.lapsing:',
    before: 7 * DAY_MS,
    after: 0,
    content: (r, base) => caasLapsing({ subscription: r.label, until: r.at, url: subscriptionsUrl(base) }),
  },
];

/** Writes the reminders due now; returns how many were new. */
export async function queueReminders(d: RaDeps): Promise<number> {
  if (!mailOn(d)) return 0;
  const base = d.config.baseUrl!;
  const now = d.clock.now().getTime();
  let queued = 0;
  for (const rule of REMINDER_RULES) {
    const due = await d.store.mail.reminders(rule.subject, new Date(now + rule.after), new Date(now + rule.before), rule.prefix, REMINDER_BATCH);
    const mails = await Promise.all(due.map((r) => composeMail(d, rule.kind, rule.prefix + r.subjectId, r.recipient, rule.content(r, base))));
    queued += await d.store.mail.enqueue(mails);
  }
  return queued;
}
