/**
 * The HTTP edge of the ACME server: the nonce source (nonces.ts), the body reader with its size limit,
 * JSON and problem responses, and the one error handler. Every failure leaves as an RFC 8555 problem
 * document; a REST-API problem raised by shared code is re-typed as `malformed`, and anything unknown
 * becomes a bare `serverInternal`.
 */
import type { Context } from 'hono';
import type { AcmeEnv, AcmeServices } from '../../app/context.js';
import { ACME_PROBLEM_BASE, Problem, acmeProblems } from '../../core/problem.js';
import { nonceSource, NONCE_TTL_MS } from './nonces.js';
export { nonceSource, NONCE_TTL_MS };
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

/**
 * What an ACME resource answers, before the headers every ACME response carries. `acmeResponse` makes the
 * Response once, with all of its headers in one plain object: on Node, @hono/node-server then writes it as
 * it is. Setting headers on a finished Response instead builds a Headers object and validates each name and
 * value: hono's secureHeaders() alone took about 29 µs a request in a CPU profile of GET /acme/directory.
 */
export interface AcmeReply {
  status: number;
  body: string | null;
  /** Lower-case names. A `link` here comes before the index link. */
  headers: Record<string, string>;
}

/**
 * The headers of every ACME response: those hono's secureHeaders() puts on every other response
 * (src/app/app.ts), and the index link (§7.1) and the nonce filled in by acmeResponse. A function returning
 * one object literal, because V8 makes that object in one step with all its properties, where spreading a
 * constant object and then a reply's headers (`{ ...SECURITY, ...reply.headers }`, whose shapes differ from
 * resource to resource) took V8's generic copy: 2–4 µs and a dozen small objects per response in a
 * microbenchmark, against well under 0.1 µs.
 */
function acmeHeaders(link: string, nonce: string): Record<string, string> {
  return {
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=15552000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
    link,
    'replay-nonce': nonce,
  };
}

/** A JSON answer (the directory, accounts, orders, authorizations, challenges). */
export function acmeJson(body: unknown, status = 200, headers: Record<string, string> = {}): AcmeReply {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

/** A problem as ACME sends it: application/problem+json, never cached. */
export function acmeProblemReply(p: Problem): AcmeReply {
  const headers = Object.assign({ 'content-type': 'application/problem+json' }, p.headers, { 'cache-control': 'no-store' });
  return { status: p.status, body: JSON.stringify(p.toJSON()), headers };
}

/**
 * The Response of an ACME answer, with what RFC 8555 asks of every one, problems included: a fresh
 * Replay-Nonce (§6.5: a client retries a `badNonce` with it) unless the answer has one (newNonce), and
 * `Link: <directory>;rel="index"` (§7.1), after the answer's own links in the same field.
 */
export function acmeResponse(c: AcmeContext, reply: AcmeReply): Response {
  const s = services(c);
  const index = links(c).indexLink;
  const own = reply.headers;
  let nonce = own['replay-nonce'];
  if (nonce === undefined) {
    try {
      nonce = nonceSource(s).issue();
    } catch (err) {
      s.logger.error('acme: nonce not issued', { error: (err as Error)?.name });
    }
  }
  const headers = acmeHeaders(own.link === undefined ? index : `${own.link}, ${index}`, nonce ?? '');
  if (nonce === undefined) delete headers['replay-nonce']; // none could be made (logged above): no empty header
  for (const name in own) if (name !== 'link' && name !== 'replay-nonce') headers[name] = own[name]!;
  return new Response(reply.body, { status: reply.status, headers });
}

/** Shared code throws REST-API problems (e.g. a CSR check); on the ACME wire they become `malformed`. */
function asAcmeProblem(p: Problem): Problem {
  if (p.type.startsWith(ACME_PROBLEM_BASE)) return p;
  const m = acmeProblems.malformed(p.detail);
  return new Problem(m.type, m.title, p.status >= 400 && p.status < 500 ? p.status : 400, p.detail, { headers: p.headers });
}

export function acmeErrorReply(err: Error, c: AcmeContext): AcmeReply {
  if (err instanceof Problem) return acmeProblemReply(asAcmeProblem(err));
  if (err instanceof DomainError) return acmeProblemReply(acmeProblem(err));
  if (err instanceof StoreUnavailable) {
    // RFC 8555 has no type for "try later": serverInternal with 503 and Retry-After (RFC 9110 §10.2.3).
    const p = acmeProblems.serverInternal('The server is briefly unavailable and nothing was changed; try again in a few seconds.');
    return acmeProblemReply(new Problem(p.type, 'Service unavailable', 503, p.detail, { headers: { 'retry-after': String(err.retryAfterSeconds) } }));
  }
  // Only the class name: never the request, which may hold key material or a binding.
  c.get('services')?.logger.error('acme: unhandled error', { error: err?.name, path: c.req.path });
  return acmeProblemReply(acmeProblems.serverInternal('An internal error occurred.'));
}

/** Unknown ACME path → 404, known path with another method → 405 (both `malformed`). */
export function notFoundProblem(c: AcmeContext): Problem {
  const p = acmeProblems.malformed(`No ACME resource at ${c.req.path}.`);
  return new Problem(p.type, p.title, 404, p.detail);
}

export function methodNotAllowed(allowed: string): (c: AcmeContext) => AcmeReply {
  return (c) => {
    const p = acmeProblems.malformed(
      allowed === 'POST'
        ? `${c.req.method} is not allowed here: fetch ACME resources with POST-as-GET (RFC 8555 §6.3).`
        : `${c.req.method} is not allowed here; use ${allowed}.`,
    );
    return acmeProblemReply(new Problem(p.type, p.title, 405, p.detail, { headers: { allow: allowed } }));
  };
}
