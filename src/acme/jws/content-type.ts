/**
 * Step 1 of the pipeline: the media type. RFC 8555 §6.2: a POST whose Content-Type is not
 * "application/jose+json" MUST be refused with status 415. The problem type is `malformed` (RFC 8555
 * defines no media-type error), as Pebble and Boulder send it.
 */
import { Problem, acmeProblems } from '../../core/problem.js';

export const JOSE_CONTENT_TYPE = 'application/jose+json';

/**
 * Accepts "application/jose+json", case-insensitively and with parameters ("; charset=utf-8"), since
 * media types are case-insensitive and some HTTP stacks append a charset. Anything else → `malformed`, 415.
 */
export function checkJoseContentType(contentType: string | null | undefined): void {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === JOSE_CONTENT_TYPE) return;
  const detail = contentType
    ? `Content-Type ${JSON.stringify(contentType.slice(0, 80))} is not accepted: ACME requests must be sent as "${JOSE_CONTENT_TYPE}".`
    : `Content-Type is missing: ACME requests must be sent as "${JOSE_CONTENT_TYPE}".`;
  // problem.ts has no 415 constructor: same type and title as acmeProblems.malformed, status 415.
  const base = acmeProblems.malformed(detail);
  throw new Problem(base.type, base.title, 415, base.detail);
}
