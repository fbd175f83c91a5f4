/**
 * finalize (RFC 8555 §7.4), the ACME edge: the order is the account's, the CSR (base64url DER) is good and
 * names exactly the order's identifiers (`badCSR`); the registration authority does the rest (readiness,
 * plan, CAA, the one winning transition, issuance; see src/ra/acme/issuance.ts) and its domain errors
 * leave as RFC 8555 problems.
 */
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest, payloadObject } from './request.js';
import { checkFinalizeCsr } from './csr.js';
import { notReady } from '../../ra/acme/issuance.js';
import { ownedOrder } from './owned.js';
import { orderView } from './views.js';
import { retryAfter } from './retry-after.js';

export async function finalize(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const payload = payloadObject(jws, 'finalize');

  const { order: o } = await s.ra.acmeIssuance.current(await ownedOrder(s, c.req.param('id') ?? '', account));
  if (o.status !== 'ready') throw notReady(o);
  const ipAddresses = o.identifiers.filter((i) => i.type === 'ip');
  const csr = await checkFinalizeCsr(
    payload.csr,
    o.identifiers.map((i) => i.value),
    { ipAddresses: ipAddresses.length > 0 },
  );

  const done = await s.ra.acmeIssuance.finalize(account, o, csr, l.account(account.id));
  const authzs = done.authorizations ?? (await s.ra.acmeOrders.authorizations(done.order));
  return acmeJson(orderView(l, done.order, authzs.map((a) => a.id)), 200, {
    location: l.order(done.order.id),
    ...retryAfter(done.order, done.retryAfterSeconds),
  });
}
