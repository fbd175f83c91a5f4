/**
 * newOrder (RFC 8555 §7.4) and the order resource. A new order gets one authorization per identifier,
 * each with the challenges the validation authority can check for it (wildcards: dns-01 only; IP addresses,
 * RFC 8738 §7, when EABGATE_ACME_IP_IDENTIFIERS allows them: http-01 and tls-alpn-01, never dns-01), after the
 * subscription's plan allowed it (`caas.checkPlan`: names, wildcards, validity, certificate count, and a
 * revoked or ended subscription orders nothing). `replaces` follows RFC 9773 §5.
 */
import { loadPsl } from '../../core/psl.js';
import { acmeProblems } from '../../core/problem.js';
import type { AcmeAccountRecord } from '../../core/store/acme.js';
import type { AcmeServices } from '../../app/context.js';
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest, payloadObject } from './request.js';
import { parseNewOrder, type NewOrderRequest } from './new-order-request.js';
import { certificateFor, parseCertId } from './cert-id.js';
import { retryAfter } from './retry-after.js';
import { ownedOrder } from './owned.js';
import { orderView } from './views.js';

/** RFC 9773 §5: the replaced certificate is this account's, shares a name, and is not replaced yet. */
async function checkReplaces(s: AcmeServices, account: AcmeAccountRecord, req: NewOrderRequest): Promise<string> {
  const id = parseCertId(req.replaces, '"replaces"');
  const cert = await certificateFor(s.store, id);
  if (!cert) throw acmeProblems.malformed(`"replaces" ${JSON.stringify(id.text)} names no certificate this server issued.`);
  const previous = cert.acmeOrderId ? await s.store.acme.orders.byId(cert.acmeOrderId) : undefined;
  if (!previous || previous.accountId !== account.id) {
    throw acmeProblems.unauthorized(`"replaces": certificate ${id.text} was not issued to this account.`);
  }
  if (!previous.identifiers.some((i) => req.names.includes(i.value))) {
    throw acmeProblems.malformed(`"replaces": certificate ${id.text} shares no identifier with this order.`);
  }
  const replacing = await s.store.acme.orders.replacing(id.text);
  const done = replacing.find((o) => o.status === 'valid' || o.status === 'processing');
  if (done) {
    throw acmeProblems.alreadyReplaced(`Certificate ${id.text} was already replaced by another finalized order.`);
  }
  return id.text;
}

export async function newOrder(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const now = s.clock.now();
  await loadPsl(); // the identifiers' public-suffix check
  const req = parseNewOrder(payloadObject(jws, 'newOrder'), now, { ipIdentifiers: s.config.acmeIpIdentifiers });
  const replaces = req.replaces === undefined ? null : await checkReplaces(s, account, req);
  // IP addresses count as names (maxNamesPerOrder) like DNS names do.
  const { order, authzIds } = await s.ra.acmeOrders.create(account, {
    identifiers: req.identifiers,
    names: req.names,
    notAfter: req.notAfter,
    validityDays: req.validityDays,
    replaces,
    profile: req.profile,
  });
  return acmeJson(orderView(l, order, authzIds), 201, { location: l.order(order.id) });
}

/** POST-as-GET of an order; a processing order is polled and carries Retry-After. */
export async function order(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  if (!jws.postAsGet) throw acmeProblems.malformed('Fetch an order with POST-as-GET (an empty payload).');
  const { order: current, retryAfterSeconds } = await s.ra.acmeIssuance.current(await ownedOrder(s, c.req.param('id') ?? '', account));
  const authzs = await s.ra.acmeOrders.authorizations(current);
  return acmeJson(orderView(l, current, authzs.map((a) => a.id)), 200, retryAfter(current, retryAfterSeconds));
}
