import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../router.js';

export const healthRoutes = newRouter().openapi(
  createRoute({
    method: 'get',
    path: '/healthz',
    tags: ['service'],
    summary: 'Liveness and storage check',
    responses: {
      200: { description: 'Healthy', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
    },
  }),
  async (c) => {
    await c.get('services').store.customers.byId('health-probe');
    return c.json({ status: 'ok' as const }, 200);
  },
);
