/**
 * The whole HTTP application, runtime-agnostic: the Node and Workers entry points hand it their storage,
 * keyring, password hasher and clock; the services are built once (services.ts) and every edge (REST
 * routes, portal, ACME server) is mounted here.
 *
 * The REST API (/api/…, /openapi.json) is an application of its own (api-app.ts), imported on its first
 * request: its schema library is most of the code a start would otherwise compile. /healthz answers
 * without it.
 */
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps, AppEnv, Services } from './context.js';
import { buildServices } from './services.js';
import { onError, notFound } from '../api/errors.js';
import { healthz } from '../api/health-check.js';
import { caRoutes } from '../api/routes/ca.js';
import { portalRoutes } from '../portal/index.js';
import { acmeRoutes } from '../acme/server/routes.js';
import type { ApiApp } from './api-app.js';

export { buildServices };

/** The execution context of Workers (waitUntil); Node has none, and Hono's getter throws then. */
function executionCtxOf(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

export function createApp(deps: AppDeps, services: Services = buildServices(deps)) {
  const app = new Hono<AppEnv>();

  let api: Promise<ApiApp> | undefined;
  // Once per app; a failed import is not kept, so the next request tries again.
  const apiApp = () =>
    (api ??= import('./api-app.js').then(
      (m) => m.createApiApp(deps, services),
      (err: unknown) => {
        api = undefined;
        throw err;
      },
    ));
  const toApi = async (c: Context<AppEnv>) => (await apiApp()).fetch(c.req.raw, c.env, executionCtxOf(c));

  app.use('*', async (c, next) => {
    c.set('services', services);
    const started = Date.now();
    await next();
    // Method, path and status only: bodies, query strings and headers may hold secrets.
    if (deps.config.logRequests) {
      deps.logger.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
    }
  });
  app.use('*', secureHeaders());

  app.get('/healthz', healthz);
  app.all('/api/*', toApi);
  app.get('/openapi.json', toApi);
  app.route('/', caRoutes);
  app.route('/', portalRoutes);
  app.route('/acme', acmeRoutes);

  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
