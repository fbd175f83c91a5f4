/** The customer's CaaS subscriptions and their EAB credentials. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';
import type { SubscriptionSummary, RevealedCredentials } from '../../caas/subscriptions.js';
import type { EabViewRecord } from '../../core/store/caas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const PlanView = z
  .object({
    name: z.string().openapi({ description: 'The preset it started from, or "custom"' }),
    maxCertificates: z.number().int(),
    maxNamesPerOrder: z.number().int(),
    wildcards: z.boolean(),
    maxValidityDays: z.number().int(),
    maxAccountsPerCredential: z.number().int().nullable().openapi({ description: 'ACME accounts one credential may bind; null = unlimited' }),
    notAfter: z.string(),
  })
  .openapi('PlanLimits');

const CredentialStateView = z
  .object({
    kid: z.string(),
    issuedAt: z.string(),
    revealableUntil: z.string(),
    revealable: z.boolean().openapi({ description: 'Whether POST …/eab-credentials can still show the HMAC key' }),
    revoked: z.boolean(),
    revokedAt: z.string().nullable(),
    accountsBound: z.number().int(),
  })
  .openapi('EabCredentialState');

export const SubscriptionView = z
  .object({
    id: z.string(),
    accountEmail: z.string(),
    plan: PlanView,
    status: z.enum(['active', 'lapsed', 'revoked']),
    notAfter: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    usage: z.object({ certificatesIssued: z.number().int(), maxCertificates: z.number().int(), acmeAccountsBound: z.number().int() }),
    credential: CredentialStateView.nullable(),
    previousCredentials: z.array(z.object({ kid: z.string(), issuedAt: z.string(), revokedAt: z.string().nullable() })),
  })
  .openapi('Subscription');

export function subscriptionView(v: SubscriptionSummary, now: Date): z.infer<typeof SubscriptionView> {
  const s = v.subscription;
  const c = v.credential;
  return {
    id: s.id,
    accountEmail: v.accountEmail,
    plan: {
      name: s.plan,
      maxCertificates: s.maxCertificates,
      maxNamesPerOrder: s.maxNamesPerOrder,
      wildcards: s.wildcards,
      maxValidityDays: s.maxValidityDays,
      maxAccountsPerCredential: s.maxAccountsPerCredential,
      notAfter: s.notAfter.toISOString(),
    },
    status: v.state,
    notAfter: s.notAfter.toISOString(),
    createdAt: s.createdAt.toISOString(),
    revokedAt: iso(s.revokedAt),
    usage: { certificatesIssued: s.certificatesIssued, maxCertificates: s.maxCertificates, acmeAccountsBound: v.acmeAccountsBound },
    credential: c && {
      kid: c.kid,
      issuedAt: c.createdAt.toISOString(),
      revealableUntil: c.revealUntil.toISOString(),
      revealable: !c.revokedAt && v.state === 'active' && now < c.revealUntil,
      revoked: c.revokedAt !== null,
      revokedAt: iso(c.revokedAt),
      accountsBound: c.accountsBound,
    },
    previousCredentials: v.previousCredentials.map((p) => ({ kid: p.kid, issuedAt: p.createdAt.toISOString(), revokedAt: iso(p.revokedAt) })),
  };
}

const EabView = z.object({ kid: z.string(), viewedAt: z.string(), clientAddress: z.string() }).openapi('EabCredentialView');
const viewOf = (v: EabViewRecord) => ({ kid: v.kid, viewedAt: v.viewedAt.toISOString(), clientAddress: v.clientAddress });

const Snippets = z
  .object({
    certbot: z.string(),
    lego: z.string(),
    acmeSh: z.string(),
    caddy: z.string(),
    certManager: z.string(),
    traefik: z.string(),
  })
  .openapi('AcmeClientSnippets');

const Credentials = z
  .object({
    subscriptionId: z.string(),
    kid: z.string().openapi({ description: 'EAB key id' }),
    hmacKey: z.string().openapi({ description: 'EAB HMAC key: unpadded base64url of 32 random bytes; give it to the client as is' }),
    directoryUrl: z.string(),
    expiresAt: z.string().openapi({ description: 'Until then (7 days after issue) this route shows the HMAC key; afterwards 410' }),
    snippets: Snippets,
    delegation: z
      .object({ template: z.string(), target: z.string() })
      .optional()
      .openapi({ description: 'DNS delegation (upstream mode): `_acme-challenge.<name> CNAME <target>.` once per name before ordering' }),
    views: z.array(EabView).openapi({ description: 'Every view of these credentials, newest first, this one included' }),
  })
  .openapi('EabCredentials');

const credentialsView = (r: RevealedCredentials) => ({
  subscriptionId: r.subscriptionId,
  kid: r.kid,
  hmacKey: r.hmacKey,
  directoryUrl: r.directoryUrl,
  expiresAt: r.expiresAt.toISOString(),
  snippets: r.snippets,
  ...(r.delegation ? { delegation: r.delegation } : {}),
  views: r.views.map(viewOf),
});

export const SubscriptionIdParam = z.object({
  id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }),
});

const authed = { security: bearerSecurity, middleware: [requireCustomer] };

export const subscriptionRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/subscriptions',
      tags: ['subscriptions'],
      summary: "The caller's CaaS subscriptions with plan, usage and credential state",
      ...authed,
      responses: {
        200: { description: 'Subscriptions', content: { 'application/json': { schema: z.object({ subscriptions: z.array(SubscriptionView) }) } } },
        ...problemResponses(401),
      },
    }),
    async (c) => {
      const { caasCustomer: caas, clock } = c.get('services');
      const list = await caas.listFor(c.get('customer'));
      const now = clock.now();
      return c.json({ subscriptions: list.map((v) => subscriptionView(v, now)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/subscriptions/{id}',
      tags: ['subscriptions'],
      summary: "One of the caller's subscriptions",
      ...authed,
      request: { params: SubscriptionIdParam },
      responses: {
        200: { description: 'Subscription', content: { 'application/json': { schema: SubscriptionView } } },
        ...problemResponses(401, 404),
      },
    }),
    async (c) => {
      const { caasCustomer: caas, clock } = c.get('services');
      const v = await caas.ownSummary(c.get('customer'), c.req.valid('param').id);
      return c.json(subscriptionView(v, clock.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/subscriptions/{id}/eab-credentials',
      tags: ['subscriptions'],
      summary: 'Show the EAB credentials (7 days after issue, every view recorded; then 410)',
      ...authed,
      request: { params: SubscriptionIdParam },
      responses: {
        200: { description: 'The EAB credentials and client set-ups', content: { 'application/json': { schema: Credentials } } },
        ...problemResponses(401, 404, 410),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const r = await services.caasCustomer.reveal(c.get('customer'), c.req.valid('param').id, services.clientAddress(c));
      c.header('cache-control', 'no-store');
      return c.json(credentialsView(r), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/subscriptions/{id}/eab-credentials/replace',
      tags: ['subscriptions'],
      summary: 'Revoke the EAB credentials and get a new pair (the old key id stops working at once)',
      ...authed,
      request: { params: SubscriptionIdParam },
      responses: {
        201: { description: 'The new EAB credentials', content: { 'application/json': { schema: Credentials } } },
        ...problemResponses(401, 404, 409, 410),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const r = await services.caasCustomer.replaceForCustomer(c.get('customer'), c.req.valid('param').id, services.clientAddress(c));
      c.header('cache-control', 'no-store');
      return c.json(credentialsView(r), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/subscriptions/{id}/eab-credentials/views',
      tags: ['subscriptions'],
      summary: 'When and from where the EAB credentials of a subscription were viewed',
      ...authed,
      request: { params: SubscriptionIdParam },
      responses: {
        200: { description: 'Views, newest first', content: { 'application/json': { schema: z.object({ views: z.array(EabView) }) } } },
        ...problemResponses(401, 404),
      },
    }),
    async (c) => {
      const views = await c.get('services').caasCustomer.views(c.get('customer'), c.req.valid('param').id);
      c.header('cache-control', 'no-store');
      return c.json({ views: views.map(viewOf) }, 200);
    },
  );
