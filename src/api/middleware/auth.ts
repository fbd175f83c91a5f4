import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app/context.js';

/** Requires a customer session (Authorization: Bearer egs_…) and puts the customer in the context. */
export const requireCustomer = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  c.set('customer', await c.get('services').accounts.authenticate(token));
  await next();
});
