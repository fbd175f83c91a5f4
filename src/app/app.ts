/**
 * The whole HTTP application, runtime-agnostic: the Node and Workers entry points hand it their storage,
 * keyring, password hasher and clock; the services are built once (services.ts) and every edge (REST
 * routes, portal, ACME server) is mounted here.
 */
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { JsonInputError, parseJson } from '../core/json.js';
import type { AppDeps, AppEnv, Services } from './context.js';
import { buildServices } from './services.js';
import { newRouter } from '../api/router.js';
import { onError, notFound, problemResponse } from '../api/errors.js';
import { problems } from '../core/problem.js';
import { healthRoutes } from '../api/routes/health.js';
import { accountRoutes } from '../api/routes/accounts.js';
import { orderRoutes } from '../api/routes/orders.js';
import { accountDeletionRoutes } from '../api/routes/account-deletion.js';
import { subscriptionRoutes } from '../api/routes/subscriptions.js';
import { adminSubscriptionRoutes } from '../api/routes/admin-subscriptions.js';
import { trackingRoutes } from '../api/routes/tracking.js';
import { caRoutes } from '../api/routes/ca.js';
import { adminOrderRoutes } from '../api/routes/admin-orders.js';
import { portalRoutes } from '../portal/index.js';
import { acmeRoutes } from '../acme/server/routes.js';

export { buildServices };

export const API_BODY_LIMIT = 64 * 1024;

/**
 * Parses a JSON request body once, through the limited reader of src/core/json.ts (size, nesting depth),
 * and hands that value to every later `c.req.json()` (Hono's validator reads the body there). A body
 * beyond the limits or not JSON → 400 malformed-json, before any route or schema sees it: deeply nested
 * input never reaches code that recurses over it.
 */
async function readJsonBodyOnce(c: Context<AppEnv>): Promise<void> {
  const text = await c.req.text();
  // An empty body is left to the route: its validator refuses it as malformed JSON when it needs one.
  if (text === '') return;
  let value: unknown;
  try {
    value = parseJson(text, { maxLength: API_BODY_LIMIT });
  } catch (err) {
    const why = err instanceof JsonInputError && err.reason !== 'syntax' ? ` ${err.message}` : '';
    throw problems.malformedJson(`The request body is not valid JSON.${why}`);
  }
  c.req.json = (() => Promise.resolve(value)) as typeof c.req.json;
}

export function createApp(deps: AppDeps, services: Services = buildServices(deps)) {
  const app = newRouter();

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
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: (c) => problemResponse(c, problems.bodyTooLarge(`The request body exceeds ${API_BODY_LIMIT} bytes.`)),
    }),
  );
  app.use(
    '/api/*',
    createMiddleware<AppEnv>(async (c, next) => {
      const m = c.req.method;
      if (m === 'POST' || m === 'PUT' || m === 'PATCH') {
        const type = c.req.header('content-type') ?? '';
        const hasBody = c.req.header('content-length') !== '0' && c.req.raw.body !== null;
        if (hasBody && !/^application\/json\s*(;|$)/i.test(type)) {
          throw problems.unsupportedMediaType(`content-type: the body must be application/json, got "${type.slice(0, 60)}"`);
        }
        if (hasBody) await readJsonBodyOnce(c);
      }
      await next();
    }),
  );

  app.route('/', healthRoutes);
  app.route('/', accountRoutes);
  app.route('/', orderRoutes);
  app.route('/', accountDeletionRoutes);
  app.route('/', subscriptionRoutes);
  app.route('/', adminSubscriptionRoutes);
  app.route('/', trackingRoutes);
  app.route('/', adminOrderRoutes);
  app.route('/', caRoutes);
  app.route('/', portalRoutes);
  app.route('/acme', acmeRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'eabgate API', version: '1', description: 'Certificate ordering gateway: orders, AutoCSR, tracking, ACME EAB.' },
    servers: [{ url: deps.config.baseUrl }],
  });

  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
