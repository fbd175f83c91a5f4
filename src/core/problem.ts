/**
 * The one problem-document module (RFC 9457, formerly RFC 7807; ACME error types per RFC 8555 §6.7).
 * Inner code throws a Problem; it is rendered once, at the HTTP edge (see api/errors.ts).
 * An unknown error never reaches the wire: it becomes a bare "internal error".
 */

import { withChanges } from './with-changes.js';

export const API_PROBLEM_BASE = 'https://eabgate.dev/problems/';
export const ACME_PROBLEM_BASE = 'urn:ietf:params:acme:error:';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class Problem extends Error {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    type: string,
    title: string,
    status: number,
    detail: string,
    opts: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.type = type;
    this.title = title;
    this.status = status;
    this.detail = detail;
    this.extensions = opts.extensions ?? {};
    this.headers = opts.headers ?? {};
  }

  toJSON(): ProblemDocument {
    // Extensions never override the members RFC 9457 defines.
    return withChanges(this.extensions, { type: this.type, title: this.title, status: this.status, detail: this.detail });
  }

  toResponse(extraHeaders: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { 'content-type': 'application/problem+json', ...this.headers, ...extraHeaders },
    });
  }
}

/** REST API problems: one constructor per kind, each with a stable type URI. */
const api =
  (slug: string, title: string, status: number) =>
  (detail: string, extensions?: Record<string, unknown>, headers?: Record<string, string>) =>
    new Problem(API_PROBLEM_BASE + slug, title, status, detail, { extensions, headers });

export const problems = {
  badRequest: api('bad-request', 'Bad request', 400),
  malformedJson: api('malformed-json', 'Malformed JSON body', 400),
  validation: api('validation', 'Invalid request', 400),
  bodyTooLarge: api('body-too-large', 'Request body too large', 400),
  unsupportedMediaType: api('unsupported-media-type', 'Unsupported media type', 415),
  unauthorized: api('unauthorized', 'Authentication required', 401),
  invalidCredentials: api('invalid-credentials', 'Invalid email or password', 401),
  forbidden: api('forbidden', 'Forbidden', 403),
  notFound: api('not-found', 'Not found', 404),
  conflict: api('conflict', 'Conflict', 409),
  gone: api('gone', 'Gone', 410),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new Problem(API_PROBLEM_BASE + 'too-many-requests', 'Too many requests', 429, detail, {
      extensions: { retryAfter: retryAfterSeconds },
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  badCsr: api('bad-csr', 'The CSR cannot be used', 400),
  planRefused: api('plan-refused', 'Refused by the plan', 403),
  caa: api('caa', 'CAA forbids issuance', 403),
  issuerRefused: api('issuer-refused', 'The certificate authority refused the request', 409),
  unlockCodeExpired: api('unlock-code-expired', 'Unlock code no longer available', 410),
  adminDisabled: api('admin-disabled', 'Admin API disabled', 404),
  internal: () => new Problem(API_PROBLEM_BASE + 'internal', 'Internal error', 500, 'An internal error occurred.'),
};

/** Wraps anything thrown into a Problem; unknown errors lose every detail on the way. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  return problems.internal();
}

/**
 * ACME problems (RFC 8555 §6.7): one constructor per error type. `subproblems` and `identifier` are
 * allowed as extensions (§6.7.1).
 */
const acme =
  (type: string, title: string, status: number) =>
  (detail: string, extensions?: Record<string, unknown>, headers?: Record<string, string>) =>
    new Problem(ACME_PROBLEM_BASE + type, title, status, detail, { extensions, headers });

export const acmeProblems = {
  accountDoesNotExist: acme('accountDoesNotExist', 'Account does not exist', 400),
  alreadyRevoked: acme('alreadyRevoked', 'Certificate already revoked', 400),
  badCSR: acme('badCSR', 'Bad CSR', 400),
  badNonce: acme('badNonce', 'Bad nonce', 400),
  badPublicKey: acme('badPublicKey', 'Bad public key', 400),
  badRevocationReason: acme('badRevocationReason', 'Bad revocation reason', 400),
  badSignatureAlgorithm: acme('badSignatureAlgorithm', 'Bad signature algorithm', 400),
  caa: acme('caa', 'CAA forbids issuance', 403),
  compound: acme('compound', 'Several problems', 403),
  connection: acme('connection', 'Connection failed', 400),
  dns: acme('dns', 'DNS problem', 400),
  externalAccountRequired: acme('externalAccountRequired', 'External account binding required', 400),
  incorrectResponse: acme('incorrectResponse', 'Incorrect response', 403),
  invalidContact: acme('invalidContact', 'Invalid contact', 400),
  malformed: acme('malformed', 'Malformed request', 400),
  orderNotReady: acme('orderNotReady', 'Order not ready', 403),
  rateLimited: acme('rateLimited', 'Rate limited', 429),
  rejectedIdentifier: acme('rejectedIdentifier', 'Identifier rejected', 400),
  serverInternal: acme('serverInternal', 'Internal server error', 500),
  tls: acme('tls', 'TLS problem', 400),
  unauthorized: acme('unauthorized', 'Unauthorized', 403),
  unsupportedContact: acme('unsupportedContact', 'Unsupported contact', 400),
  unsupportedIdentifier: acme('unsupportedIdentifier', 'Unsupported identifier', 400),
  userActionRequired: acme('userActionRequired', 'User action required', 403),
  alreadyReplaced: acme('alreadyReplaced', 'Certificate already replaced', 409),
  /** draft-ietf-acme-profiles: a newOrder `profile` the server does not offer. */
  invalidProfile: acme('invalidProfile', 'Invalid profile', 400),
  conflict: acme('conflict', 'Conflict', 409),
};
