/**
 * The whole HTTP application, runtime-agnostic: the Node and Workers entry points hand it their storage,
 * keyring, password hasher and clock; the services are built once (services.ts) and every edge (REST
 * routes, portal, ACME server) is mounted here.
 *
 * The REST API (/api/…, /openapi.json) and the portal (/, /portal/…) are applications of their own
 * (api-app.ts, portal-app.ts), each imported on its first request: a start compiles neither (the API's
 * schema library alone was most of the code a start compiled). /healthz answers without them.
 */
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps, AppEnv, Services } from './context.js';
import { buildServices } from './services.js';
import { onError, notFound } from '../api/errors.js';
import { healthz } from '../api/health-check.js';
import { caRoutes } from '../api/routes/ca.js';
import { acmeRoutes } from '../acme/server/routes.js';
import { loadX509 } from '../core/x509-lazy.js';

export { buildServices };

/** The execution context of Workers (waitUntil); Node has none, and Hono's getter throws then. */
function executionCtxOf(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

interface SubApp {
  fetch(request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response>;
}

/**
 * A handler that passes the request to an application made on first use (by a dynamic import), once per
 * app; a failed import is not kept, so the next request tries again.
 */
function lazyApp(make: () => Promise<SubApp>) {
  let made: Promise<SubApp> | undefined;
  return async (c: Context<AppEnv>) => {
    made ??= make().catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return (await made).fetch(c.req.raw, c.env, executionCtxOf(c));
  };
}

export function createApp(deps: AppDeps, services: Services = buildServices(deps)) {
  const app = new Hono<AppEnv>();
  const toApi = lazyApp(async () => (await import('./api-app.js')).createApiApp(deps, services));
  // The portal reads CSRs with @peculiar/x509 (src/core/x509-lazy.ts) in its order pages.
  const toPortal = lazyApp(async () => {
    await loadX509();
    return (await import('./portal-app.js')).createPortalApp(services);
  });

  app.use('*', async (c, next) => {
    c.set('services', services);
    const started = Date.now();
    await next();
    // Method, path and status only: bodies, query strings and headers may hold secrets.
    if (deps.config.logRequests) {
      deps.logger.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
    }
  });
  // ACME answers get the same headers from acmeResponse (src/acme/server/http.ts), made with the Response.
  const security = secureHeaders();
  app.use('*', (c, next) => (c.req.path.startsWith('/acme/') ? next() : security(c, next)));

  app.get('/healthz', healthz);
  app.all('/api/*', toApi);
  app.get('/openapi.json', toApi);
  app.route('/', caRoutes);
  app.get('/', toPortal);
  app.all('/portal', toPortal);
  app.all('/portal/*', toPortal);
  app.route('/acme', acmeRoutes);

  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
