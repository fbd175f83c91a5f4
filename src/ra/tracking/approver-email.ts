/**
 * Approver e-mail domain validation (Baseline Requirements §3.2.2.4.4, "Constructed Email to Domain
 * Contact"): a Random Value goes by mail to admin@, administrator@, webmaster@, hostmaster@ or postmaster@
 * the Authorization Domain Name, and whoever reads that mailbox confirms it, by the mailed link or by
 * entering the value. The BR's rules on the value:
 *   - a new, unique value per mail (§3.2.2.4.4: "each email MAY confirm control of multiple Authorization
 *     Domain Names"; we send one per name) with at least 112 bits of entropy (§1.6.1 "Random Value");
 *   - valid for a confirming response for no more than 30 days from its creation (§3.2.2.4.4);
 *   - a new mail retires the earlier values of that name (single use, so a value cannot confirm twice).
 * Only a keyed digest of the value is stored. The mail goes through the outbox, written with the value in
 * one atomic unit. The validation is then recorded like a file or DNS check (method `approver-email`), with
 * the same reuse window.
 */
import type { OrderRecord } from '../../core/store/types.js';
import { domainErrors } from '../../core/errors.js';
import { baseDomain } from '../../core/hostname.js';
import { randomSymbols, group } from '../../core/secrets/tokens.js';
import { DAY_MS } from '../../core/clock.js';
import { composeMail } from '../../mail/outbox.js';
import { approverValidation } from '../../mail/messages.js';
import type { RaDeps } from '../deps.js';
import { mailOn } from '../mail.js';
import { stillValid } from './validations.js';

export const APPROVER_LOCAL_PARTS = ['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster'] as const;
export type ApproverLocalPart = (typeof APPROVER_LOCAL_PARTS)[number];
export const APPROVER_METHOD = 'approver-email';
/** BR §3.2.2.4.4: the Random Value is valid for no more than 30 days from its creation. */
export const APPROVER_VALUE_TTL_MS = 30 * DAY_MS;
const PURPOSE = 'approver-email';
/** 24 symbols of 30: ≈ 118 bits, above the BR's 112. */
const VALUE_SYMBOLS = 24;

const digestOf = (d: RaDeps, value: string) => d.keyring.lookupDigest('approver-email', value.toUpperCase().replace(/[\s-]/g, ''));

/** Mails a Random Value for one name of the order to one constructed address; returns the address and the value's end. */
export async function sendApproverEmail(d: RaDeps, order: OrderRecord, domain: string, localPart: string): Promise<{ to: string; expiresAt: Date }> {
  if (!mailOn(d)) throw domainErrors.notFound('Approver e-mail validation needs mail settings, which this service does not have: use the file or DNS method.');
  if (order.status !== 'pending_validation') {
    throw domainErrors.wrongState(`Order ${order.orderNumber} is ${order.status}: only orders waiting for validation can be validated.`, { extensions: { orderStatus: order.status } });
  }
  if (!(APPROVER_LOCAL_PARTS as readonly string[]).includes(localPart)) {
    throw domainErrors.invalid(`approver: one of ${APPROVER_LOCAL_PARTS.join(', ')} (Baseline Requirements 3.2.2.4.4)`, 'approver');
  }
  const now = d.clock.now();
  const row = (await d.store.domainValidations.forOrder(order.id)).find((v) => v.domain === domain);
  if (!row) throw domainErrors.invalid(`domain: ${JSON.stringify(domain.slice(0, 80))} is not a name of this order`, 'domain');
  if (stillValid(row, now)) throw domainErrors.wrongState(`${domain} is validated already.`);
  // The Authorization Domain Name: the name without a wildcard's "*." (BR §1.6.1).
  const to = `${localPart}@${baseDomain(domain)}`;
  const value = group(randomSymbols(VALUE_SYMBOLS), 4);
  const expiresAt = new Date(now.getTime() + APPROVER_VALUE_TTL_MS);
  const digest = await digestOf(d, value);
  const base = d.config.baseUrl!;
  const content = approverValidation({ domain, orderNumber: order.orderNumber, value, link: `${base}/portal/approve?value=${value}`, expiresAt });
  const mail = await composeMail(d, 'approver-validation', `approver:${row.id}:${digest.slice(0, 24)}`, to, content);
  await d.store.mail.issueToken({ digest, purpose: PURPOSE, subjectId: `${order.id}|${domain}`, createdAt: now, expiresAt, usedAt: null }, [mail]);
  return { to, expiresAt };
}

/**
 * The approver confirms with the value (from the link or typed): the name is validated, and the order moves
 * on as after any validation. Returns the order as it is afterwards.
 */
export async function confirmApproverEmail(d: RaDeps, value: string, moveOn: (o: OrderRecord) => Promise<OrderRecord>): Promise<OrderRecord> {
  const cleaned = value.trim();
  const invalid = () => domainErrors.invalid('value: not a valid approval value: it was used already, has expired (30 days) or was replaced by a newer mail.', 'value');
  if (!/^[2-9A-Za-z -]{10,60}$/.test(cleaned)) throw invalid();
  const now = d.clock.now();
  const used = await d.store.mail.useToken(await digestOf(d, cleaned), PURPOSE, now);
  if (!used) throw invalid();
  const [orderId, domain] = used.subjectId.split('|') as [string, string];
  const order = await d.store.orders.byId(orderId);
  const row = order && (await d.store.domainValidations.forOrder(order.id)).find((v) => v.domain === domain);
  if (!order || !row) throw invalid();
  await d.store.domainValidations.update(
    row.id,
    { status: 'valid', method: APPROVER_METHOD, lastCheckedAt: now, validatedAt: now, lastResult: JSON.stringify({ [APPROVER_METHOD]: 'confirmed by the approver' }) },
    { token: row.token },
  );
  return order.status === 'pending_validation' ? moveOn(order) : order;
}
