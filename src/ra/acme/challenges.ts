/**
 * Answering an ACME challenge (RFC 8555 §7.5.1, states per §7.1.6). One request validates: the one that
 * moves the challenge from pending to processing (or takes over a processing one whose attempt lapsed,
 * after a crash). Valid: challenge valid, authorization valid (reusable for later orders of the account
 * until its expiry), every order using it ready once all of its authorizations are. Invalid: the challenge
 * carries the VA's problem, the authorization and the open orders using it become invalid.
 */
import { Problem } from '../../core/problem.js';
import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeChallengeRecord } from '../../core/store/acme.js';
import { leaseMs, type RaDeps } from '../deps.js';
import { authorizationName, type AcmeOrders } from './orders.js';
import { withChanges } from '../../core/with-changes.js';

export async function answerChallenge(
  d: RaDeps,
  orders: AcmeOrders,
  account: AcmeAccountRecord,
  challenge: AcmeChallengeRecord,
  authorization: AcmeAuthorizationRecord,
): Promise<AcmeChallengeRecord> {
  const authz = await orders.currentAuthorization(authorization);
  let ch = challenge;
  if (authz.status !== 'pending') return ch;
  const now = d.clock.now();
  const lapsed = ch.status === 'processing' && (!ch.attemptedAt || now.getTime() - ch.attemptedAt.getTime() >= leaseMs(d));
  if (ch.status !== 'pending' && !lapsed) return ch;
  const claimed = lapsed
    ? await d.store.acme.challenges.update(ch.id, { attemptedAt: now }, ['processing'], { attemptedAt: ch.attemptedAt })
    : await d.store.acme.challenges.update(ch.id, { status: 'processing', attemptedAt: now }, ['pending']);
  if (!claimed) return (await d.store.acme.challenges.byId(ch.id)) ?? ch;
  ch = withChanges(ch, { status: 'processing' as const, attemptedAt: now });

  const name = authorizationName(authz);
  let result;
  try {
    result =
      authz.identifierType === 'ip'
        ? await d.va.validateIp(ch.type, name, ch.token, account.jwk)
        : await d.va.validate(ch.type, name, ch.token, account.jwk);
  } catch (err) {
    await d.store.acme.challenges.update(ch.id, { status: 'pending' }, ['processing']);
    throw err;
  }

  // The outcome is written as one unit (challenge, authorization and, on success, the orders it makes
  // ready): a crash in between would leave a valid challenge under an authorization pending for good.
  if (result.valid) {
    const validated = d.clock.now();
    await d.store.acme.challenges.validated(ch.id, authz.id, validated, orders.validExpiry(authz, validated));
    return withChanges(ch, { status: 'valid' as const, validated });
  }
  const p = result.problem;
  const error = withChanges(p.toJSON(), { identifier: { type: authz.identifierType, value: name } });
  ch = withChanges(ch, { status: 'invalid' as const, error });
  if (await d.store.acme.challenges.invalidated(ch.id, authz.id, error)) {
    const detail = `${ch.type} validation of ${name} failed: ${p.detail}`;
    await orders.authorizationLost(authz.id, new Problem(p.type, p.title, p.status, detail, { extensions: { identifier: error.identifier } }).toJSON());
  }
  return ch;
}
