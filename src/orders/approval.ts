/** Organization validation by an operator: OV/EV orders wait after DV until approved or rejected. */
import type { Clock } from '../core/clock.js';
import type { Store, OrderRecord } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import type { Issuer } from '../ca/issuer.js';
import { issueOrder } from '../issuance/order-issuance.js';

export interface ApprovalDeps {
  store: Store;
  clock: Clock;
  issuer: Issuer;
}

async function waitingOrder(store: Store, orderNumber: string): Promise<OrderRecord> {
  const order = await store.orders.byNumber(orderNumber);
  if (!order) throw problems.notFound(`orderNumber: no order ${JSON.stringify(orderNumber.slice(0, 40))}`, { field: 'orderNumber' });
  if (order.status !== 'pending_approval') {
    throw problems.conflict(`Order ${order.orderNumber} is ${order.status}; only orders waiting for approval (pending_approval) can be approved or rejected.`, {
      orderStatus: order.status,
    });
  }
  return order;
}

export async function approveOrder(deps: ApprovalDeps, orderNumber: string): Promise<OrderRecord> {
  return issueOrder(deps, await waitingOrder(deps.store, orderNumber));
}

export async function rejectOrder(deps: ApprovalDeps, orderNumber: string, reason: string): Promise<OrderRecord> {
  const order = await waitingOrder(deps.store, orderNumber);
  const text = reason.trim();
  if (!text) throw problems.validation('reason: a reason the customer can read is required', { field: 'reason' });
  const changes = { status: 'rejected' as const, statusReason: text.slice(0, 500), updatedAt: deps.clock.now() };
  await deps.store.orders.update(order.id, changes);
  return { ...order, ...changes };
}
