/**
 * What sends a mail: SMTP on Node (src/adapters/node/smtp-mailer.ts), an HTTP mail API on Workers
 * (src/adapters/workers/http-mailer.ts). The outbox worker (outbox.ts) is the only caller.
 */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per outbox row: a mail sent again after a crash carries the same Message-ID, so readers can tell. */
  messageId: string;
}

export interface Mailer {
  /** Resolves once the relay took the mail; throws MailSendError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
}

/** A refusal: `permanent` (5xx, a bad address) is not tried again; anything else is, with backoff. */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}
