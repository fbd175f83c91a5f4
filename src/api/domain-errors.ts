/** The REST edge's reading of domain errors: each code becomes one REST problem type (RFC 9457). */
import type { DomainError } from '../core/errors.js';
import { Problem, problems } from '../core/problem.js';

export function restProblem(e: DomainError): Problem {
  const ext = { ...e.extensions, ...(e.field ? { field: e.field } : {}) };
  switch (e.code) {
    case 'invalid':
    case 'identifierRefused':
    case 'unsupportedIdentifier':
      return problems.validation(e.detail, ext);
    case 'badCsr':
      return problems.badCsr(e.detail, ext);
    case 'notFound':
      return problems.notFound(e.detail, ext);
    case 'wrongState':
    case 'conflict':
    case 'alreadyReplaced':
    case 'alreadyRevoked':
      return problems.conflict(e.detail, ext);
    case 'gone':
      return problems.gone(e.detail, ext);
    case 'notAuthorized':
      return problems.forbidden(e.detail, ext);
    case 'planRefused':
      return problems.planRefused(e.detail, ext);
    case 'caa':
      return problems.caa(e.detail, ext);
    case 'issuerRefused':
      return problems.issuerRefused(e.detail, ext);
    case 'rateLimited':
      return problems.tooManyRequests(e.detail, e.retryAfterSeconds ?? 60);
  }
}
