/**
 * Mail over an HTTP mail API (Workers, which cannot speak SMTP; Node may use it too): one JSON POST per
 * mail with the API key as a bearer token, the request shape of Resend's `POST /emails`
 * (https://resend.com/docs/api-reference/emails/send-email) that several providers and relays accept:
 * { from, to: [..], subject, text, html, headers }. 2xx: taken; 4xx other than 408/429: refused for good;
 * anything else: tried again. Only fetch, so it runs on both runtimes.
 */
import { MailSendError, type Mailer } from '../../mail/mailer.js';

export function httpMailer(url: string, token: string, fetchImpl: typeof fetch = fetch): Mailer {
  return {
    async send(m) {
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ from: m.from, to: [m.to], subject: m.subject, text: m.text, html: m.html, headers: { 'Message-ID': m.messageId } }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        throw new MailSendError(`mail api: ${(err as Error)?.name ?? 'error'}`, false);
      }
      await res.body?.cancel();
      if (res.ok) return;
      throw new MailSendError(`mail api ${res.status}`, res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429);
    },
  };
}
