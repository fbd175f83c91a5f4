/**
 * The HTTP edge of the ACME server: the nonce source (nonces.ts), the body reader with its size limit,
 * JSON and problem responses, and the one error handler. Every failure leaves as an RFC 8555 problem
 * document; a REST-API problem raised by shared code is re-typed as `malformed`, and anything unknown
 * becomes a bare `serverInternal`.
 */
import type { Context } from 'hono';
import type { AcmeEnv, AcmeServices } from '../../app/context.js';
import { ACME_PROBLEM_BASE, Problem, acmeProblems } from '../../core/problem.js';
export { nonceStore, NONCE_TTL_MS } from './nonces.js';
import { linksFor, type AcmeLinks } from './links.js';
import { DomainError } from '../../core/errors.js';
import { StoreUnavailable } from '../../core/store/unavailable.js';
import { acmeProblem } from './domain-errors.js';

export type AcmeContext = Context<AcmeEnv>;

/** Largest JWS body accepted: a CSR with 100 names and an RSA-4096 key is well under 16 KiB. */
export const ACME_BODY_LIMIT = 64 * 1024;

export const services = (c: AcmeContext): AcmeServices => c.get('services');
export const links = (c: AcmeContext): AcmeLinks => linksFor(services(c).config.baseUrl);

/** The request body as text, refused beyond ACME_BODY_LIMIT whether or not a Content-Length was sent. */
export async function readBody(c: AcmeContext): Promise<string> {
  const tooLarge = () => {
    const p = acmeProblems.malformed(`The request body exceeds ${ACME_BODY_LIMIT} bytes.`);
    return new Problem(p.type, p.title, 413, p.detail);
  };
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > ACME_BODY_LIMIT) throw tooLarge();
  // With a Content-Length (the HTTP parser holds the body to it), read it whole: the runtime's fast path.
  if (declared !== undefined && /^\d+$/.test(declared)) return c.req.raw.text();
  const stream = c.req.raw.body;
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > ACME_BODY_LIMIT) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw acmeProblems.malformed('The request body is not UTF-8 text.');
  }
}

/** A JSON response (the directory, accounts, orders, authorizations, challenges). */
export function acmeJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A problem as ACME sends it: application/problem+json, never cached. */
export function acmeProblemResponse(p: Problem): Response {
  return p.toResponse({ 'cache-control': 'no-store' });
}

/** Shared code throws REST-API problems (e.g. a CSR check); on the ACME wire they become `malformed`. */
function asAcmeProblem(p: Problem): Problem {
  if (p.type.startsWith(ACME_PROBLEM_BASE)) return p;
  const m = acmeProblems.malformed(p.detail);
  return new Problem(m.type, m.title, p.status >= 400 && p.status < 500 ? p.status : 400, p.detail, { headers: p.headers });
}

export function acmeOnError(err: Error, c: AcmeContext): Response {
  if (err instanceof Problem) return acmeProblemResponse(asAcmeProblem(err));
  if (err instanceof DomainError) return acmeProblemResponse(acmeProblem(err));
  if (err instanceof StoreUnavailable) {
    // RFC 8555 has no type for "try later": serverInternal with 503 and Retry-After (RFC 9110 §10.2.3).
    const p = acmeProblems.serverInternal('The server is briefly unavailable and nothing was changed; try again in a few seconds.');
    return acmeProblemResponse(new Problem(p.type, 'Service unavailable', 503, p.detail, { headers: { 'retry-after': String(err.retryAfterSeconds) } }));
  }
  // Only the class name: never the request, which may hold key material or a binding.
  c.get('services')?.logger.error('acme: unhandled error', { error: err?.name, path: c.req.path });
  return acmeProblemResponse(acmeProblems.serverInternal('An internal error occurred.'));
}

/** Unknown ACME path → 404, known path with another method → 405 (both `malformed`). */
export function notFoundProblem(c: AcmeContext): Problem {
  const p = acmeProblems.malformed(`No ACME resource at ${c.req.path}.`);
  return new Problem(p.type, p.title, 404, p.detail);
}

export function methodNotAllowed(allowed: string): (c: AcmeContext) => Response {
  return (c) => {
    const p = acmeProblems.malformed(
      allowed === 'POST'
        ? `${c.req.method} is not allowed here: fetch ACME resources with POST-as-GET (RFC 8555 §6.3).`
        : `${c.req.method} is not allowed here; use ${allowed}.`,
    );
    return acmeProblemResponse(new Problem(p.type, p.title, 405, p.detail, { headers: { allow: allowed } }));
  };
}
