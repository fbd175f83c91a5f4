/**
 * The whole HTTP application, runtime-agnostic: the Node and Workers entry points hand it their storage,
 * keyring, password hasher and clock.
 */
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { createMiddleware } from 'hono/factory';
import type { AppDeps, AppEnv, Services } from './context.js';
import { newRouter } from './router.js';
import { onError, notFound, problemResponse } from './errors.js';
import { problems } from '../core/problem.js';
import { AccountService } from '../accounts/service.js';
import { OrderService } from '../orders/service.js';
import { CaasService } from '../caas/service.js';
import { TrackingService } from '../tracking/service.js';
import { CrlPublisher } from '../issuance/crl-publisher.js';
import { registrationAuthority } from '../ra/index.js';
import { healthRoutes } from './routes/health.js';
import { accountRoutes } from './routes/accounts.js';
import { orderRoutes } from './routes/orders.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { adminSubscriptionRoutes } from './routes/admin-subscriptions.js';
import { trackingRoutes } from './routes/tracking.js';
import { caRoutes } from './routes/ca.js';
import { adminOrderRoutes } from './routes/admin-orders.js';
import { portalRoutes } from '../portal/index.js';
import { acmeRoutes } from '../acme/server/routes.js';

export const API_BODY_LIMIT = 64 * 1024;

export function buildServices(deps: AppDeps): Services {
  const { ra, plans } = registrationAuthority(deps);
  const orders = new OrderService(deps);
  return {
    ...deps,
    accounts: new AccountService(deps),
    caas: new CaasService(deps),
    orders,
    tracking: new TrackingService({ ...deps, orders, ra }),
    crl: new CrlPublisher(deps),
    ra,
    plans,
  };
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
      }
      await next();
    }),
  );

  app.route('/', healthRoutes);
  app.route('/', accountRoutes);
  app.route('/', orderRoutes);
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
