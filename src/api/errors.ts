/** The HTTP edge of error handling: every failure leaves as one problem document, unknown ones bare. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { API_PROBLEM_BASE, Problem, problems } from '../core/problem.js';
import { StoreUnavailable } from '../core/store/unavailable.js';
import type { AppEnv } from '../app/context.js';
import { DomainError } from '../core/errors.js';
import { restProblem } from './domain-errors.js';

export function problemResponse(c: Context, p: Problem): Response {
  return p.toResponse({ 'cache-control': 'no-store' });
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof Problem) return problemResponse(c, err);
  if (err instanceof DomainError) return problemResponse(c, restProblem(err));
  if (err instanceof StoreUnavailable) return problemResponse(c, unavailableProblem(err));
  if (err instanceof HTTPException) {
    // Hono's JSON validator throws this for a body that is not JSON.
    if (err.status === 400) return problemResponse(c, problems.malformedJson('The request body is not valid JSON.'));
    return problemResponse(c, new Problem(problems.badRequest('').type, 'Request refused', err.status, err.message || 'Request refused.'));
  }
  const logger = c.get('services')?.logger;
  // Only the error's class and message's first line: never the request, which may hold a secret.
  logger?.error('unhandled error', { error: err?.name, path: c.req.path });
  return problemResponse(c, problems.internal());
}

/** The database is away: 503 with Retry-After; the request changed nothing. */
export function unavailableProblem(err: StoreUnavailable): Problem {
  return new Problem(
    API_PROBLEM_BASE + 'unavailable',
    'Service unavailable',
    503,
    'The service is briefly unavailable and nothing was changed; try again in a few seconds.',
    { headers: { 'retry-after': String(err.retryAfterSeconds) } },
  );
}

export function notFound(c: Context): Response {
  return problemResponse(c, problems.notFound(`No route for ${c.req.method} ${c.req.path}.`));
}

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

/** Turns a schema failure into a 400 naming the first offending field. */
export function validationProblem(target: string, issues: readonly ZodIssueLike[]): Problem {
  const issue = issues[0];
  if (!issue) return problems.validation(`${target}: invalid`);
  const path = issue.path.map(String).join('.') || (target === 'json' ? 'body' : target);
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const fields = issue.keys.map((k) => (path === 'body' ? k : `${path}.${k}`));
    return problems.validation(`unknown field${fields.length > 1 ? 's' : ''}: ${fields.join(', ')}`, { field: fields[0] });
  }
  return problems.validation(`${path}: ${issue.message}`, { field: path });
}
