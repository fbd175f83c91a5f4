/**
 * Domain errors: what the registration authority and the code under it (CSR checks, plan policy, CA, VA)
 * throw when a request cannot be carried out. They carry a stable `code`, a customer-facing `detail` and,
 * where one field is at fault, its name. They know nothing of any wire format: each edge turns them into
 * its own vocabulary (REST problem types in api/problems.ts, RFC 8555 problem types in
 * acme/server/problems.ts, pages in the portal).
 */

import { withChanges } from './with-changes.js';

export type DomainErrorCode =
  /** A request field is not acceptable (names `field`). */
  | 'invalid'
  /** The CSR cannot be used (signature, key, names). */
  | 'badCsr'
  /** No such object for this caller (someone else's answers alike). */
  | 'notFound'
  /** The object is not in a state that allows this (e.g. finalize before validation). */
  | 'wrongState'
  /** Another request changed the object first; reading it again shows the outcome. */
  | 'conflict'
  /** It existed and is gone for good (an expired unlock code, a closed window). */
  | 'gone'
  /** The caller holds no (longer a) valid authorization for this (e.g. an expired ACME authorization). */
  | 'notAuthorized'
  /** The subscription or its plan refuses (revoked, ended, certificate count, validity). */
  | 'planRefused'
  /** A name the plan or the policy refuses (too many names, wildcards not allowed). */
  | 'identifierRefused'
  /** A kind of identifier this server does not issue for. */
  | 'unsupportedIdentifier'
  /** CAA (RFC 8659) forbids issuance. */
  | 'caa'
  /** The certificate authority refused the request. */
  | 'issuerRefused'
  /** The certificate was revoked already. */
  | 'alreadyRevoked'
  /** The certificate was replaced already (RFC 9773). */
  | 'alreadyReplaced'
  /** Too many requests; `retryAfterSeconds` says when to try again. */
  | 'rateLimited';

export interface DomainErrorOptions {
  field?: string;
  /** Members the edges may add to their problem document (e.g. orderStatus, identifier, subproblems). */
  extensions?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly detail: string;
  readonly field: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DomainErrorCode, detail: string, opts: DomainErrorOptions = {}) {
    super(detail);
    this.name = 'DomainError';
    this.code = code;
    this.detail = detail;
    this.field = opts.field;
    this.extensions = opts.extensions ?? {};
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

const make =
  (code: DomainErrorCode) =>
  (detail: string, opts?: DomainErrorOptions): DomainError =>
    new DomainError(code, detail, opts);

/** One constructor per code: `throw domainErrors.badCsr('…')`. */
export const domainErrors = {
  invalid: (detail: string, field?: string, extensions?: Record<string, unknown>) => new DomainError('invalid', detail, { field, extensions }),
  badCsr: make('badCsr'),
  notFound: make('notFound'),
  wrongState: make('wrongState'),
  conflict: make('conflict'),
  gone: make('gone'),
  notAuthorized: make('notAuthorized'),
  planRefused: make('planRefused'),
  identifierRefused: make('identifierRefused'),
  unsupportedIdentifier: make('unsupportedIdentifier'),
  caa: make('caa'),
  issuerRefused: make('issuerRefused'),
  alreadyReplaced: make('alreadyReplaced'),
  alreadyRevoked: make('alreadyRevoked'),
  rateLimited: (detail: string, retryAfterSeconds: number) => new DomainError('rateLimited', detail, { retryAfterSeconds }),
};

/** A domain error as stored on a record (e.g. an ACME order's `error`): the edges render it when read. */
export interface DomainErrorDoc {
  code: DomainErrorCode;
  detail: string;
  field?: string;
  [extension: string]: unknown;
}

export function toDoc(e: DomainError): DomainErrorDoc {
  return withChanges(e.extensions, e.field ? { code: e.code, detail: e.detail, field: e.field } : { code: e.code, detail: e.detail });
}

/** The stored document back as an error, or undefined when it is not one (e.g. a VA problem document). */
export function fromDoc(doc: Record<string, unknown> | null | undefined): DomainError | undefined {
  if (!doc || typeof doc.code !== 'string' || typeof doc.detail !== 'string' || 'type' in doc) return undefined;
  const { code, detail, field, ...extensions } = doc;
  return new DomainError(code as DomainErrorCode, detail, { field: typeof field === 'string' ? field : undefined, extensions });
}
