/**
 * The customer portal (/, /portal/…) as an application of its own, imported by app.ts on the first portal
 * request: its pages (hono/jsx) and forms are code that a start, the ACME server and the REST API do not
 * need.
 */
import { Hono } from 'hono';
import type { AppEnv, Services } from './context.js';
import { onError, notFound } from '../api/errors.js';
import { portalRoutes } from '../portal/index.js';

export function createPortalApp(services: Services) {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('services', services);
    await next();
  });
  app.route('/', portalRoutes);
  app.onError(onError);
  app.notFound(notFound);
  return app;
}
