/**
 * Authorizations (RFC 8555 §7.5): POST-as-GET reads one; `{"status": "deactivated"}` deactivates a pending
 * or valid one (§7.5.2), which makes its order invalid unless the order is already done.
 */
import { acmeProblems } from '../../core/problem.js';
import { quoted } from '../jws/flattened.js';
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest } from './request.js';
import { ownedAuthorization } from './owned.js';
import { authorizationView } from './views.js';

export async function authorization(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  let authz = await s.ra.acmeOrders.currentAuthorization(await ownedAuthorization(s, c.req.param('id') ?? '', account));

  if (jws.payload) {
    if (jws.payload.status !== 'deactivated') {
      throw acmeProblems.malformed(`An authorization accepts only {"status": "deactivated"}, got status ${quoted(jws.payload.status)}.`);
    }
    authz = await s.ra.deactivateAuthorization(authz);
  }

  const challenges = await s.store.acme.challenges.forAuthorizations([authz.id]);
  return acmeJson(authorizationView(l, authz, challenges), 200);
}
