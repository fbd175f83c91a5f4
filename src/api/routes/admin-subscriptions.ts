/** The operator's side of CaaS: create, list and revoke subscriptions; revoke-and-replace EAB credentials. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses } from '../router.js';
import { requireAdmin } from '../middleware/admin.js';
import { SubscriptionView, SubscriptionIdParam, subscriptionView } from './subscriptions.js';
import { PLAN_PRESETS } from '../../caas/plans.js';

const PlanObject = z
  .strictObject({
    preset: z.string().max(40).optional().openapi({ description: `Start from a preset (${PLAN_PRESETS.join(', ')}) and override fields` }),
    maxCertificates: z.number().optional().openapi({ description: 'Certificates the subscription may issue (1–1,000,000)' }),
    maxNamesPerOrder: z.number().optional().openapi({ description: 'Names per order (1–100)' }),
    wildcards: z.boolean().optional().openapi({ description: 'Whether wildcard names are allowed' }),
    maxValidityDays: z.number().optional().openapi({ description: 'Longest certificate validity in days (1–398)' }),
    maxAccountsPerCredential: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: 'ACME accounts one EAB credential may bind (1–10,000); null or absent = unlimited' }),
    notAfter: z.string().max(40).optional().openapi({ description: 'End of the subscription, ISO 8601 (default: 365 days from now)' }),
  })
  .openapi('PlanObject');

/**
 * The plan is checked by resolvePlan (shared with the CLI), which names the offending field; the schema
 * here only documents it. A zod union would report a wrong field type as "plan: Invalid input".
 */
const PlanInput = z
  .union([z.string(), z.looseObject({})], { error: `must be a plan name (${PLAN_PRESETS.join(', ')}) or an object of plan limits` })
  .openapi('PlanInput', {
  description: `A preset name (${PLAN_PRESETS.join(', ')}) or an object of plan limits, optionally on top of a preset`,
  oneOf: [{ type: 'string', enum: [...PLAN_PRESETS] }, { $ref: '#/components/schemas/PlanObject' }],
});

const NewSubscription = z
  .strictObject({
    accountEmail: z.string().max(254).openapi({ description: 'Email address of an existing customer account' }),
    plan: PlanInput,
  })
  .openapi('NewSubscription');

const ReplacedCredential = z
  .object({ subscriptionId: z.string(), kid: z.string(), revealableUntil: z.string() })
  .openapi('ReplacedEabCredential');

const admin = { security: [{ admin: [] as string[] }], middleware: [requireAdmin] };

export const adminSubscriptionRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/subscriptions',
      tags: ['admin'],
      summary: 'Create a CaaS subscription (with its EAB credentials) for a customer account',
      ...admin,
      request: { body: jsonBody(NewSubscription) },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: SubscriptionView } } },
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { caasOperator: caas, clock } = c.get('services');
      const v = await caas.create(c.req.valid('json'));
      c.header('location', `/api/v1/admin/subscriptions/${v.subscription.id}`);
      return c.json(subscriptionView(v, clock.now()), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/admin/subscriptions',
      tags: ['admin'],
      summary: 'Every subscription, newest first',
      ...admin,
      responses: {
        200: { description: 'Subscriptions', content: { 'application/json': { schema: z.object({ subscriptions: z.array(SubscriptionView) }) } } },
        ...problemResponses(401),
      },
    }),
    async (c) => {
      const { caasOperator: caas, clock } = c.get('services');
      const now = clock.now();
      return c.json({ subscriptions: (await caas.listAll()).map((v) => subscriptionView(v, now)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/admin/subscriptions/{id}',
      tags: ['admin'],
      summary: 'One subscription',
      ...admin,
      request: { params: SubscriptionIdParam },
      responses: {
        200: { description: 'Subscription', content: { 'application/json': { schema: SubscriptionView } } },
        ...problemResponses(401, 404),
      },
    }),
    async (c) => {
      const { caasOperator: caas, clock } = c.get('services');
      return c.json(subscriptionView(await caas.get(c.req.valid('param').id), clock.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/subscriptions/{id}/revoke',
      tags: ['admin'],
      summary: 'Revoke a subscription and its EAB credentials',
      ...admin,
      request: { params: SubscriptionIdParam },
      responses: {
        200: { description: 'Revoked', content: { 'application/json': { schema: SubscriptionView } } },
        ...problemResponses(401, 404, 409),
      },
    }),
    async (c) => {
      const { caasOperator: caas, clock } = c.get('services');
      return c.json(subscriptionView(await caas.revoke(c.req.valid('param').id), clock.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/subscriptions/{id}/eab-credentials/replace',
      tags: ['admin'],
      summary: 'Revoke the EAB credentials and issue a new pair (the customer reads it for 7 days)',
      ...admin,
      request: { params: SubscriptionIdParam },
      responses: {
        201: { description: 'The new key id (the HMAC key is shown to the customer only)', content: { 'application/json': { schema: ReplacedCredential } } },
        ...problemResponses(401, 404, 409, 410),
      },
    }),
    async (c) => {
      const cred = await c.get('services').caasOperator.replaceCredential(c.req.valid('param').id);
      return c.json({ subscriptionId: cred.subscriptionId, kid: cred.kid, revealableUntil: cred.revealUntil.toISOString() }, 201);
    },
  );

adminSubscriptionRoutes.openAPIRegistry.register('PlanObject', PlanObject);
adminSubscriptionRoutes.openAPIRegistry.registerComponent('securitySchemes', 'admin', {
  type: 'http',
  scheme: 'bearer',
  description: 'EABGATE_ADMIN_TOKEN',
});
