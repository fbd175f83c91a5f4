/**
 * Tracking by CA Reference. The reference travels only in POST bodies, never in a URL, so it never lands
 * in an access log; every response is no-store.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { newRouter, jsonBody, problemResponses } from '../router.js';
import type { AppEnv } from '../../app/context.js';

const Reference = z.string().min(1).max(80).openapi({ description: 'The CA Reference given when the order was placed' });
const TrackingBody = z.strictObject({ caReference: Reference }).openapi('TrackingRequest');

const Instructions = z.object({
  http01: z.object({ url: z.string(), body: z.string() }).optional(),
  dns01: z.object({ name: z.string(), type: z.literal('TXT'), value: z.string() }),
});

const TrackingView = z
  .object({
    orderNumber: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    product: z.enum(['dv', 'ov', 'ev']),
    domains: z.array(z.string()),
    autoCsr: z.boolean(),
    validation: z.array(
      z.object({
        domain: z.string(),
        status: z.enum(['pending', 'valid', 'invalid']),
        method: z.string().nullable(),
        lastCheckedAt: z.string().nullable(),
        lastResult: z.record(z.string(), z.string()).nullable(),
        instructions: Instructions,
      }),
    ),
    certificate: z
      .object({ serial: z.string(), notBefore: z.string(), notAfter: z.string(), issuer: z.string(), revoked: z.boolean() })
      .nullable(),
  })
  .openapi('Tracking');

const fileResponse = { description: 'The file', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } };

function findOrder(c: Context<AppEnv>, caReference: string) {
  const s = c.get('services');
  return s.tracking.find(caReference, s.clientAddress(c));
}

function download(c: Context<AppEnv>, file: { body: Uint8Array<ArrayBuffer>; contentType: string; fileName: string }) {
  return c.body(file.body, 200, {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.fileName}"`,
    'cache-control': 'no-store',
  });
}

export const trackingRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking',
      tags: ['tracking'],
      summary: 'Status, validation instructions and certificate details of the order a CA Reference belongs to',
      request: { body: jsonBody(TrackingBody) },
      responses: { 200: { description: 'The order', content: { 'application/json': { schema: TrackingView } } }, ...problemResponses(400, 404, 429) },
    }),
    async (c) => {
      const order = await findOrder(c, c.req.valid('json').caReference);
      c.header('cache-control', 'no-store');
      return c.json(await c.get('services').tracking.view(order), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/validate',
      tags: ['tracking'],
      summary: 'Check the domains now (http-01 and dns-01) and report per domain what was found',
      request: { body: jsonBody(TrackingBody) },
      responses: {
        200: {
          description: 'What was found, and the order afterwards',
          content: {
            'application/json': {
              schema: z.object({
                domains: z.array(
                  z.object({ domain: z.string(), status: z.enum(['valid', 'pending']), method: z.string().optional(), found: z.record(z.string(), z.string()) }),
                ),
                caa: z.array(z.object({ domain: z.string(), ok: z.boolean(), detail: z.string().optional() })),
                order: TrackingView,
              }),
            },
          },
        },
        ...problemResponses(400, 404, 429),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const tracking = services.tracking;
      const order = await findOrder(c, c.req.valid('json').caReference);
      await services.limits.consume('validate', { account: order.customerId, address: services.clientAddress(c) });
      const result = await tracking.validate(order);
      c.header('cache-control', 'no-store');
      return c.json({ domains: result.domains, caa: result.caa, order: await tracking.view(result.order) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/certificate',
      tags: ['tracking'],
      summary: 'Download the certificate: pem (leaf), fullchain (leaf + intermediate), der, p7b',
      request: {
        body: jsonBody(z.strictObject({ caReference: Reference, format: z.enum(['pem', 'fullchain', 'der', 'p7b']).default('pem') }).openapi('CertificateRequest')),
      },
      responses: { 200: fileResponse, ...problemResponses(400, 404, 409, 429) },
    }),
    async (c) => {
      const { caReference, format } = c.req.valid('json');
      const order = await findOrder(c, caReference);
      return download(c, await c.get('services').tracking.certificate(order, format));
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/intermediates',
      tags: ['tracking'],
      summary: 'Download the intermediate certificate(s) of the issued certificate (PEM)',
      request: { body: jsonBody(TrackingBody) },
      responses: { 200: fileResponse, ...problemResponses(400, 404, 409, 429) },
    }),
    async (c) => {
      const order = await findOrder(c, c.req.valid('json').caReference);
      return download(c, await c.get('services').tracking.certificate(order, 'intermediates'));
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/reissue',
      tags: ['tracking'],
      summary: 'A new certificate for the same order: with the CSR given, or with a new AutoCSR key pair',
      request: { body: jsonBody(z.strictObject({ caReference: Reference, csr: z.string().max(16384).optional() }).openapi('ReissueRequest')) },
      responses: {
        200: {
          description: 'The order after reissue; with a new key archive when no CSR was given',
          content: {
            'application/json': {
              schema: z.object({
                order: TrackingView,
                keyArchive: z.object({ filename: z.string(), contentType: z.literal('application/zip'), data: z.string() }).optional(),
              }),
            },
          },
        },
        ...problemResponses(400, 404, 409, 429),
      },
    }),
    async (c) => {
      const { caReference, csr } = c.req.valid('json');
      const tracking = c.get('services').tracking;
      const order = await findOrder(c, caReference);
      const result = await tracking.reissue(order, csr);
      c.header('cache-control', 'no-store');
      return c.json({ order: await tracking.view(result.order), keyArchive: result.keyArchive }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/approver-email',
      tags: ['tracking'],
      summary: 'Approver e-mail validation (Baseline Requirements 3.2.2.4.4): mail a Random Value to a constructed address of one name',
      request: {
        body: jsonBody(
          z
            .strictObject({
              caReference: Reference,
              domain: z.string().max(253),
              approver: z.enum(['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster']).openapi({ description: 'The local part: the mail goes to <approver>@<domain>' }),
            })
            .openapi('ApproverEmailRequest'),
        ),
      },
      responses: {
        202: { description: 'Mailed; the value is valid for 30 days', content: { 'application/json': { schema: z.object({ to: z.string(), expiresAt: z.string() }) } } },
        ...problemResponses(400, 404, 409, 429),
      },
    }),
    async (c) => {
      const services = c.get('services');
      const { caReference, domain, approver } = c.req.valid('json');
      const order = await findOrder(c, caReference);
      await services.limits.consume('validate', { account: order.customerId, address: services.clientAddress(c) });
      const sent = await services.tracking.sendApproverEmail(order, domain.toLowerCase(), approver);
      c.header('cache-control', 'no-store');
      return c.json({ to: sent.to, expiresAt: sent.expiresAt.toISOString() }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tracking/approver-email/confirm',
      tags: ['tracking'],
      summary: 'The approver confirms with the mailed value (no CA Reference needed): the name is validated and the order moves on',
      request: { body: jsonBody(z.strictObject({ value: z.string().max(80) }).openapi('ApproverConfirmation')) },
      responses: {
        200: { description: 'Confirmed', content: { 'application/json': { schema: z.object({ orderNumber: z.string(), status: z.string() }) } } },
        ...problemResponses(400, 429),
      },
    }),
    async (c) => {
      const services = c.get('services');
      await services.limits.consume('validate', { address: services.clientAddress(c) });
      const order = await services.tracking.confirmApprover(c.req.valid('json').value);
      c.header('cache-control', 'no-store');
      return c.json({ orderNumber: order.orderNumber, status: order.status }, 200);
    },
  );
