/** The ACME edge's reading of domain errors: each code becomes its RFC 8555 §6.7 problem type. */
import type { DomainError } from '../../core/errors.js';
import { Problem, acmeProblems } from '../../core/problem.js';

export function acmeProblem(e: DomainError): Problem {
  const ext = e.extensions;
  switch (e.code) {
    case 'invalid':
      return acmeProblems.malformed(e.detail, ext);
    case 'badCsr':
      return acmeProblems.badCSR(e.detail, ext);
    case 'notFound': {
      const p = acmeProblems.malformed(e.detail, ext);
      return new Problem(p.type, p.title, 404, p.detail, { extensions: ext });
    }
    case 'wrongState':
      return acmeProblems.orderNotReady(e.detail, ext);
    case 'conflict':
      return acmeProblems.conflict(e.detail, ext);
    case 'gone': {
      const p = acmeProblems.malformed(e.detail, ext);
      return new Problem(p.type, p.title, 410, p.detail, { extensions: ext });
    }
    case 'notAuthorized':
    case 'planRefused':
      return acmeProblems.unauthorized(e.detail, ext);
    case 'identifierRefused':
      return acmeProblems.rejectedIdentifier(e.detail, ext);
    case 'unsupportedIdentifier':
      return acmeProblems.unsupportedIdentifier(e.detail, ext);
    case 'caa':
      return acmeProblems.caa(e.detail, ext);
    case 'issuerRefused':
      return acmeProblems.badCSR(`The certificate authority refused the request: ${e.detail}`, ext);
    case 'alreadyRevoked':
      return acmeProblems.alreadyRevoked(e.detail, ext);
    case 'alreadyReplaced':
      return acmeProblems.alreadyReplaced(e.detail, ext);
    case 'rateLimited':
      return acmeProblems.rateLimited(e.detail, ext, { 'retry-after': String(e.retryAfterSeconds ?? 60) });
  }
}
