/** Retry-After for a processing order (RFC 8555 §7.4): the registration authority's hint, or a few seconds. */
import type { AcmeOrderRecord } from '../../core/store/acme.js';
import { DEFAULT_RETRY_AFTER_SECONDS } from '../../ra/acme/issuance.js';

export function retryAfter(o: AcmeOrderRecord, hintSeconds?: number): Record<string, string> {
  return o.status === 'processing' ? { 'retry-after': String(hintSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) } : {};
}
