/**
 * The ACME server's routes, mounted at /acme (src/app/app.ts). Outside the REST API's /api/* middlewares:
 * ACME bodies are application/jose+json and limited by the ACME body reader (http.ts).
 *
 * Every response, problems included, carries a fresh Replay-Nonce (RFC 8555 §6.5: a client retries a
 * `badNonce` with it) and `Link: <directory>;rel="index"` (§7.1): handlers answer an AcmeReply, and
 * acmeResponse (http.ts) makes the Response with those headers and the security headers in one go.
 */
import { Hono } from 'hono';
import type { AcmeEnv } from '../../app/context.js';
import { acmeErrorReply, acmeProblemReply, acmeResponse, methodNotAllowed, notFoundProblem, type AcmeContext, type AcmeReply } from './http.js';
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

type AcmeHandler = (c: AcmeContext) => AcmeReply | Promise<AcmeReply>;
/** Every answer, and every problem (below), leaves through acmeResponse: Replay-Nonce, Link, security headers. */
const answer = (handler: AcmeHandler) => async (c: AcmeContext) => acmeResponse(c, await handler(c));

const get = ['GET'];
const post = ['POST'];
const resources: [string, string[], AcmeHandler][] = [
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
  acmeRoutes.on(methods, path, answer(handler));
  acmeRoutes.all(path, answer(methodNotAllowed(methods[0] === 'GET' ? 'GET, HEAD' : 'POST')));
}
acmeRoutes.all('*', answer((c) => acmeProblemReply(notFoundProblem(c))));
acmeRoutes.onError((err, c) => acmeResponse(c, acmeErrorReply(err, c)));
