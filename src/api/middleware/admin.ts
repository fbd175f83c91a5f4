import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app/context.js';
import { problems } from '../../core/problem.js';
import { timingSafeEqual, utf8 } from '../../core/encoding.js';

/**
 * Requires the operator's bearer token (EABGATE_ADMIN_TOKEN). With no token configured the admin API does
 * not exist (404), so that a default deployment exposes no operator surface.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.get('services').config.adminToken;
  if (!expected) throw problems.adminDisabled('The admin API is off: set EABGATE_ADMIN_TOKEN to enable it.');
  const given = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? '';
  if (!timingSafeEqual(utf8.encode(given), utf8.encode(expected))) {
    throw problems.unauthorized('The admin API needs Authorization: Bearer <EABGATE_ADMIN_TOKEN>.');
  }
  await next();
});
