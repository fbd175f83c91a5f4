/**
 * newOrder (RFC 8555 §7.4) and the order resource. A new order gets one authorization per identifier,
 * each with the challenges the validation authority can check for it (wildcards: dns-01 only; IP addresses,
 * RFC 8738 §7, when EABGATE_ACME_IP_IDENTIFIERS allows them: http-01 and tls-alpn-01, never dns-01), after the
 * subscription's plan allowed it (`caas.checkPlan`: names, wildcards, validity, certificate count, and a
 * revoked or ended subscription orders nothing). `replaces` follows RFC 9773 §5.
 */
import { acmeProblems } from '../../core/problem.js';
import { newId } from '../../core/secrets/tokens.js';
import { toBase64Url } from '../../core/encoding.js';
import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrderRecord,
} from '../../core/store/acme.js';
import type { Services } from '../../api/context.js';
import { acmeJson, links, services, type AcmeContext } from './http.js';
import { accountRequest, payloadObject } from './request.js';
import { parseNewOrder, type NewOrderRequest } from './new-order-request.js';
import { certificateFor, parseCertId } from './cert-id.js';
import { ORDER_LIFETIME_MS, currentOrder, orderAuthorizations, retryAfter } from './lifecycle.js';
import { ownedOrder } from './owned.js';
import { orderView } from './views.js';

/** A challenge token: 256 random bits, base64url (RFC 8555 §8.1 asks for at least 128). */
const newToken = () => toBase64Url(crypto.getRandomValues(new Uint8Array(32)));

/** RFC 9773 §5: the replaced certificate is this account's, shares a name, and is not replaced yet. */
async function checkReplaces(s: Services, account: AcmeAccountRecord, req: NewOrderRequest): Promise<string> {
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

export async function newOrder(c: AcmeContext): Promise<Response> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const now = s.clock.now();
  const req = parseNewOrder(payloadObject(jws, 'newOrder'), now, { ipIdentifiers: s.config.acmeIpIdentifiers });
  const replaces = req.replaces === undefined ? null : await checkReplaces(s, account, req);
  // IP addresses count as names (maxNamesPerOrder) like DNS names do.
  await s.caas.checkPlan(account.subscriptionId, {
    names: req.names,
    wildcard: req.names.some((n) => n.startsWith('*.')),
    validityDays: req.validityDays,
  });

  const expires = new Date(now.getTime() + ORDER_LIFETIME_MS);
  const order: AcmeOrderRecord = {
    id: newId(),
    accountId: account.id,
    status: 'pending',
    identifiers: req.identifiers,
    notBefore: null,
    notAfter: req.notAfter,
    expires,
    error: null,
    certificateId: null,
    issuerHandle: null,
    replaces,
    profile: req.profile,
    createdAt: now,
  };
  const authorizations: AcmeAuthorizationRecord[] = [];
  const challenges: AcmeChallengeRecord[] = [];
  for (const { type: identifierType, value: name } of req.identifiers) {
    const wildcard = identifierType === 'dns' && name.startsWith('*.');
    const authz: AcmeAuthorizationRecord = {
      id: newId(),
      orderId: order.id,
      accountId: account.id,
      identifierType,
      identifierValue: wildcard ? name.slice(2) : name,
      wildcard,
      status: 'pending',
      expires,
    };
    authorizations.push(authz);
    const types = identifierType === 'ip' ? s.va.challengeTypesForIp() : s.va.challengeTypesFor(name);
    for (const type of types) {
      challenges.push({ id: newId(), authzId: authz.id, type, token: newToken(), status: 'pending', validated: null, error: null });
    }
  }
  await s.store.acme.orders.create(order, authorizations, challenges);
  return acmeJson(orderView(l, order, authorizations.map((a) => a.id)), 201, { location: l.order(order.id) });
}

/** POST-as-GET of an order; a processing order is polled and carries Retry-After. */
export async function order(c: AcmeContext): Promise<Response> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  if (!jws.postAsGet) throw acmeProblems.malformed('Fetch an order with POST-as-GET (an empty payload).');
  const current = await currentOrder(s, await ownedOrder(s, c.req.param('id') ?? '', account));
  const authzs = await orderAuthorizations(s, current);
  return acmeJson(orderView(l, current, authzs.map((a) => a.id)), 200, retryAfter(current));
}
