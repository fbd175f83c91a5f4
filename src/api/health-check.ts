/**
 * GET /healthz: liveness and a storage round trip. A plain handler (no schema library), so that the probe
 * is answered while the REST API (zod, @hono/zod-openapi) is still unloaded: see src/app/api-app.ts. Its
 * OpenAPI description is routes/health.ts.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app/context.js';

export async function healthz(c: Context<AppEnv>): Promise<Response> {
  await c.get('services').store.customers.byId('health-probe');
  return c.json({ status: 'ok' as const }, 200);
}
