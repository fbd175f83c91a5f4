/**
 * State changes of orders and authorizations (RFC 8555 §7.1.6) that more than one handler needs:
 * expiry on read, the order becoming ready or invalid with its authorizations, and the end of issuance
 * (at once from the embedded CA, or later by polling an upstream issuer while the order is processing).
 * Each change is conditional on the state it starts from, so concurrent requests settle on one outcome.
 */
import type { Services } from '../../api/context.js';
import { acmeProblems, type Problem } from '../../core/problem.js';
import type { AcmeAuthorizationRecord, AcmeOrderRecord, AcmeOrderStatus } from '../../core/store/acme.js';
import { certificateRecord } from '../../issuance/certificate-record.js';
import type { IssueResult } from '../../ca/issuer.js';

/** Orders (and their pending authorizations) live 7 days. */
export const ORDER_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** What a client is told to wait between polls of a processing order when the issuer gives no hint. */
export const DEFAULT_RETRY_AFTER_SECONDS = 3;

const identifierKey = (wildcard: boolean, value: string) => (wildcard ? `*.${value}` : value);

/** The ordered name an authorization stands for ("*.example.com" for a wildcard authorization). */
export const authorizationName = (a: AcmeAuthorizationRecord): string => identifierKey(a.wildcard, a.identifierValue);

/** An authorization past its expiry becomes `expired` (pending or valid ones only). */
export async function currentAuthorization(s: Services, a: AcmeAuthorizationRecord): Promise<AcmeAuthorizationRecord> {
  if ((a.status === 'pending' || a.status === 'valid') && s.clock.now() >= a.expires) {
    await s.store.acme.authorizations.update(a.id, { status: 'expired' }, [a.status]);
    return { ...a, status: 'expired' };
  }
  return a;
}

/** The order's authorizations in the order of its identifiers. */
export async function orderAuthorizations(s: Services, o: AcmeOrderRecord): Promise<AcmeAuthorizationRecord[]> {
  const rows = await s.store.acme.authorizations.forOrder(o.id);
  const rank = new Map(o.identifiers.map((id, i) => [id.value, i]));
  return rows.sort((a, b) => (rank.get(authorizationName(a)) ?? 0) - (rank.get(authorizationName(b)) ?? 0));
}

async function setOrder(
  s: Services,
  o: AcmeOrderRecord,
  changes: Partial<AcmeOrderRecord>,
  from: AcmeOrderStatus[],
): Promise<AcmeOrderRecord | undefined> {
  if (!(await s.store.acme.orders.update(o.id, changes, from))) return undefined;
  return { ...o, ...changes };
}

/** Marks the order invalid with `problem` (from pending, ready or processing); returns the order as it is now. */
export async function invalidateOrder(s: Services, o: AcmeOrderRecord, problem: Problem): Promise<AcmeOrderRecord> {
  const changed = await setOrder(s, o, { status: 'invalid', error: problem.toJSON(), issuerHandle: null }, ['pending', 'ready', 'processing']);
  return changed ?? (await s.store.acme.orders.byId(o.id)) ?? o;
}

/** After an authorization became valid: the order is ready once all of its authorizations are. */
export async function orderAfterValidation(s: Services, orderId: string): Promise<void> {
  await s.store.acme.orders.readyIfAuthorized(orderId);
}

/**
 * The order as a client should see it now: expired orders become invalid; a processing order with an
 * issuer handle is polled (and completed when the certificate has arrived).
 */
export async function currentOrder(s: Services, o: AcmeOrderRecord): Promise<AcmeOrderRecord> {
  const now = s.clock.now();
  if ((o.status === 'pending' || o.status === 'ready') && now >= o.expires) {
    return invalidateOrder(s, o, acmeProblems.malformed(`The order expired on ${o.expires.toISOString()} before it was finalized.`));
  }
  if (o.status === 'processing' && o.issuerHandle) {
    const account = await s.store.acme.accounts.byId(o.accountId);
    if (!account) return o;
    return settleIssuance(s, o, account.subscriptionId, await s.issuer.poll(o.issuerHandle));
  }
  return o;
}

/**
 * Applies what the issuer answered to a processing order: the certificate is stored and the order made
 * valid (the subscription's count goes up once, by whoever wins the transition), the handle is kept for
 * the next poll, or the order becomes invalid with the issuer's reason.
 */
export async function settleIssuance(
  s: Services,
  o: AcmeOrderRecord,
  subscriptionId: string,
  result: IssueResult,
): Promise<AcmeOrderRecord> {
  switch (result.state) {
    case 'issued': {
      const now = s.clock.now();
      const record = certificateRecord(result, { acmeOrderId: o.id }, now);
      let certificateId = record.id;
      try {
        await s.store.certificates.create(record);
      } catch (err) {
        // A second poll of the same upstream request: the certificate (unique serial) is stored already.
        const existing = await s.store.certificates.bySerial(result.serialHex);
        if (!existing) throw err;
        certificateId = existing.id;
      }
      const done = await setOrder(s, o, { status: 'valid', certificateId, issuerHandle: null, error: null }, ['processing']);
      if (!done) return (await s.store.acme.orders.byId(o.id)) ?? o;
      await s.caas.recordIssued(subscriptionId);
      return done;
    }
    case 'pending': {
      if (o.issuerHandle === result.handle) return o;
      return (await setOrder(s, o, { issuerHandle: result.handle }, ['processing'])) ?? o;
    }
    case 'failed':
      return invalidateOrder(s, o, acmeProblems.badCSR(`The certificate authority refused the request: ${result.reason}`));
  }
}

/** Retry-After for a processing order (RFC 8555 §7.4): the issuer's hint, or a few seconds. */
export function retryAfter(o: AcmeOrderRecord, hintSeconds?: number): Record<string, string> {
  return o.status === 'processing' ? { 'retry-after': String(hintSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) } : {};
}
