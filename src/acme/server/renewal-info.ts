/**
 * ACME Renewal Information (RFC 9773 §4.2): GET renewalInfo/{certID} → a suggested renewal window.
 * A valid certificate should be renewed between two thirds and three quarters of its lifetime; a revoked
 * one at once (a window that has begun already). Clients are asked back after six hours.
 */
import { acmeJson, services, type AcmeContext, type AcmeReply } from './http.js';
import { certificateFor, parseCertId } from './cert-id.js';
import { notFound } from './owned.js';

export const RENEWAL_INFO_RETRY_AFTER_SECONDS = 6 * 60 * 60;

export async function renewalInfo(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const id = parseCertId(c.req.param('certId'));
  const cert = await certificateFor(s.store, id);
  if (!cert) throw notFound('certificate issued by this server');
  let start: Date;
  let end: Date;
  if (cert.revokedAt) {
    const now = s.clock.now().getTime();
    start = new Date(now - 60 * 60 * 1000);
    end = new Date(now);
  } else {
    const from = cert.notBefore.getTime();
    const life = cert.notAfter.getTime() - from;
    start = new Date(from + Math.round((life * 2) / 3));
    end = new Date(from + Math.round((life * 3) / 4));
  }
  return acmeJson({ suggestedWindow: { start: start.toISOString(), end: end.toISOString() } }, 200, {
    'retry-after': String(RENEWAL_INFO_RETRY_AFTER_SECONDS),
  });
}
