/**
 * Issuance of tracking (REST and portal) orders, crash-safe at every line:
 *   1. claim: one conditional transition into `pending_issuance` with a fresh issuance id and a lease
 *      (exactly one request wins; the CSR to sign is on the order);
 *   2. submit to the issuer;
 *   3. settle: the certificate is stored under the issuance id (unique: a second store of the same
 *      attempt finds the first), then the order moves to `issued` if it is still in that attempt; a
 *      replaced certificate is revoked (superseded) only once its successor exists.
 * Whatever a crash leaves is picked up by `recoverTrackingOrder` (on the next read, or the periodic job):
 * a stored certificate is attached, a lapsed lease is taken over and the stored CSR submitted again, and
 * after the give-up time the order fails with a reason the customer can act on.
 */
import type { CertificateRecord, OrderRecord, OrderStatus } from '../../core/store/types.js';
import { newId } from '../../core/secrets/tokens.js';
import type { IssueResult } from '../../ca/issuer.js';
import { REVOCATION_REASONS } from '../../ca/revocation.js';
import { certificateRecord } from '../certificate-record.js';
import { giveUpMs, leaseMs, type RaDeps } from '../deps.js';
import { transitionWithMail, type OrderMail } from '../mail.js';
import { issued } from '../../mail/messages.js';

/** Moves the order from one of `from` into a new issuance attempt; undefined when another request won. */
export async function claimIssuance(
  d: RaDeps,
  order: OrderRecord,
  from: readonly OrderStatus[],
  changes: Partial<OrderRecord> = {},
  match: Partial<Pick<OrderRecord, 'replacesCertificateId'>> = {},
  mail?: OrderMail,
): Promise<OrderRecord | undefined> {
  const now = d.clock.now();
  return transitionWithMail(
    d,
    order,
    from,
    {
      ...changes,
      status: 'pending_issuance',
      statusReason: null,
      issuerHandle: null,
      issuanceId: newId(),
      issuanceStartedAt: now,
      issuanceLeaseAt: now,
      updatedAt: now,
    },
    match,
    mail,
  );
}

/** Submits a claimed order to the issuer and settles the answer. An issuer fault leaves it for recovery. */
export async function runIssuance(d: RaDeps, order: OrderRecord): Promise<OrderRecord> {
  let result: IssueResult;
  try {
    result = await d.issuer.submit({
      orderId: order.issuanceId ?? order.id,
      product: order.product,
      domains: order.domains,
      csrPem: order.csrPem,
      organization: order.product === 'dv' ? undefined : order.organization,
      upstreamOrderUrl: await readyUpstreamOrderUrl(d, order.id),
    });
  } catch (err) {
    // Kept in pending_issuance: recovery submits the stored CSR again after the lease, and gives up later.
    d.logger.error('issuance: the issuer failed', { order: order.orderNumber, error: (err as Error)?.name });
    return order;
  }
  return settleIssuance(d, order, result);
}

/** Upstream mode: the upstream order the customer's validation made ready, finalized instead of a new one. */
async function readyUpstreamOrderUrl(d: RaDeps, orderId: string): Promise<string | undefined> {
  if (!d.issuer.upstream) return undefined;
  const rec = await d.store.upstreamOrders.byOrder(orderId);
  return rec && (rec.status === 'ready' || rec.status === 'processing' || rec.status === 'valid') ? rec.orderUrl : undefined;
}

/** Applies the issuer's answer to the order's current attempt. */
export async function settleIssuance(d: RaDeps, order: OrderRecord, result: IssueResult): Promise<OrderRecord> {
  const now = d.clock.now();
  const attempt = { issuanceId: order.issuanceId };
  switch (result.state) {
    case 'issued': {
      const cert = await d.store.certificates.createForIssuance(certificateRecord(result, { orderId: order.id }, order.issuanceId!, now));
      return attach(d, order, cert);
    }
    case 'pending': {
      if (order.issuerHandle === result.handle) return order;
      const changed = await d.store.orders.transition(order.id, ['pending_issuance'], { issuerHandle: result.handle, updatedAt: now }, attempt);
      return changed ?? (await reread(d, order));
    }
    case 'failed':
      return failIssuance(d, order, result.reason);
  }
}

/**
 * Ends the current attempt without a certificate. A reissue that failed leaves the order issued with its
 * previous certificate (still valid) and says why; a first issuance fails.
 */
export async function failIssuance(d: RaDeps, order: OrderRecord, reason: string): Promise<OrderRecord> {
  const now = d.clock.now();
  const previous = order.replacesCertificateId ? await d.store.certificates.byId(order.replacesCertificateId) : undefined;
  const keepsPrevious = previous !== undefined && previous.revokedAt === null;
  const changes: Partial<OrderRecord> = keepsPrevious
    ? { status: 'issued', statusReason: `The reissue was refused: ${reason} The previous certificate stays valid.`, issuerHandle: null, replacesCertificateId: null, updatedAt: now }
    : { status: 'failed', statusReason: reason, issuerHandle: null, replacesCertificateId: null, updatedAt: now };
  const changed = await d.store.orders.transition(order.id, ['pending_issuance'], changes, { issuanceId: order.issuanceId });
  return changed ?? (await reread(d, order));
}

/** The attempt's certificate is on the order: issued (if still in that attempt), then the replacement finished. */
async function attach(d: RaDeps, order: OrderRecord, cert: CertificateRecord): Promise<OrderRecord> {
  const now = d.clock.now();
  const done = await transitionWithMail(
    d,
    order,
    ['pending_issuance'],
    { status: 'issued', statusReason: null, issuerHandle: null, updatedAt: now },
    { issuanceId: cert.issuanceId },
    {
      kind: 'issued',
      eventKey: `order.issued:${cert.issuanceId ?? cert.id}`,
      content: (links) =>
        issued({
          orderNumber: order.orderNumber,
          domains: order.domains,
          notAfter: cert.notAfter,
          orderUrl: links.order,
          apiUrl: `${links.base}/api/v1/tracking/certificate (with the order number and the CA Reference)`,
        }),
    },
  );
  return finishReplacement(d, done ?? (await reread(d, order)));
}

/** Revokes the certificate a reissue replaced (superseded), once its successor is on the order; idempotent. */
export async function finishReplacement(d: RaDeps, order: OrderRecord): Promise<OrderRecord> {
  if (order.status !== 'issued' || !order.replacesCertificateId) return order;
  const successor = order.issuanceId ? await d.store.certificates.byIssuance(order.issuanceId) : undefined;
  const replaced = await d.store.certificates.byId(order.replacesCertificateId);
  if (successor && replaced && replaced.id !== successor.id && !replaced.revokedAt) {
    if (await d.store.certificates.revoke(replaced.id, d.clock.now(), REVOCATION_REASONS.superseded, successor.id)) {
      try {
        await d.issuer.revoke?.(replaced.serialHex, REVOCATION_REASONS.superseded);
      } catch (err) {
        d.logger.error('issuance: upstream revocation of a replaced certificate failed', { order: order.orderNumber, error: (err as Error)?.name });
      }
    }
  }
  const cleared = await d.store.orders.transition(order.id, ['issued'], { replacesCertificateId: null }, { replacesCertificateId: order.replacesCertificateId });
  return cleared ?? (await reread(d, order));
}

/**
 * The order as it should be now: an issuance waiting at an upstream CA is polled; one nobody has moved for
 * a lease is finished (stored certificate attached), given up (past the give-up time) or submitted again;
 * an unfinished replacement is finished.
 */
export async function recoverTrackingOrder(d: RaDeps, order: OrderRecord): Promise<OrderRecord> {
  if (order.status === 'issued') return finishReplacement(d, order);
  if (order.status !== 'pending_issuance') return order;
  const now = d.clock.now().getTime();

  const started = order.issuanceStartedAt?.getTime() ?? order.updatedAt.getTime();
  const giveUp = () => {
    d.logger.error('issuance: given up', { order: order.orderNumber });
    return failIssuance(
      d,
      order,
      `Issuance did not complete within ${Math.round(giveUpMs(d) / 60_000)} minutes. Nothing was issued: request a reissue to try again.`,
    );
  };
  if (order.issuerHandle) {
    try {
      return await settleIssuance(d, order, await d.issuer.poll(order.issuerHandle));
    } catch (err) {
      d.logger.error('issuance: polling the issuer failed', { order: order.orderNumber, error: (err as Error)?.name });
      // An issuer still working may take its time; one that cannot be asked is given up after a while.
      return now - started >= giveUpMs(d) ? giveUp() : order;
    }
  }
  if (order.issuanceLeaseAt && now - order.issuanceLeaseAt.getTime() < leaseMs(d)) return order;

  const stored = order.issuanceId ? await d.store.certificates.byIssuance(order.issuanceId) : undefined;
  if (stored) return attach(d, order, stored);
  if (now - started >= giveUpMs(d)) return giveUp();
  const taken = await d.store.orders.transition(
    order.id,
    ['pending_issuance'],
    { issuanceLeaseAt: new Date(now) },
    { issuanceId: order.issuanceId, issuanceLeaseAt: order.issuanceLeaseAt },
  );
  if (!taken) return reread(d, order);
  d.logger.info('issuance: submitted again after an interruption', { order: order.orderNumber });
  return runIssuance(d, taken);
}

async function reread(d: RaDeps, order: OrderRecord): Promise<OrderRecord> {
  return (await d.store.orders.byId(order.id)) ?? order;
}
