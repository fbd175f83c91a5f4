/**
 * Loading a resource on behalf of an account: unknown ids are 404 (`malformed`, RFC 8555 has no "not
 * found" type), another account's resource is 403 `unauthorized`.
 */
import type { AcmeServices } from '../../app/context.js';
import { Problem, acmeProblems } from '../../core/problem.js';
import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrderRecord,
} from '../../core/store/acme.js';

export function notFound(what: string): Problem {
  const p = acmeProblems.malformed(`No ${what} with this URL.`);
  return new Problem(p.type, p.title, 404, p.detail);
}

const notYours = (what: string) => acmeProblems.unauthorized(`This ${what} belongs to another account.`);

export async function ownedOrder(s: AcmeServices, id: string, account: AcmeAccountRecord): Promise<AcmeOrderRecord> {
  const o = await s.store.acme.orders.byId(id);
  if (!o) throw notFound('order');
  if (o.accountId !== account.id) throw notYours('order');
  return o;
}

export async function ownedAuthorization(s: AcmeServices, id: string, account: AcmeAccountRecord): Promise<AcmeAuthorizationRecord> {
  const a = await s.store.acme.authorizations.byId(id);
  if (!a) throw notFound('authorization');
  if (a.accountId !== account.id) throw notYours('authorization');
  return a;
}

export async function ownedChallenge(
  s: AcmeServices,
  id: string,
  account: AcmeAccountRecord,
): Promise<{ challenge: AcmeChallengeRecord; authorization: AcmeAuthorizationRecord }> {
  const found = await s.store.acme.challenges.withAuthorization(id);
  if (!found) throw notFound('challenge');
  if (found.authorization.accountId !== account.id) throw notYours('challenge');
  return found;
}
