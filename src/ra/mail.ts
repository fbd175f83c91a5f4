/**
 * The RA's mails: a transition that the customer hears about writes its mail in the same atomic unit
 * (store.mail.transitionOrder), so a crash never loses the mail of a change that happened nor sends one of a
 * change that did not. Without mail settings the transition is the plain one and nothing is written.
 */
import type { OrderRecord, OrderStatus } from '../core/store/types.js';
import { composeMail } from '../mail/outbox.js';
import type { MailKind } from '../mail/messages.js';
import type { MailContent } from '../mail/render.js';
import { orderUrl } from '../mail/messages.js';
import type { RaDeps } from './deps.js';

export interface OrderMail {
  kind: MailKind;
  /** Unique per event: a racing request that makes the same change writes no second mail. */
  eventKey: string;
  content: (links: { order: string; base: string }) => MailContent;
}

export const mailOn = (d: RaDeps): boolean => d.config.mail !== undefined && d.config.baseUrl !== undefined;

export async function transitionWithMail(
  d: RaDeps,
  order: OrderRecord,
  from: readonly OrderStatus[],
  changes: Partial<OrderRecord>,
  match: Partial<Pick<OrderRecord, 'issuanceId' | 'issuanceLeaseAt' | 'replacesCertificateId'>> | undefined,
  mail: OrderMail | undefined,
): Promise<OrderRecord | undefined> {
  const customer = mail && mailOn(d) ? await d.store.customers.byId(order.customerId) : undefined;
  if (!mail || !customer) return d.store.orders.transition(order.id, from, changes, match);
  const base = d.config.baseUrl!;
  const row = await composeMail(d, mail.kind, mail.eventKey, customer.email, mail.content({ base, order: orderUrl(base, order.orderNumber) }));
  return d.store.mail.transitionOrder(order.id, from, changes, match, [row]);
}
