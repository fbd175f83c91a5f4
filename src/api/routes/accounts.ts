import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';

const Credentials = z
  .strictObject({
    email: z.string().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address'),
    password: z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters'),
  })
  .openapi('Credentials');

const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256) }).openapi('Login');

const Account = z.object({ id: z.string(), email: z.string(), createdAt: z.string() }).openapi('Account');
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
  );
