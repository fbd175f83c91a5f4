/**
 * Portal sessions and CSRF protection.
 *
 * - The session cookie holds the very token the API hands out (`accounts.login`), so the portal and the
 *   API share one session store and one expiry. HttpOnly, SameSite=Lax, Path=/; under an https base URL
 *   also Secure with the __Host- prefix (no Domain attribute, cannot be planted by a sibling host).
 * - CSRF: every form carries `_csrf`, a keyed digest of the session token (logged in) or of a random
 *   HttpOnly pre-session cookie (log-in, sign-up, tracking). Only the server's keyring can compute it, and
 *   it changes with every session. On top of that a POST whose Origin names another site, or whose
 *   Sec-Fetch-Site says cross-site, is refused before the token is looked at.
 */
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { timingSafeEqual, toBase64Url, utf8 } from '../core/encoding.js';
import { Problem, problems } from '../core/problem.js';
import type { PortalContext, PortalEnv } from './env.js';

export const SESSION_COOKIE = 'eabgate_session';
export const CSRF_COOKIE = 'eabgate_csrf';
export const CSRF_FIELD = '_csrf';
/** Form bodies larger than this are refused (a CSR is at most 16 KiB). */
export const FORM_BODY_LIMIT = 64 * 1024;
/** Most fields a portal form sends (the order form has a few dozen at most); more → a 400 page. */
export const FORM_MAX_FIELDS = 200;
/** Longest field name the portal's forms use is well under this. */
export const FORM_MAX_NAME_LENGTH = 100;

const cookieName = (base: string, secure: boolean) => (secure ? `__Host-${base}` : base);

/** Raised by the CSRF check; rendered as a friendly 403 page by the portal's error handler. */
export class CsrfRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CsrfRefused';
  }
}

function cookieOptions(secure: boolean, maxAge: number) {
  return { path: '/', httpOnly: true, secure, sameSite: 'Lax' as const, maxAge };
}

export function setSessionCookie(c: PortalContext, token: string, expiresAt: Date): void {
  const { secure } = c.get('portal');
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - c.get('services').clock.now().getTime()) / 1000));
  setCookie(c, cookieName(SESSION_COOKIE, secure), token, cookieOptions(secure, maxAge));
}

/**
 * Orders placed from this browser, by the one-time id of their form: a reload of the "order placed" page
 * re-sends the form, and must not place (and charge) the order twice. Ids are random and not secret; the
 * last few are kept for a day.
 */
const PLACED_COOKIE = 'eabgate_placed';
const PLACED_KEEP = 5;

export function newFormId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

function placedIds(c: PortalContext): string[] {
  const raw = getCookie(c, cookieName(PLACED_COOKIE, c.get('portal').secure)) ?? '';
  return raw.split('.').filter((id) => /^[A-Za-z0-9_-]{22}$/.test(id));
}

export function wasPlaced(c: PortalContext, formId: string | undefined): boolean {
  return !!formId && placedIds(c).includes(formId);
}

export function rememberPlaced(c: PortalContext, formId: string | undefined): void {
  if (!formId || !/^[A-Za-z0-9_-]{22}$/.test(formId)) return;
  const ids = [formId, ...placedIds(c).filter((id) => id !== formId)].slice(0, PLACED_KEEP);
  const { secure } = c.get('portal');
  setCookie(c, cookieName(PLACED_COOKIE, secure), ids.join('.'), cookieOptions(secure, 24 * 3600));
}

export function clearSessionCookie(c: PortalContext): void {
  const { secure } = c.get('portal');
  deleteCookie(c, cookieName(SESSION_COOKIE, secure), { path: '/', secure, httpOnly: true, sameSite: 'Lax' });
}

async function csrfFor(c: PortalContext, sessionToken: string | null, secure: boolean): Promise<string> {
  const { keyring } = c.get('services');
  if (sessionToken) return keyring.lookupDigest('portal-csrf:session', sessionToken);
  const name = cookieName(CSRF_COOKIE, secure);
  let seed = getCookie(c, name);
  if (!seed || !/^[A-Za-z0-9_-]{43}$/.test(seed)) {
    seed = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    // A POST without the cookie cannot carry a matching token anyway; only pages hand out a new seed (so a
    // cross-site POST cannot replace the seed of forms open in the visitor's other tabs).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return `none:${seed}`;
    setCookie(c, name, seed, cookieOptions(secure, 7 * 24 * 3600));
  }
  return keyring.lookupDigest('portal-csrf:visitor', seed);
}

/** Loads the visitor's session (an expired or unknown cookie is dropped) and the CSRF token of this page. */
export const loadSession = createMiddleware<PortalEnv>(async (c, next) => {
  const services = c.get('services');
  const secure = services.config.baseUrl.startsWith('https:');
  const token = getCookie(c, cookieName(SESSION_COOKIE, secure)) ?? null;
  let customer = null;
  let sessionToken: string | null = null;
  if (token) {
    try {
      customer = await services.accounts.authenticate(token);
      sessionToken = token;
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
    }
  }
  const state = { customer, sessionToken, secure, csrf: '', form: {} };
  c.set('portal', state);
  if (token && !sessionToken) clearSessionCookie(c);
  state.csrf = await csrfFor(c, sessionToken, secure);
  await next();
});

/**
 * Sec-Fetch-Site (set by the browser, not by page scripts) must say same-origin when present; an Origin
 * header, when present, must be this site's. "Origin: null" passes only together with Sec-Fetch-Site:
 * same-origin (a referrer policy of no-referrer makes browsers send it for their own forms).
 */
function sameOrigin(c: PortalContext): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  if (!origin) return true;
  if (origin === 'null') return site === 'same-origin';
  const allowed = new Set([new URL(c.req.url).origin, new URL(c.get('services').config.baseUrl).origin]);
  return allowed.has(origin);
}

const formRefused = (detail: string) => problems.badRequest(`${detail} Reload the page and send the form again.`);

/**
 * The form's text fields, within the shape the portal's forms have: at most FORM_MAX_FIELDS fields, short
 * names, each name once (a repeated name keeps its last value, as before), no file parts. Anything else is
 * not from these pages and gets a 400 page, before any route reads it.
 */
function readForm(parsed: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(parsed);
  let count = 0;
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    const values = Array.isArray(v) ? v : [v];
    count += values.length;
    if (count > FORM_MAX_FIELDS) throw formRefused(`The form sent more than ${FORM_MAX_FIELDS} fields.`);
    if (k.length > FORM_MAX_NAME_LENGTH) throw formRefused('The form sent a field this site does not use.');
    const last = values[values.length - 1];
    if (typeof last === 'string') form[k] = last;
  }
  return form;
}

/** For POST: same-origin check, form body parse, CSRF token check. Puts the fields in `portal.form`. */
export const checkForm = createMiddleware<PortalEnv>(async (c, next) => {
  if (c.req.method !== 'POST') return next();
  if (!sameOrigin(c)) throw new CsrfRefused('The form was sent from another site.');
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) throw new CsrfRefused('The form was not sent by this site’s pages.');
  const form = readForm(await c.req.parseBody({ all: true }));
  const portal = c.get('portal');
  const sent = form[CSRF_FIELD] ?? '';
  if (!sent || !timingSafeEqual(utf8.encode(sent), utf8.encode(portal.csrf))) {
    throw new CsrfRefused(portal.customer ? 'The form is from an older session.' : 'The form has expired.');
  }
  portal.form = form;
  await next();
});
