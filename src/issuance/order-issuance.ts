/**
 * Turns a validated (and, for OV/EV, approved) order into a certificate through the Issuer, and records
 * the outcome: issued (certificate row), pending at an upstream CA (handle kept, polled later) or failed.
 */
import type { Clock } from '../core/clock.js';
import type { Store, OrderRecord, CertificateRecord } from '../core/store/types.js';
import { certificateRecord } from './certificate-record.js';
import type { Issuer, IssueResult } from '../ca/issuer.js';
import { REVOCATION_REASONS } from '../ca/revocation.js';

export interface IssuanceDeps {
  store: Store;
  clock: Clock;
  issuer: Issuer;
}

async function record(deps: IssuanceDeps, order: OrderRecord, result: IssueResult, replacing?: CertificateRecord): Promise<OrderRecord> {
  const now = deps.clock.now();
  let changes: Partial<OrderRecord>;
  if (result.state === 'issued') {
    const cert = certificateRecord(result, { orderId: order.id }, now);
    await deps.store.certificates.create(cert);
    // The replaced certificate is revoked only once its successor exists.
    if (replacing && !replacing.revokedAt) {
      await deps.store.certificates.revoke(replacing.id, now, REVOCATION_REASONS.superseded, cert.id);
      await deps.issuer.revoke?.(replacing.serialHex, REVOCATION_REASONS.superseded);
    }
    changes = { status: 'issued', statusReason: null, issuerHandle: null, updatedAt: now };
  } else if (result.state === 'pending') {
    changes = { status: 'pending_issuance', statusReason: null, issuerHandle: result.handle, updatedAt: now };
  } else {
    changes = { status: 'failed', statusReason: result.reason, issuerHandle: null, updatedAt: now };
  }
  await deps.store.orders.update(order.id, changes);
  return { ...order, ...changes };
}

export async function issueOrder(deps: IssuanceDeps, order: OrderRecord, replacing?: CertificateRecord): Promise<OrderRecord> {
  const result = await deps.issuer.submit({
    orderId: order.id,
    product: order.product,
    domains: order.domains,
    csrPem: order.csrPem,
    organization: order.product === 'dv' ? undefined : order.organization,
  });
  return record(deps, order, result, replacing);
}

/** Asks the issuer again about an order waiting at an upstream CA. */
export async function pollOrder(deps: IssuanceDeps, order: OrderRecord): Promise<OrderRecord> {
  if (order.status !== 'pending_issuance' || !order.issuerHandle) return order;
  const result = await deps.issuer.poll(order.issuerHandle);
  if (result.state === 'pending') return order;
  const latest = await deps.store.certificates.latestForOrder(order.id);
  return record(deps, order, result, latest && !latest.revokedAt ? latest : undefined);
}
