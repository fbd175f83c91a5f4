import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';
import { BUSINESS_CATEGORIES, type OrderRecord } from '../../core/store/types.js';
import type { OrderService } from '../../orders/service.js';
import { orderNotices } from '../../csr/notices.js';
import { loadX509 } from '../../core/x509-lazy.js';

const OrganizationSchema = z
  .strictObject({
    name: z.string().max(64).optional(),
    unit: z.string().max(64).optional(),
    locality: z.string().max(128).optional(),
    state: z.string().max(128).optional(),
    country: z.string().length(2, 'must be an ISO 3166-1 alpha-2 code (two letters)').optional(),
    email: z.string().max(128).optional(),
    businessCategory: z
      .string()
      .refine((v) => (BUSINESS_CATEGORIES as readonly string[]).includes(v), { message: `must be one of: ${BUSINESS_CATEGORIES.join(', ')}` })
      .optional()
      .openapi({ description: 'EV: the entity category of the EV Guidelines', enum: [...BUSINESS_CATEGORIES] }),
    registrationNumber: z.string().max(64).optional().openapi({ description: 'EV: the registration number in the company register' }),
    jurisdictionCountry: z.string().length(2).optional().openapi({ description: 'EV: country of the registering jurisdiction (ISO 3166-1 alpha-2)' }),
    jurisdictionState: z.string().max(128).optional(),
    jurisdictionLocality: z.string().max(128).optional(),
  })
  .openapi('Organization');

const NewOrderSchema = z
  .strictObject({
    product: z.enum(['dv', 'ov', 'ev']),
    domains: z.array(z.string().max(253)).min(1, 'at least one domain name is required').max(100),
    organization: OrganizationSchema.optional(),
    csr: z.string().max(16384).optional().openapi({ description: 'PEM PKCS#10 CSR; without it AutoCSR makes the key pair' }),
    addWwwVariant: z
      .boolean()
      .optional()
      .openapi({ description: 'AutoCSR: add www.<bare domain> for a bare domain and the bare domain for a www host (default true)' }),
  })
  .openapi('NewOrder');

const UnlockCodeState = z.object({ available: z.boolean(), expiresAt: z.string().nullable() });

const OrderView = z
  .object({
    orderNumber: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    product: z.enum(['dv', 'ov', 'ev']),
    domains: z.array(z.string()),
    organization: OrganizationSchema,
    autoCsr: z.boolean(),
    csr: z.string(),
    createdAt: z.string(),
    processedAt: z.string(),
    unlockCode: UnlockCodeState.nullable().openapi({ description: 'AutoCSR orders: whether the unlock code can still be read' }),
    renews: z.string().nullable().openapi({ description: 'A renewal: the order number of the order it follows' }),
    renewedBy: z.string().nullable().openapi({ description: 'The order number of the renewal of this order, once placed' }),
    notices: z
      .array(z.object({ code: z.enum(['names-added', 'subject-field-left-out', 'subject-from-order']), field: z.string(), detail: z.string() }))
      .openapi({
        description:
          'What the certificate will carry differently from the order or the CSR, and why: names the CA adds to a CSR naming fewer, ' +
          'subject fields the Baseline Requirements forbid (OU, e-mail address), a subject taken from the order rather than the CSR.',
      }),
  })
  .openapi('Order');

const KeyArchiveSchema = z
  .object({ filename: z.string(), contentType: z.literal('application/zip'), data: z.string().openapi({ description: 'base64' }) })
  .openapi('KeyArchive');

const PlacedOrderView = OrderView.extend({
  caReference: z.string().openapi({ description: 'Proof of the right to the certificate. Shown once; cannot be recovered.' }),
  keyArchive: KeyArchiveSchema.optional(),
}).openapi('PlacedOrder');

const RenewSchema = z
  .strictObject({
    key: z
      .enum(['autocsr', 'same-csr'])
      .optional()
      .openapi({
        description:
          'autocsr (default): a new key pair, handed over in a new key archive with a new unlock code. ' +
          'same-csr: the renewed order’s CSR is signed again, so the key already on the server stays.',
      }),
  })
  .openapi('Renewal');

const PlacedRenewalView = PlacedOrderView.extend({}).openapi('PlacedRenewal');

const OrderNumberParam = z.object({
  orderNumber: z.string().max(64).openapi({ param: { name: 'orderNumber', in: 'path' } }),
});

async function view(orders: OrderService, o: OrderRecord) {
  await loadX509(); // orderNotices reads the CSR with @peculiar/x509
  const state = await orders.unlockCodeState(o);
  const links = await orders.renewalLinks(o);
  return {
    orderNumber: o.orderNumber,
    status: o.status,
    statusReason: o.statusReason,
    product: o.product,
    domains: o.domains,
    organization: o.organization,
    autoCsr: o.autoCsr,
    csr: o.csrPem,
    createdAt: o.createdAt.toISOString(),
    processedAt: o.processedAt.toISOString(),
    unlockCode: state && { available: state.available, expiresAt: state.expiresAt?.toISOString() ?? null },
    renews: links.renews,
    renewedBy: links.renewedBy,
    notices: orderNotices(o),
  };
}

const authed = { security: bearerSecurity, middleware: [requireCustomer] };

export const orderRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/orders',
      tags: ['orders'],
      summary: 'Place an order, with a CSR or with AutoCSR',
      ...authed,
      request: { body: jsonBody(NewOrderSchema) },
      responses: {
        201: { description: 'Order placed', content: { 'application/json': { schema: PlacedOrderView } } },
        ...problemResponses(400, 401, 429),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const orders = services.orders;
      await services.limits.consume('orders', { account: c.get('customer').id, address: services.clientAddress(c) });
      const placed = await orders.place(c.get('customer'), c.req.valid('json'));
      c.header('cache-control', 'no-store');
      c.header('location', `/api/v1/orders/${placed.order.orderNumber}`);
      return c.json({ ...(await view(orders, placed.order)), caReference: placed.caReference, keyArchive: placed.keyArchive }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/orders',
      tags: ['orders'],
      summary: "The caller's orders, newest first",
      ...authed,
      responses: {
        200: { description: 'Orders', content: { 'application/json': { schema: z.object({ orders: z.array(OrderView) }) } } },
        ...problemResponses(401),
      },
    }),
    async (c) => {
      const orders = c.get('services').orders;
      const list = await orders.list(c.get('customer'));
      return c.json({ orders: await Promise.all(list.map((o) => view(orders, o))) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/orders/{orderNumber}',
      tags: ['orders'],
      summary: 'One of the caller’s orders',
      ...authed,
      request: { params: OrderNumberParam },
      responses: {
        200: { description: 'Order', content: { 'application/json': { schema: OrderView } } },
        ...problemResponses(401, 404),
      },
    }),
    async (c) => {
      const orders = c.get('services').orders;
      const order = await orders.ownOrder(c.get('customer'), c.req.valid('param').orderNumber);
      return c.json(await view(orders, order), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/orders/{orderNumber}/unlock-code',
      tags: ['orders'],
      summary: 'Reveal the unlock code of the key archive (7 days after processing, then 410)',
      ...authed,
      request: { params: OrderNumberParam },
      responses: {
        200: {
          description: 'The unlock code',
          content: { 'application/json': { schema: z.object({ orderNumber: z.string(), unlockCode: z.string(), expiresAt: z.string() }) } },
        },
        ...problemResponses(401, 404, 410),
      },
    }),
    async (c) => {
      const orderNumber = c.req.valid('param').orderNumber;
      const revealed = await c.get('services').orders.revealUnlockCode(c.get('customer'), orderNumber);
      c.header('cache-control', 'no-store');
      return c.json({ orderNumber, unlockCode: revealed.unlockCode, expiresAt: revealed.expiresAt.toISOString() }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/orders/{orderNumber}/renew',
      tags: ['orders'],
      summary: 'Renew an issued order: a follow-up order with the same names and organization (the old certificate stays valid until it expires)',
      description:
        'Places a new order (new order number, new CA Reference, shown once) for the same product, names and organization. ' +
        'Domain validations and an OV/EV approval still inside the Baseline Requirements’ reuse windows carry over. ' +
        'An order is renewed once: a second request (a double click) answers 409 with `renewalOrderNumber`.',
      ...authed,
      request: { params: OrderNumberParam, body: { ...jsonBody(RenewSchema), required: false } },
      responses: {
        201: { description: 'Renewal placed', content: { 'application/json': { schema: PlacedRenewalView } } },
        ...problemResponses(400, 401, 404, 409, 429),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const orders = services.orders;
      await services.limits.consume('orders', { account: c.get('customer').id, address: services.clientAddress(c) });
      const body = (c.req.valid('json') as { key?: 'autocsr' | 'same-csr' } | undefined) ?? {};
      const placed = await orders.renew(c.get('customer'), c.req.valid('param').orderNumber, body.key ?? 'autocsr');
      c.header('cache-control', 'no-store');
      c.header('location', `/api/v1/orders/${placed.order.orderNumber}`);
      return c.json({ ...(await view(orders, placed.order)), caReference: placed.caReference, keyArchive: placed.keyArchive }, 201);
    },
  );
