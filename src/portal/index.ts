/**
 * The customer portal: server-rendered pages (hono/jsx) under /portal/, served by the same app on Node and
 * Workers. Mounted in src/api/app.ts with `app.route('/', portalRoutes)`.
 *
 * Every page: the session from the cookie, a CSRF token for its forms, a CSP without inline scripts.
 * Every POST: same-origin check, a urlencoded body of at most 64 KiB, the CSRF token.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { PortalEnv } from './env.js';
import { checkForm, loadSession, FORM_BODY_LIMIT } from './session.js';
import { assetRoutes } from './assets.js';
import { errorPage, notFoundPage, portalOnError } from './errors.js';
import { portalHeaders } from './layout.js';
import { authRoutes } from './routes/auth.js';
import { orderRoutes } from './routes/orders.js';
import { renewalRoutes } from './routes/renewal.js';
import { accountRoutes } from './routes/account.js';
import { trackingRoutes } from './routes/tracking.js';
import { caasRoutes } from './routes/caas.js';
import { csrRoutes } from './routes/csr.js';
import { mailRoutes } from './routes/mail.js';

const portal = new Hono<PortalEnv>();

portal.get('/', (c) => c.redirect('/portal/', 302));
portal.get('/portal', (c) => c.redirect('/portal/', 301));
portal.route('/', assetRoutes);

portal.use('/portal/*', async (c, next) => {
  portalHeaders(c);
  await next();
});
portal.use(
  '/portal/*',
  bodyLimit({
    maxSize: FORM_BODY_LIMIT,
    onError: (c) => errorPage(c, 413, 'Too much data', `The form sent more than ${FORM_BODY_LIMIT / 1024} KiB. A CSR is much smaller: check what was pasted.`),
  }),
);
portal.use('/portal/*', loadSession);
portal.use('/portal/*', checkForm);

portal.route('/', authRoutes);
portal.route('/', orderRoutes);
portal.route('/', renewalRoutes);
portal.route('/', accountRoutes);
portal.route('/', trackingRoutes);
portal.route('/', caasRoutes);
portal.route('/', csrRoutes);
portal.route('/', mailRoutes);

portal.all('/portal/*', (c) => notFoundPage(c));
portal.onError(portalOnError);

export const portalRoutes = portal;
