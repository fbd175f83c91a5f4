/** A customer deletes their own account over REST, with the password again (src/orders/account-deletion.ts). */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, jsonBody, problemResponses, bearerSecurity } from '../router.js';
import { requireCustomer } from '../middleware/auth.js';

const DeleteAccount = z
  .strictObject({
    password: z.string().min(1, 'the account’s password is required').max(256).openapi({ description: 'The password again (re-authentication)' }),
    confirm: z.literal(true).openapi({ description: 'Must be true: the deletion cannot be undone' }),
  })
  .openapi('DeleteAccount');

const Deleted = z
  .object({ ordersClosed: z.number(), ordersErased: z.number(), subscriptionsRevoked: z.number(), sessionsEnded: z.number() })
  .openapi('AccountDeleted');

export const accountDeletionRoutes = newRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/v1/accounts/me/delete',
    tags: ['accounts'],
    summary: 'Delete the caller’s account (password again); every session ends',
    description:
      'Erases the e-mail address, password, sessions, unlock codes and every order’s CSR, e-mail and unit; closes open orders; revokes CaaS ' +
      'subscriptions and EAB credentials. Issued certificates and validation records are kept (README "Deleting an account").',
    security: bearerSecurity,
    middleware: [requireCustomer],
    request: { body: jsonBody(DeleteAccount) },
    responses: {
      200: { description: 'Deleted', content: { 'application/json': { schema: Deleted } } },
      ...problemResponses(400, 401, 429),
    },
  }),
  async (c) => {
    const services = c.get('services');
    const report = await services.accountDeletion.delete(c.get('customer'), c.req.valid('json').password, services.clientAddress(c));
    c.header('cache-control', 'no-store');
    return c.json(report, 200);
  },
);
