/** DNS delegation (EABGATE_DELEGATION_ZONE): the CNAME record a customer adds once per name, and its check. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';
import { problems } from '../../core/problem.js';
import { nameSyntaxFault } from '../../core/hostname.js';
import { zoneLine } from '../../caas/delegation.js';

const Record = z
  .object({
    name: z.string().openapi({ description: '_acme-challenge.<name> (for a wildcard: of its base name)' }),
    type: z.literal('CNAME'),
    value: z.string().openapi({ description: '<label>.<delegation zone>' }),
    zoneLine: z.string().openapi({ description: 'The record as a zone-file line' }),
  })
  .openapi('DelegationRecord');

const View = z
  .object({
    zone: z.string(),
    label: z.string().openapi({ description: "The customer's label in the delegation zone (the same for every name)" }),
    template: z.string(),
    record: Record.optional(),
    check: z.object({ ok: z.boolean(), detail: z.string().optional() }).optional(),
  })
  .openapi('Delegation');

export const delegationRoutes = newRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/v1/delegation',
    tags: ['subscriptions'],
    summary: 'The DNS delegation record for ACME orders carried to the upstream CA; with ?name= the exact record, checked now',
    security: bearerSecurity,
    middleware: [requireCustomer],
    request: { query: z.object({ name: z.string().max(253).optional() }) },
    responses: {
      200: { description: 'The record (and its check)', content: { 'application/json': { schema: View } } },
      ...problemResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const { delegation } = c.get('services');
    const customer = c.get('customer');
    const template = await delegation.template(customer.id);
    if (!template) throw problems.notFound('DNS delegation is not configured on this gateway (EABGATE_DELEGATION_ZONE).');
    const { name } = c.req.valid('query');
    if (name === undefined) return c.json({ zone: template.zone, label: template.label, template: template.template }, 200);
    const n = name.trim().toLowerCase().replace(/\.$/, '');
    const fault = nameSyntaxFault(n);
    if (fault) throw problems.validation(`name: "${n.slice(0, 80)}" ${fault}`, { field: 'name' });
    const checked = (await delegation.check(customer.id, n))!;
    return c.json(
      {
        zone: template.zone,
        label: template.label,
        template: template.template,
        record: { ...checked.record, zoneLine: zoneLine(checked.record) },
        check: checked.ok ? { ok: true } : { ok: false, detail: checked.detail },
      },
      200,
    );
  },
);
