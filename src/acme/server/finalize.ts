/**
 * finalize (RFC 8555 §7.4). In this order:
 *   1. the order is the account's and `ready` (else `orderNotReady`);
 *   2. the CSR is good and names exactly the order's identifiers (`badCSR`): DNS names as dNSName, IP
 *      addresses (RFC 8738) as iPAddress SANs, compared in canonical form;
 *   3. the plan still allows a certificate (`caas.checkPlan`: count, validity, subscription state);
 *   4. CAA (RFC 8659, with RFC 8657 accounturi and validationmethods = the method that validated each
 *      name) allows this CA for every name — checked here, immediately before issuance, so the answer is
 *      never older than the certificate; a refusal makes the order invalid with the `caa` problem;
 *   5. ready → processing (one request wins), then the issuer: issued → the certificate is stored and the
 *      order valid; pending → the order stays processing with Retry-After and is polled on each read.
 */
import { Problem, acmeProblems } from '../../core/problem.js';
import type { AcmeOrderRecord } from '../../core/store/acme.js';
import { acmeJson, links, services, type AcmeContext } from './http.js';
import { accountRequest, payloadObject } from './request.js';
import { checkFinalizeCsr } from './csr.js';
import { authorizationName, currentOrder, invalidateOrder, orderAuthorizations, retryAfter, settleIssuance } from './lifecycle.js';
import { daysUntil } from './new-order-request.js';
import { ownedOrder } from './owned.js';
import { DEFAULT_PROFILE, PROFILES } from './profiles.js';
import { orderView } from './views.js';

function notReady(o: AcmeOrderRecord): Problem {
  const why: Record<AcmeOrderRecord['status'], string> = {
    pending: 'The order is pending: every authorization must be valid before it can be finalized.',
    ready: 'The order is ready.',
    processing: 'The order is being finalized already.',
    valid: 'The order was finalized already: download its certificate.',
    invalid: 'The order is invalid: place a new order.',
  };
  return acmeProblems.orderNotReady(why[o.status]);
}

export async function finalize(c: AcmeContext): Promise<Response> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const payload = payloadObject(jws, 'finalize');

  // 1.
  let o = await currentOrder(s, await ownedOrder(s, c.req.param('id') ?? '', account));
  if (o.status !== 'ready') throw notReady(o);
  const names = o.identifiers.map((i) => i.value);
  const ipAddresses = o.identifiers.filter((i) => i.type === 'ip').map((i) => i.value);
  const dnsNames = o.identifiers.filter((i) => i.type !== 'ip').map((i) => i.value);

  // 2.
  const csr = await checkFinalizeCsr(payload.csr, names, { ipAddresses: ipAddresses.length > 0 });

  // 3.
  const now = s.clock.now();
  const requestedDays = o.notAfter ? daysUntil(now, o.notAfter) : PROFILES[o.profile ?? DEFAULT_PROFILE]?.validityDays;
  const allowance = await s.caas.checkPlan(account.subscriptionId, {
    names,
    wildcard: names.some((n) => n.startsWith('*.')),
    validityDays: requestedDays,
  });
  if (o.replaces) {
    const others = await s.store.acme.orders.replacing(o.replaces);
    if (others.some((x) => x.id !== o.id && (x.status === 'valid' || x.status === 'processing'))) {
      throw acmeProblems.alreadyReplaced(`Certificate ${o.replaces} was already replaced by another finalized order.`);
    }
  }

  // 4.
  const authzs = await orderAuthorizations(s, o);
  const challenges = await s.store.acme.challenges.forAuthorizations(authzs.map((a) => a.id));
  const accountUri = l.account(account.id);
  // CAA (RFC 8659) is a property of DNS names only: IP addresses have no CAA records, so they are skipped.
  const caa = await Promise.all(
    authzs.filter((a) => a.identifierType !== 'ip').map(async (a) => {
      const method = challenges.find((ch) => ch.authzId === a.id && ch.status === 'valid')?.type;
      return { name: authorizationName(a), result: await s.va.checkCaa(authorizationName(a), { accountUri, method }) };
    }),
  );
  const refused = caa.flatMap((x) => (x.result.ok ? [] : [{ name: x.name, problem: x.result.problem }]));
  if (refused.length > 0) {
    const problem =
      refused.length === 1
        ? refused[0]!.problem
        : acmeProblems.caa(refused.map((r) => r.problem.detail).join('; '), {
            subproblems: refused.map((r) => ({ ...r.problem.toJSON(), identifier: { type: 'dns', value: r.name } })),
          });
    await invalidateOrder(s, o, problem);
    throw problem;
  }

  // 5.
  if (!(await s.store.acme.orders.update(o.id, { status: 'processing' }, ['ready']))) {
    throw notReady((await s.store.acme.orders.byId(o.id)) ?? o);
  }
  o = { ...o, status: 'processing' };
  // The CN is the CSR's when it is one of the DNS names, else the first DNS name; an IP-only order has none.
  const cn = csr.commonName && dnsNames.includes(csr.commonName) ? csr.commonName : undefined;
  const domains = cn ? [cn, ...dnsNames.filter((n) => n !== cn)] : dnsNames;
  let result;
  try {
    result = await s.issuer.submit({
      orderId: o.id,
      product: 'dv',
      domains,
      ...(ipAddresses.length ? { ipAddresses } : {}),
      csrPem: csr.pem,
      validityDays: requestedDays ?? allowance.maxValidityDays,
    });
  } catch (err) {
    await invalidateOrder(s, o, acmeProblems.serverInternal('Issuance failed: place a new order.'));
    throw err;
  }
  o = await settleIssuance(s, o, account.subscriptionId, result);
  if (result.state === 'failed' && o.error) {
    throw new Problem(String(o.error.type), String(o.error.title), Number(o.error.status), String(o.error.detail));
  }
  return acmeJson(orderView(l, o, authzs.map((a) => a.id)), 200, {
    location: l.order(o.id),
    ...retryAfter(o, result.state === 'pending' ? result.retryAfterSeconds : undefined),
  });
}
