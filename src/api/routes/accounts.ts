import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';
import { problems } from '../../core/problem.js';

const Credentials = z
  .strictObject({
    email: z.string().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address'),
    password: z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters'),
  })
  .openapi('Credentials');

const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256) }).openapi('Login');

const Account = z.object({ id: z.string(), email: z.string(), createdAt: z.string() }).openapi('Account');
const TokenBody = z.strictObject({ token: z.string().max(100) }).openapi('MailToken');
const ResetRequest = z.strictObject({ email: z.string().max(254) }).openapi('PasswordResetRequest');
const ResetBody = z
  .strictObject({ token: z.string().max(100), password: z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters') })
  .openapi('PasswordReset');
const MailSettings = z.object({ verified: z.boolean(), caReferenceInMail: z.boolean() }).openapi('MailSettings');
const Accepted = z.object({ detail: z.string() }).openapi('Accepted');

const Session = z.object({ token: z.string(), expiresAt: z.string() }).openapi('Session');

export const accountRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/accounts',
      tags: ['accounts'],
      summary: 'Create a customer account',
      request: { body: jsonBody(Credentials) },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: Account } } },
        ...problemResponses(400, 409, 429),
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const services = c.get('services');
      await services.limits.consume('signups', { address: services.clientAddress(c) });
      const customer = await services.accounts.register(email, password);
      // With mail settings: the address is verified by a link before orders can be placed.
      await services.accountMail.sendVerification(customer);
      return c.json({ id: customer.id, email: customer.email, createdAt: customer.createdAt.toISOString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/sessions',
      tags: ['accounts'],
      summary: 'Log in: returns a bearer token',
      request: { body: jsonBody(LoginBody) },
      responses: {
        201: { description: 'Logged in', content: { 'application/json': { schema: Session } } },
        ...problemResponses(400, 401, 429),
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const services = c.get('services');
      const session = await services.accounts.login(email, password, services.clientAddress(c));
      c.header('cache-control', 'no-store');
      return c.json({ token: session.token, expiresAt: session.expiresAt.toISOString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/sessions',
      tags: ['accounts'],
      summary: 'Log out: ends the session of the bearer token',
      security: bearerSecurity,
      middleware: [requireCustomer],
      responses: { 204: { description: 'Logged out' }, ...problemResponses(401) },
    }),
    async (c) => {
      const token = c.req.header('authorization')!.replace(/^Bearer\s+/i, '');
      await c.get('services').accounts.logout(token);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/accounts/verification',
      tags: ['accounts'],
      summary: 'Mail a new link that confirms the account’s e-mail address (earlier links stop working)',
      security: bearerSecurity,
      middleware: [requireCustomer],
      responses: { 202: { description: 'Sent (with mail settings)', content: { 'application/json': { schema: Accepted } } }, ...problemResponses(401, 404, 429) },
    }),
    async (c) => {
      const services = c.get('services');
      if (!services.accountMail.enabled) throw problems.notFound('This service sends no mail: there is nothing to verify.');
      await services.limits.consume('signups', { address: services.clientAddress(c) });
      await services.accountMail.sendVerification(c.get('customer'));
      return c.json({ detail: 'A new confirmation link is on its way.' }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/accounts/verify',
      tags: ['accounts'],
      summary: 'Confirm the e-mail address with the token of the mailed link',
      request: { body: jsonBody(TokenBody) },
      responses: { 204: { description: 'Confirmed' }, ...problemResponses(400) },
    }),
    async (c) => {
      if (!(await c.get('services').accountMail.verify(c.req.valid('json').token))) {
        throw problems.badRequest('The confirmation link is not valid: it was used already, has expired (48 hours) or was replaced by a newer one.', { field: 'token' });
      }
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/password-reset',
      tags: ['accounts'],
      summary: 'Mail a password reset link to the address, if an account has it (the answer is the same either way)',
      request: { body: jsonBody(ResetRequest) },
      responses: { 202: { description: 'Accepted', content: { 'application/json': { schema: Accepted } } }, ...problemResponses(400, 404, 429) },
    }),
    async (c) => {
      const services = c.get('services');
      await services.accountMail.requestReset(c.req.valid('json').email, services.clientAddress(c));
      return c.json({ detail: 'If an account has this address, a reset link is on its way. It works once, for 30 minutes.' }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/password-reset/confirm',
      tags: ['accounts'],
      summary: 'Set a new password with the token of the mailed link; every session of the account ends',
      request: { body: jsonBody(ResetBody) },
      responses: { 204: { description: 'Password changed' }, ...problemResponses(400) },
    }),
    async (c) => {
      const { token, password } = c.req.valid('json');
      await c.get('services').accountMail.reset(token, password);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/accounts/mail-settings',
      tags: ['accounts'],
      summary: 'Whether this account’s shipment notices carry the CA Reference (default: yes, unless the operator keeps it out)',
      security: bearerSecurity,
      middleware: [requireCustomer],
      request: { body: jsonBody(z.strictObject({ caReferenceInMail: z.boolean() }).openapi('MailSettingsChange')) },
      responses: { 200: { description: 'The settings now', content: { 'application/json': { schema: MailSettings } } }, ...problemResponses(400, 401) },
    }),
    async (c) => {
      const mail = c.get('services').accountMail;
      await mail.setCaReferenceInMail(c.get('customer'), c.req.valid('json').caReferenceInMail);
      return c.json(await mail.settings(c.get('customer')), 200);
    },
  );
