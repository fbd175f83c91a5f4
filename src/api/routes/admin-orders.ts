/** Operator decisions on OV/EV orders (Bearer EABGATE_ADMIN_TOKEN). */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses } from '../router.js';
import { requireAdmin } from '../middleware/admin.js';
import { approveOrder, rejectOrder } from '../../orders/approval.js';

const Param = z.object({ orderNumber: z.string().max(64).openapi({ param: { name: 'orderNumber', in: 'path' } }) });
const Result = z.object({ orderNumber: z.string(), status: z.string(), statusReason: z.string().nullable() }).openapi('AdminOrderResult');
const admin = { security: [{ admin: [] as string[] }], middleware: [requireAdmin] };

export const adminOrderRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/orders/{orderNumber}/approve',
      tags: ['admin'],
      summary: 'Approve an OV/EV order after organization validation: it is issued at once',
      ...admin,
      request: { params: Param },
      responses: { 200: { description: 'Approved', content: { 'application/json': { schema: Result } } }, ...problemResponses(401, 404, 409) },
    }),
    async (c) => {
      const o = await approveOrder(c.get('services'), c.req.valid('param').orderNumber);
      return c.json({ orderNumber: o.orderNumber, status: o.status, statusReason: o.statusReason }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/orders/{orderNumber}/reject',
      tags: ['admin'],
      summary: 'Reject an OV/EV order with a reason the customer sees',
      ...admin,
      request: { params: Param, body: jsonBody(z.strictObject({ reason: z.string().min(1).max(500) }).openapi('Rejection')) },
      responses: { 200: { description: 'Rejected', content: { 'application/json': { schema: Result } } }, ...problemResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const o = await rejectOrder(c.get('services'), c.req.valid('param').orderNumber, c.req.valid('json').reason);
      return c.json({ orderNumber: o.orderNumber, status: o.status, statusReason: o.statusReason }, 200);
    },
  );
