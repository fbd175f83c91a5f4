/**
 * Renewal of a tracking order: a follow-up order with the same product, names and organization, placed
 * while the renewed order's certificate stays valid until it expires (nothing is revoked or replaced).
 * The renewed order's link is a unique column of the new order, so the insert itself is the conditional
 * step: of two clicks (or two parallel requests) exactly one places an order, the other gets `conflict`
 * naming the renewal that exists. Validations still inside the Baseline Requirements' reuse windows
 * (domain control, and an OV/EV organization's approval) are carried over, so a timely renewal is issued
 * without the customer publishing anything again; the others start with new random values.
 */
import type { OrderRecord, OrderStatus } from '../../core/store/types.js';
import { domainErrors } from '../../core/errors.js';
import type { RaDeps } from '../deps.js';
import { organizationValidationReusable } from '../reuse.js';
import { createValidations, stillValid } from './validations.js';

/** Orders with a certificate (live, or expired): a renewal follows them. Others are still under way or closed. */
export const RENEWABLE: readonly OrderStatus[] = ['issued'];

export class TrackingRenewal {
  constructor(private readonly d: RaDeps) {}

  /** Throws a domain error when `previous` cannot be renewed now (wrong state, or renewed already). */
  async assertRenewable(previous: OrderRecord): Promise<void> {
    if (!RENEWABLE.includes(previous.status)) {
      throw domainErrors.wrongState(
        `Order ${previous.orderNumber} is ${previous.status}; only an order with an issued certificate can be renewed.`,
        { extensions: { orderStatus: previous.status } },
      );
    }
    const existing = await this.d.store.orders.renewalOf(previous.id);
    if (existing) throw this.renewedAlready(previous, existing);
  }

  /**
   * Places `next` (built by the caller: new order number, CA Reference, CSR) as the renewal of `previous`.
   * The caller has made the key pair before this call; `afterClaim` runs only for the request that won
   * (the AutoCSR unlock code is stored there, so a losing request stores nothing).
   */
  async place(previous: OrderRecord, next: OrderRecord, afterClaim: (o: OrderRecord) => Promise<void> = async () => {}): Promise<OrderRecord> {
    const d = this.d;
    await this.assertRenewable(previous);
    const now = d.clock.now();
    const order: OrderRecord = {
      ...next,
      product: previous.product,
      domains: [...previous.domains],
      organization: { ...previous.organization },
      customerId: previous.customerId,
      renewsOrderId: previous.id,
      approvedAt: previous.product !== 'dv' && organizationValidationReusable(previous.approvedAt, now) ? previous.approvedAt : null,
      status: 'pending_validation',
    };
    try {
      await d.store.orders.create(order);
    } catch (err) {
      // The unique link: another request renewed it first (any other failure surfaces as it is).
      const winner = await d.store.orders.renewalOf(previous.id);
      if (winner && winner.id !== order.id) throw this.renewedAlready(previous, winner);
      throw err;
    }
    await createValidations(d.store, d.keyring, order);
    await this.carryOverValidations(previous, order, now);
    await afterClaim(order);
    return order;
  }

  /** Domain validations of the renewed order still inside their reuse window back the renewal too. */
  private async carryOverValidations(previous: OrderRecord, order: OrderRecord, now: Date): Promise<void> {
    const store = this.d.store.domainValidations;
    const before = new Map((await store.forOrder(previous.id)).filter((v) => stillValid(v, now)).map((v) => [v.domain, v]));
    for (const v of await store.forOrder(order.id)) {
      const old = before.get(v.domain);
      if (!old) continue;
      await store.update(
        v.id,
        { status: 'valid', method: old.method, validatedAt: old.validatedAt, lastCheckedAt: old.lastCheckedAt, lastResult: old.lastResult },
        { token: v.token, status: 'pending' },
      );
    }
  }

  private renewedAlready(previous: OrderRecord, renewal: OrderRecord) {
    return domainErrors.conflict(`Order ${previous.orderNumber} was renewed already, by order ${renewal.orderNumber}.`, {
      extensions: { renewalOrderNumber: renewal.orderNumber },
    });
  }
}
