/**
 * Retention (issue 13 part 6), the RA's part of the periodic purge: what is no longer needed goes, after
 * the periods of src/core/retention.ts. Personal data of a closed tracking order is erased by a conditional
 * transition from the status it was read in (the RA owns order state); the order, its certificates and
 * what the certificate carries stay. Bounded batches; instances running it at once do not collide.
 */
import type { OrderRecord, Organization } from '../core/store/types.js';
import { retentionCutoffs } from '../core/retention.js';
import type { RaDeps } from './deps.js';

export const RETENTION_BATCH = 200;

export interface RetentionReport {
  eabViews: number;
  acmeOrders: number;
  ordersErased: number;
  validationRecords: number;
}

/** The organization without what the certificate does not carry (e-mail address, unit). */
export function withoutPersonalData(org: Organization): Organization {
  const { email: _email, unit: _unit, ...kept } = org;
  return kept;
}

/** Erases an order's CSR and the organization's e-mail and unit; false when another request changed the order first. */
export async function eraseOrderPersonalData(d: RaDeps, order: OrderRecord): Promise<boolean> {
  // updatedAt is left alone: it dates the closing, which the later retention steps count from.
  const changed = await d.store.orders.transition(order.id, [order.status], { csrPem: '', organization: withoutPersonalData(order.organization) });
  return changed !== undefined;
}

export async function purgeRetention(d: RaDeps): Promise<RetentionReport> {
  const cut = retentionCutoffs(d.clock.now());
  const r = d.store.retention;
  const eabViews = await r.purgeEabViews(cut.eabViews);
  const acmeOrders = await r.purgeAcmeOrders(cut.acmeState);
  let ordersErased = 0;
  for (const o of await r.closedOrdersWithPersonalData(cut.closedOrderPersonalData, RETENTION_BATCH)) {
    if (await eraseOrderPersonalData(d, o)) ordersErased++;
  }
  const validationRecords = await r.purgeValidationsOfOrdersClosedBefore(cut.validationRecords);
  return { eabViews, acmeOrders, ordersErased, validationRecords };
}

export interface AccountOrdersReport {
  closed: number;
  erased: number;
}

/**
 * An account deleted by its owner: its open orders are closed (rejected, with the reason) and every order's
 * personal data is erased at once. Orders and certificates stay (a certificate stays valid until it
 * expires; the CA keeps its records). An order being issued right now is left to finish; the retention
 * purge erases it once it has closed.
 */
export async function closeOrdersOfDeletedAccount(d: RaDeps, customerId: string): Promise<AccountOrdersReport> {
  const now = d.clock.now();
  const report: AccountOrdersReport = { closed: 0, erased: 0 };
  for (const o of await d.store.orders.listByCustomer(customerId)) {
    if (o.status === 'pending_issuance') continue;
    const erase = { csrPem: '', organization: withoutPersonalData(o.organization) };
    if (o.status === 'pending_validation' || o.status === 'pending_approval') {
      const changed = await d.store.orders.transition(o.id, [o.status], {
        ...erase,
        status: 'rejected',
        statusReason: 'Closed: the account was deleted by its owner.',
        updatedAt: now,
      });
      if (changed) report.closed++;
    } else if (await d.store.orders.transition(o.id, [o.status], erase)) report.erased++;
  }
  return report;
}
