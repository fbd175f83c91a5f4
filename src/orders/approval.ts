/** Organization validation by an operator: OV/EV orders wait after DV until approved or rejected (the RA decides). */
import type { Store, OrderRecord } from '../core/store/types.js';
import { domainErrors } from '../core/errors.js';
import type { RegistrationAuthority } from '../ra/index.js';

export interface ApprovalDeps {
  store: Store;
  ra: RegistrationAuthority;
}

async function byNumber(store: Store, orderNumber: string): Promise<OrderRecord> {
  const order = await store.orders.byNumber(orderNumber);
  if (!order) throw domainErrors.notFound(`orderNumber: no order ${JSON.stringify(orderNumber.slice(0, 40))}`, { field: 'orderNumber' });
  return order;
}

export async function approveOrder(deps: ApprovalDeps, orderNumber: string): Promise<OrderRecord> {
  return deps.ra.tracking.approve(await byNumber(deps.store, orderNumber));
}

export async function rejectOrder(deps: ApprovalDeps, orderNumber: string, reason: string): Promise<OrderRecord> {
  return deps.ra.tracking.reject(await byNumber(deps.store, orderNumber), reason);
}
