/**
 * The ACME server's routes, mounted at /acme (src/app/app.ts). Outside the REST API's /api/* middlewares:
 * ACME bodies are application/jose+json and limited by the ACME body reader (http.ts).
 *
 * Every response, problems included, carries a fresh Replay-Nonce (RFC 8555 §6.5: a client retries a
 * `badNonce` with it) and `Link: <directory>;rel="index"` (§7.1).
 */
import { Hono } from 'hono';
import type { AcmeEnv } from '../../app/context.js';
import { acmeOnError, acmeProblemResponse, links, methodNotAllowed, nonceStore, notFoundProblem, services } from './http.js';
import { directory, newNonce, terms } from './directory.js';
import { account, newAccount, ordersList } from './accounts.js';
import { keyChange } from './key-change.js';
import { newOrder, order } from './orders.js';
import { finalize } from './finalize.js';
import { authorization } from './authorizations.js';
import { challenge } from './challenges.js';
import { certificate } from './certificates.js';
import { revokeCert } from './revocation.js';
import { renewalInfo } from './renewal-info.js';

export const acmeRoutes = new Hono<AcmeEnv>();

acmeRoutes.use('*', async (c, next) => {
  await next();
  const headers = c.res.headers;
  if (!headers.has('replay-nonce')) {
    try {
      headers.set('replay-nonce', await nonceStore(services(c)).issue());
    } catch (err) {
      services(c).logger.error('acme: nonce not issued', { error: (err as Error)?.name });
    }
  }
  headers.append('link', links(c).indexLink);
});

const get = ['GET'];
const post = ['POST'];
const resources: [string, string[], (c: Parameters<typeof directory>[0]) => Response | Promise<Response>][] = [
  ['/directory', get, directory],
  ['/terms', get, terms],
  ['/new-nonce', get, newNonce],
  ['/new-account', post, newAccount],
  ['/new-order', post, newOrder],
  ['/revoke-cert', post, revokeCert],
  ['/key-change', post, keyChange],
  ['/renewal-info/:certId', get, renewalInfo],
  ['/acct/:id', post, account],
  ['/acct/:id/orders', post, ordersList],
  ['/order/:id', post, order],
  ['/order/:id/finalize', post, finalize],
  ['/authz/:id', post, authorization],
  ['/chall/:id', post, challenge],
  ['/cert/:id', post, certificate],
];
for (const [path, methods, handler] of resources) {
  acmeRoutes.on(methods, path, handler);
  acmeRoutes.all(path, methodNotAllowed(methods[0] === 'GET' ? 'GET, HEAD' : 'POST'));
}
acmeRoutes.all('*', (c) => acmeProblemResponse(notFoundProblem(c)));
acmeRoutes.onError(acmeOnError);
