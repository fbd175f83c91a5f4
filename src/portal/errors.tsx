/**
 * Failures as pages people can act on. A Problem from a service carries a customer-facing detail; it is
 * shown as is (minus the API's field prefix). Anything else is logged by class name and shown as a plain
 * apology: never a stack, never request data.
 */
import type { Context } from 'hono';
import { Problem } from '../core/problem.js';
import { DomainError } from '../core/errors.js';
import { StoreUnavailable } from '../core/store/unavailable.js';
import { restProblem } from '../api/domain-errors.js';

/** A failure as the portal reads it: domain errors through the REST mapping (status, title, field). */
export function asProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof DomainError) return restProblem(err);
  return undefined;
}
import type { PortalContext, PortalEnv, PortalState } from './env.js';
import { CsrfRefused } from './session.js';
import { page } from './layout.js';
import type { FormErrors } from './ui.js';

/** "domains[0]: "x" is not …" → "“x” is not …": the API names fields; the page shows the message by the field. */
export function cleanDetail(detail: string): string {
  return detail.replace(/^[a-zA-Z]+(\.[a-zA-Z]+)*(\[\d+\])?: /, '').replace(/^./, (ch) => ch.toUpperCase());
}

/** The form field an API problem is about, through a map from API field names (prefix match). */
export function problemToErrors(p: Problem, fields: Record<string, string>): FormErrors {
  const apiField = typeof p.extensions.field === 'string' ? p.extensions.field : (/^([a-zA-Z.]+)(\[\d+\])?:/.exec(p.detail)?.[1] ?? '');
  const base = apiField.replace(/\[\d+\]$/, '');
  const target = fields[base] ?? fields[base.split('.')[0] ?? ''];
  if (p.status === 429) {
    const retry = Number(p.extensions.retryAfter);
    const wait = Number.isFinite(retry) && retry > 0 ? ` Please wait ${retry < 120 ? `${retry} seconds` : `${Math.ceil(retry / 60)} minutes`} and try again.` : '';
    return { _form: `Too many attempts.${wait}` };
  }
  return target ? { [target]: cleanDetail(p.detail) } : { _form: cleanDetail(p.detail) };
}

function fallbackState(c: Context<PortalEnv>): PortalState {
  return c.get('portal') ?? { customer: null, sessionToken: null, csrf: '', secure: false, form: {} };
}

export function errorPage(c: PortalContext, status: 400 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 503, title: string, message: string, next?: { href: string; label: string }) {
  if (!c.get('portal')) c.set('portal', fallbackState(c));
  return page(
    c,
    { title, section: null, status },
    <>
      <h1>{title}</h1>
      <div class={`alert ${status >= 500 ? 'alert-error' : 'alert-warning'}`} role="alert">
        <p>{message}</p>
      </div>
      <p>
        <a class="btn" href={next?.href ?? '/portal/'}>
          {next?.label ?? 'Back to the portal'}
        </a>
      </p>
    </>,
  );
}

export function notFoundPage(c: PortalContext) {
  return errorPage(c, 404, 'Page not found', 'There is no page at this address. Check the link, or start again from the portal’s home page.');
}

/** The portal's onError: friendly pages for the expected failures, a bare apology for the rest. */
export function portalOnError(thrown: Error, c: Context<PortalEnv>): Response | Promise<Response> {
  const err = asProblem(thrown) ?? thrown;
  if (err instanceof CsrfRefused) {
    return errorPage(
      c,
      403,
      'This form could not be accepted',
      `${err.reason} For your safety nothing was changed. Go back, reload the page and send the form again.`,
      { href: '/portal/', label: 'Start again' },
    );
  }
  if (err instanceof Problem) {
    if (err.status === 429) {
      const retry = Number(err.extensions.retryAfter);
      if (Number.isFinite(retry)) c.header('retry-after', String(retry));
      return errorPage(c, 429, 'Too many attempts', `${cleanDetail(err.detail)} Please wait a little and try again.`);
    }
    const status = ([400, 403, 404, 409, 410, 413, 415] as const).find((s) => s === err.status) ?? 400;
    return errorPage(c, status, err.title, cleanDetail(err.detail));
  }
  if (err instanceof StoreUnavailable) {
    c.header('retry-after', String(err.retryAfterSeconds));
    return errorPage(c, 503, 'Briefly unavailable', 'The service is briefly unavailable and nothing was changed. Please try again in a few seconds.');
  }
  c.get('services')?.logger.error('portal error', { error: err?.name, path: c.req.path });
  return errorPage(c, 500, 'Something went wrong', 'Something went wrong on our side and nothing was changed. Please try again in a moment.');
}
