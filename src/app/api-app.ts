/**
 * The REST API (/api/…, /openapi.json) as an application of its own: the OpenAPI routes with their zod
 * schemas. app.ts imports this module on the first request that needs it, so a start neither compiles
 * nor evaluates zod and @hono/zod-openapi (about 450 KiB of the bundle, a tenth of a second and some
 * megabytes of heap) before it answers /healthz. What only the API needs runs here: the body limit and the
 * one JSON parse of a body.
 */
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { JsonInputError, parseJson } from '../core/json.js';
import type { AppDeps, AppEnv, Services } from './context.js';
import { newRouter } from '../api/router.js';
import { onError, notFound, problemResponse } from '../api/errors.js';
import { problems } from '../core/problem.js';
import { healthRoute } from '../api/routes/health.js';
import { accountRoutes } from '../api/routes/accounts.js';
import { orderRoutes } from '../api/routes/orders.js';
import { accountDeletionRoutes } from '../api/routes/account-deletion.js';
import { subscriptionRoutes } from '../api/routes/subscriptions.js';
import { adminSubscriptionRoutes } from '../api/routes/admin-subscriptions.js';
import { trackingRoutes } from '../api/routes/tracking.js';
import { delegationRoutes } from '../api/routes/delegation.js';
import { adminOrderRoutes } from '../api/routes/admin-orders.js';

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

export function createApiApp(deps: AppDeps, services: Services) {
  const api = newRouter();
  api.use('*', async (c, next) => {
    c.set('services', services);
    await next();
  });
  api.use(
    '/api/*',
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: (c) => problemResponse(c, problems.bodyTooLarge(`The request body exceeds ${API_BODY_LIMIT} bytes.`)),
    }),
  );
  api.use(
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

  // /healthz is served by app.ts (without this module); described here with the rest, first as before.
  api.openAPIRegistry.registerPath(healthRoute);
  api.route('/', accountRoutes);
  api.route('/', orderRoutes);
  api.route('/', accountDeletionRoutes);
  api.route('/', subscriptionRoutes);
  api.route('/', adminSubscriptionRoutes);
  api.route('/', trackingRoutes);
  api.route('/', adminOrderRoutes);
  api.route('/', delegationRoutes);

  api.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'http', scheme: 'bearer' });
  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'eabgate API', version: '1', description: 'Certificate ordering gateway: orders, AutoCSR, tracking, ACME EAB.' },
    servers: [{ url: deps.config.baseUrl }],
  });

  api.onError(onError);
  api.notFound(notFound);
  return api;
}

export type ApiApp = ReturnType<typeof createApiApp>;
