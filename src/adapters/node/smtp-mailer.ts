/** Mail on Node: SMTP through nodemailer, to the relay EABGATE_SMTP_URL names (smtp:// with STARTTLS when offered, or smtps://). */
import nodemailer from 'nodemailer';
import { MailSendError, type Mailer } from '../../mail/mailer.js';

export function smtpMailer(url: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(url, {});
  // Timeouts below the outbox lease (2 min): a hung relay frees the row for the next round.
  Object.assign(transport.options, { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 40_000 });
  return {
    async send(m) {
      try {
        await transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId });
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; message?: string };
        // 5xx: the relay refused for good (bad address, policy); anything else (4xx, network) is tried again.
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        throw new MailSendError(`smtp ${e.responseCode ?? e.code ?? 'error'}`, permanent);
      }
    },
    close: () => transport.close(),
  };
}
