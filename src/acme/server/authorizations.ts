/**
 * Authorizations (RFC 8555 §7.5): POST-as-GET reads one; `{"status": "deactivated"}` deactivates a pending
 * or valid one (§7.5.2), which makes its order invalid unless the order is already done.
 */
import { acmeProblems } from '../../core/problem.js';
import { quoted } from '../jws/flattened.js';
import { acmeJson, links, services, type AcmeContext } from './http.js';
import { accountRequest } from './request.js';
import { authorizationName, currentAuthorization, invalidateOrder } from './lifecycle.js';
import { ownedAuthorization } from './owned.js';
import { authorizationView } from './views.js';

export async function authorization(c: AcmeContext): Promise<Response> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  let authz = await currentAuthorization(s, await ownedAuthorization(s, c.req.param('id') ?? '', account));

  if (jws.payload) {
    if (jws.payload.status !== 'deactivated') {
      throw acmeProblems.malformed(`An authorization accepts only {"status": "deactivated"}, got status ${quoted(jws.payload.status)}.`);
    }
    if (authz.status !== 'pending' && authz.status !== 'valid') {
      throw acmeProblems.malformed(`The authorization is ${authz.status}: only pending or valid authorizations can be deactivated.`);
    }
    if (await s.store.acme.authorizations.update(authz.id, { status: 'deactivated' }, [authz.status])) {
      authz = { ...authz, status: 'deactivated' };
      const o = await s.store.acme.orders.byId(authz.orderId);
      if (o && (o.status === 'pending' || o.status === 'ready')) {
        await invalidateOrder(s, o, acmeProblems.unauthorized(`The authorization for ${authorizationName(authz)} was deactivated.`));
      }
    } else {
      authz = (await s.store.acme.authorizations.byId(authz.id)) ?? authz;
    }
  }

  const challenges = await s.store.acme.challenges.forAuthorizations([authz.id]);
  return acmeJson(authorizationView(l, authz, challenges), 200);
}
