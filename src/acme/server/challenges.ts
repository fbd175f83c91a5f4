/**
 * Challenges (RFC 8555 §7.5.1): POST-as-GET reads one; a POST of `{}` asks the server to validate it.
 * Validation runs inside the request (services.va, on Node and Workers alike), so the answer already has
 * the outcome: the states then move as §7.1.6 describes. Valid: challenge valid, authorization valid, the
 * order ready once all of its authorizations are. Invalid: the challenge carries the problem as `error`,
 * the authorization and the order become invalid.
 *
 * CAA is checked at finalize, right before issuance (see finalize.ts), not here.
 */
import { Problem } from '../../core/problem.js';
import type { AcmeChallengeRecord } from '../../core/store/acme.js';
import { acmeJson, links, services, type AcmeContext } from './http.js';
import { accountRequest } from './request.js';
import { authorizationName, currentAuthorization, invalidateOrder, orderAfterValidation } from './lifecycle.js';
import { ownedChallenge } from './owned.js';
import { challengeView } from './views.js';

export async function challenge(c: AcmeContext): Promise<Response> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const owned = await ownedChallenge(s, c.req.param('id') ?? '', account);
  let ch: AcmeChallengeRecord = owned.challenge;
  const authz = await currentAuthorization(s, owned.authorization);
  const up = { link: `<${l.authorization(authz.id)}>;rel="up"` };

  // Reads, and POSTs to a challenge that is not waiting any more, answer with the challenge as it is.
  if (jws.postAsGet || ch.status !== 'pending' || authz.status !== 'pending') return acmeJson(challengeView(l, ch), 200, up);
  // Only one request validates: the one that moves the challenge from pending to processing.
  if (!(await s.store.acme.challenges.update(ch.id, { status: 'processing' }, ['pending']))) {
    ch = (await s.store.acme.challenges.byId(ch.id)) ?? ch;
    return acmeJson(challengeView(l, ch), 200, up);
  }

  const name = authorizationName(authz);
  let result;
  try {
    result =
      authz.identifierType === 'ip'
        ? await s.va.validateIp(ch.type, name, ch.token, account.jwk)
        : await s.va.validate(ch.type, name, ch.token, account.jwk);
  } catch (err) {
    await s.store.acme.challenges.update(ch.id, { status: 'pending' }, ['processing']);
    throw err;
  }

  if (result.valid) {
    const validated = s.clock.now();
    await s.store.acme.challenges.update(ch.id, { status: 'valid', validated }, ['processing']);
    ch = { ...ch, status: 'valid', validated };
    if (await s.store.acme.authorizations.update(authz.id, { status: 'valid' }, ['pending'])) {
      await orderAfterValidation(s, authz.orderId);
    }
  } else {
    const p = result.problem;
    const error = { ...p.toJSON(), identifier: { type: authz.identifierType, value: name } };
    await s.store.acme.challenges.update(ch.id, { status: 'invalid', error }, ['processing']);
    ch = { ...ch, status: 'invalid', error };
    if (await s.store.acme.authorizations.update(authz.id, { status: 'invalid' }, ['pending'])) {
      const o = await s.store.acme.orders.byId(authz.orderId);
      if (o) {
        const detail = `${ch.type} validation of ${name} failed: ${p.detail}`;
        await invalidateOrder(s, o, new Problem(p.type, p.title, p.status, detail, { extensions: { identifier: error.identifier } }));
      }
    }
  }
  return acmeJson(challengeView(l, ch), 200, up);
}
