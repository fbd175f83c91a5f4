/**
 * Renewal of a tracking order: a follow-up order with the same product, names and organization, placed
 * while the renewed order's certificate stays valid until it expires (nothing is revoked or replaced).
 * The renewed order's link is a unique column of the new order, so the insert itself is the conditional
 * step: of two clicks (or two parallel requests) exactly one places an order, the other gets `conflict`
 * naming the renewal that exists. Validations still inside the Baseline Requirements' reuse windows
 * (domain control, and an OV/EV organization's approval) are carried over, so a timely renewal is issued
 * without the customer publishing anything again; the others start with new random values.
 */
import type { DomainValidationRecord, OrderRecord, OrderStatus, UnlockCodeRecord } from '../../core/store/types.js';
import type { OutboxMail } from '../../core/store/mail.js';
import { domainErrors } from '../../core/errors.js';
import type { RaDeps } from '../deps.js';
import { organizationValidationReusable } from '../reuse.js';
import { buildValidations, stillValid } from './validations.js';

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
   * The order, its validations (those still reusable carried over), and what `extras` adds for it (the
   * AutoCSR unlock code, the shipment notice) are written as one atomic unit, so a losing request or a
   * crash leaves none of them behind.
   */
  async place(
    previous: OrderRecord,
    next: OrderRecord,
    extras: (o: OrderRecord, v: DomainValidationRecord[]) => Promise<{ unlockCode?: UnlockCodeRecord; mails: OutboxMail[] }> = async () => ({ mails: [] }),
  ): Promise<OrderRecord> {
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
    const validations = await this.carryOver(previous, await buildValidations(d.keyring, order), now);
    const { unlockCode, mails } = await extras(order, validations);
    try {
      await d.store.mail.placeOrder({ order, validations, unlockCode }, mails);
    } catch (err) {
      // The unique link: another request renewed it first (any other failure surfaces as it is).
      const winner = await d.store.orders.renewalOf(previous.id);
      if (winner && winner.id !== order.id) throw this.renewedAlready(previous, winner);
      throw err;
    }
    return order;
  }

  /** Domain validations of the renewed order still inside their reuse window back the renewal too. */
  private async carryOver(previous: OrderRecord, fresh: DomainValidationRecord[], now: Date): Promise<DomainValidationRecord[]> {
    const before = new Map((await this.d.store.domainValidations.forOrder(previous.id)).filter((v) => stillValid(v, now)).map((v) => [v.domain, v]));
    return fresh.map((v) => {
      const old = before.get(v.domain);
      return old ? { ...v, status: 'valid', method: old.method, validatedAt: old.validatedAt, lastCheckedAt: old.lastCheckedAt, lastResult: old.lastResult } : v;
    });
  }

  private renewedAlready(previous: OrderRecord, renewal: OrderRecord) {
    return domainErrors.conflict(`Order ${previous.orderNumber} was renewed already, by order ${renewal.orderNumber}.`, {
      extensions: { renewalOrderNumber: renewal.orderNumber },
    });
  }
}
