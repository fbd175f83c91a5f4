/**
 * finalize (RFC 8555 §7.4) and the issuance of ACME orders, crash-safe at every line. In this order:
 *   1. the order is `ready` (else `wrongState`, orderNotReady on the wire) and its authorizations still
 *      back issuance (expiry, deactivation, the Baseline Requirements' reuse window);
 *   2. the plan still allows a certificate (a read, for a clear refusal) and `replaces` is still open;
 *   3. CAA for every DNS name, immediately before issuance; a refusal makes the order invalid;
 *   4. ready → processing with the CSR kept on the order (one request wins), and in the same atomic unit
 *   5. one of the plan's certificates is reserved (conditional, idempotent per order) only if the claim took;
 *      none left → the order is invalid;
 *   6. the issuer: issued → the certificate is stored under the order's id (unique) and the order valid;
 *      pending → the handle is kept and polled on each read; refused → invalid, reservation released.
 * An order left `processing` by a crash is picked up by `recoverAcmeOrder` (on the next read, or the
 * periodic job): a stored certificate is attached, a lapsed lease is taken over and the stored CSR
 * submitted again, and after the give-up time the order becomes invalid and the reservation is released.
 */
import { loadX509, x509 } from '../../core/x509-lazy.js';
import { DAY_MS } from '../../core/clock.js';
import { domainErrors, toDoc, DomainError } from '../../core/errors.js';
import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeOrderRecord } from '../../core/store/acme.js';
import type { IssueResult } from '../../ca/issuer.js';
import { certificateRecord } from '../certificate-record.js';
import { caaError, caaRefusals } from '../caa.js';
import { DEFAULT_PROFILE, PROFILES } from '../profiles.js';
import { giveUpMs, leaseMs, type RaDeps } from '../deps.js';
import { authorizationName, type AcmeOrders } from './orders.js';
import { delegationTargets } from './delegation.js';
import type { PlanAllowance } from '../../caas/acme-policy.js';
import { isWildcard } from '../../core/hostname.js';
import { withChanges } from '../../core/with-changes.js';

/** What a client is told to wait between polls of a processing order when the issuer gives no hint. */
export const DEFAULT_RETRY_AFTER_SECONDS = 3;

export interface FinalizeCsr {
  pem: string;
  commonName: string | undefined;
}

export interface Outcome {
  order: AcmeOrderRecord;
  /** The order's authorizations, when the step read them anyway (finalize): the edge need not read them again. */
  authorizations?: AcmeAuthorizationRecord[];
  /** For a processing order: seconds until the client should look again. */
  retryAfterSeconds?: number;
}

const NOT_READY: Record<AcmeOrderRecord['status'], string> = {
  pending: 'The order is pending: every authorization must be valid before it can be finalized.',
  ready: 'The order is ready.',
  processing: 'The order is being finalized already.',
  valid: 'The order was finalized already: download its certificate.',
  invalid: 'The order is invalid: place a new order.',
};

/** A processing order's changes once its certificate is stored. */
const validWith = (certificateId: string) => ({ status: 'valid' as const, certificateId, issuerHandle: null, error: null });

export const notReady = (o: AcmeOrderRecord) => domainErrors.wrongState(NOT_READY[o.status], { extensions: { orderStatus: o.status } });

/** Validity asked for at `at`: the order's notAfter, else its profile's days (undefined = the plan's maximum). */
function requestedDays(o: AcmeOrderRecord, at: Date): number | undefined {
  if (o.notAfter) return Math.max(1, Math.ceil((o.notAfter.getTime() - at.getTime()) / DAY_MS));
  return PROFILES[o.profile ?? DEFAULT_PROFILE]?.validityDays;
}

export class AcmeIssuance {
  constructor(
    private readonly d: RaDeps,
    private readonly orders: AcmeOrders,
  ) {}

  async finalize(account: AcmeAccountRecord, order: AcmeOrderRecord, csr: FinalizeCsr, accountUri: string): Promise<Outcome> {
    const d = this.d;
    // 1.
    let o = (await this.current(order)).order;
    if (o.status !== 'ready') throw notReady(o);
    const authzs = await this.orders.authorizations(o);
    const lapsed = await this.orders.authorizationsLapsed(o, authzs);
    if (lapsed) {
      await this.orders.invalidate(o, toDoc(lapsed));
      throw lapsed;
    }
    // 2.
    const names = o.identifiers.map((i) => i.value);
    let allowance: PlanAllowance;
    try {
      allowance = await d.plans.check(account.subscriptionId, {
        names,
        wildcard: names.some(isWildcard),
        validityDays: requestedDays(o, d.clock.now()),
      });
    } catch (err) {
      // A parallel finalize of this very order may have taken the plan's last certificate: say what it did.
      const now = await this.reread(o);
      if (now.status !== 'ready') throw notReady(now);
      throw err;
    }
    if (o.replaces) {
      const others = await d.store.acme.orders.replacing(o.replaces);
      if (others.some((x) => x.id !== o.id && (x.status === 'valid' || x.status === 'processing'))) {
        throw domainErrors.alreadyReplaced(`Certificate ${o.replaces} was already replaced by another finalized order.`);
      }
    }
    // 3. CAA (RFC 8659) is a property of DNS names only: IP addresses have no CAA records.
    const challenges = await d.store.acme.challenges.forAuthorizations(authzs.map((a) => a.id));
    const refusals = await caaRefusals(
      d.va,
      authzs
        .filter((a) => a.identifierType !== 'ip')
        .map((a) => ({ name: authorizationName(a), method: challenges.find((ch) => ch.authzId === a.id && ch.status === 'valid')?.type })),
      accountUri,
    );
    if (refusals.length > 0) {
      const err = caaError(refusals);
      await this.orders.invalidate(o, toDoc(err));
      // An authorization CAA refuses (e.g. RFC 8657 validationmethods) cannot back issuance: it is not
      // offered for reuse again, so the next order validates afresh (e.g. by another method).
      const refused = new Set(refusals.map((r) => r.name));
      for (const a of authzs) if (refused.has(authorizationName(a))) await d.store.acme.authorizations.update(a.id, { status: 'revoked' }, ['valid']);
      throw err;
    }
    // 4. and 5., in one unit (one commit): the claim, and the reservation only if the claim took.
    const now = d.clock.now();
    const claim = { status: 'processing' as const, csrPem: csr.pem, processingStartedAt: now, leaseAt: now };
    let claimed: boolean;
    try {
      claimed = await d.plans.claimAndReserve(account.subscriptionId, o.id, csr.pem, now);
    } catch (err) {
      if (err instanceof DomainError) await this.orders.invalidate(withChanges(o, claim), toDoc(err));
      throw err;
    }
    if (!claimed) throw notReady((await d.store.acme.orders.byId(o.id)) ?? o);
    o = withChanges(o, claim);
    // 6.
    return withChanges(await this.submit(o, account.subscriptionId, csr.commonName, allowance.maxValidityDays), { authorizations: authzs });
  }

  /** Reserves the plan's certificate (recovery: the order was claimed before), then submits (below). */
  private async issue(o: AcmeOrderRecord, subscriptionId: string, commonName: string | undefined): Promise<Outcome> {
    try {
      await this.d.plans.reserve(subscriptionId, o.id);
    } catch (err) {
      if (err instanceof DomainError) await this.orders.invalidate(o, toDoc(err));
      throw err;
    }
    return this.submit(o, subscriptionId, commonName);
  }

  /**
   * Submits the stored CSR of a processing order that holds its reservation, and settles the answer.
   * `planMaxDays`: the plan's longest validity when the caller has just read the plan (finalize), else it is
   * read here.
   */
  private async submit(o: AcmeOrderRecord, subscriptionId: string, commonName: string | undefined, planMaxDays?: number): Promise<Outcome> {
    const d = this.d;
    const ipAddresses = o.identifiers.filter((i) => i.type === 'ip').map((i) => i.value);
    const dnsNames = o.identifiers.filter((i) => i.type !== 'ip').map((i) => i.value);
    // The CN is the CSR's when it is one of the DNS names, else the first DNS name; an IP-only order has none.
    const cn = commonName && dnsNames.includes(commonName) ? commonName : undefined;
    const domains = cn ? [cn, ...dnsNames.filter((n) => n !== cn)] : dnsNames;
    let result: IssueResult;
    try {
      result = await d.issuer.submit({
        orderId: o.id,
        product: 'dv',
        domains,
        ...(ipAddresses.length ? { ipAddresses } : {}),
        csrPem: o.csrPem!,
        delegation: await delegationTargets(d, subscriptionId, dnsNames),
        caas: true,
        validityDays: requestedDays(o, d.clock.now()) ?? planMaxDays ?? (await d.plans.maxValidityDays(subscriptionId)),
      });
    } catch (err) {
      // Kept processing: recovery submits the stored CSR again after the lease, and gives up later.
      d.logger.error('acme issuance: the issuer failed', { order: o.id, error: (err as Error)?.name });
      return { order: o, retryAfterSeconds: Math.max(DEFAULT_RETRY_AFTER_SECONDS, d.config.issuance.leaseSeconds) };
    }
    return this.settle(o, result);
  }

  /** Applies the issuer's answer to a processing order. */
  private async settle(o: AcmeOrderRecord, result: IssueResult): Promise<Outcome> {
    const d = this.d;
    switch (result.state) {
      case 'issued': {
        // Stored and attached in one unit: a crash leaves either neither or both.
        const record = withChanges(certificateRecord(result, { acmeOrderId: o.id }, o.id, d.clock.now()), { acmeOrderId: o.id });
        const { certificate, attached } = await d.store.certificates.createForAcmeOrder(record);
        return { order: attached ? withChanges(o, validWith(certificate.id)) : await this.reread(o) };
      }
      case 'pending': {
        if (o.issuerHandle === result.handle) return { order: o, retryAfterSeconds: result.retryAfterSeconds };
        const changed = await d.store.acme.orders.update(o.id, { issuerHandle: result.handle }, ['processing']);
        return { order: changed ? withChanges(o, { issuerHandle: result.handle }) : await this.reread(o), retryAfterSeconds: result.retryAfterSeconds };
      }
      case 'failed': {
        const err = domainErrors.issuerRefused(result.reason);
        const order = await this.orders.invalidate(o, toDoc(err));
        if (order.status === 'invalid') throw err;
        return { order };
      }
    }
  }

  private async attach(o: AcmeOrderRecord, certificateId: string): Promise<AcmeOrderRecord> {
    const changes = validWith(certificateId);
    if (await this.d.store.acme.orders.update(o.id, changes, ['processing'])) return withChanges(o, changes);
    return this.reread(o);
  }

  /**
   * The order as a client should see it now: expired orders become invalid; a processing order is polled
   * at its issuer, or, when nobody has moved it for a lease (a crash), finished or submitted again.
   */
  async current(o: AcmeOrderRecord): Promise<Outcome> {
    const d = this.d;
    const now = d.clock.now();
    if ((o.status === 'pending' || o.status === 'ready') && now >= o.expires) {
      const err = domainErrors.invalid(`The order expired on ${o.expires.toISOString()} before it was finalized.`);
      return { order: await this.orders.invalidate(o, toDoc(err)) };
    }
    if (o.status !== 'processing') return { order: o };
    if (o.issuerHandle) {
      try {
        const settled = await this.settle(o, await d.issuer.poll(o.issuerHandle));
        return settled;
      } catch (err) {
        if (err instanceof DomainError) return { order: await this.reread(o) };
        d.logger.error('acme issuance: polling the issuer failed', { order: o.id, error: (err as Error)?.name });
        // An issuer still working may take its time; one that cannot be asked is given up after a while.
        if (now.getTime() - (o.processingStartedAt ?? o.createdAt).getTime() >= giveUpMs(d)) return { order: await this.giveUp(o) };
        return { order: o, retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS };
      }
    }
    const leaseLeft = o.leaseAt ? leaseMs(d) - (now.getTime() - o.leaseAt.getTime()) : 0;
    if (leaseLeft > 0) return { order: o, retryAfterSeconds: Math.max(1, Math.ceil(leaseLeft / 1000)) };
    return this.recover(o);
  }

  /** A processing order nobody has moved for a lease: attach, give up, or take over and submit again. */
  private async recover(o: AcmeOrderRecord): Promise<Outcome> {
    const d = this.d;
    const now = d.clock.now();
    const stored = await d.store.certificates.forAcmeOrder(o.id);
    if (stored) return { order: await this.attach(o, stored.id) };
    const started = (o.processingStartedAt ?? o.createdAt).getTime();
    if (!o.csrPem || now.getTime() - started >= giveUpMs(d)) return { order: await this.giveUp(o) };
    if (!(await d.store.acme.orders.update(o.id, { leaseAt: now }, ['processing'], { leaseAt: o.leaseAt, issuerHandle: null }))) {
      return { order: await this.reread(o) };
    }
    const account = await d.store.acme.accounts.byId(o.accountId);
    if (!account) return { order: o };
    d.logger.info('acme issuance: submitted again after an interruption', { order: o.id });
    try {
      return await this.issue(withChanges(o, { leaseAt: now }), account.subscriptionId, await commonNameOf(o.csrPem));
    } catch (err) {
      if (err instanceof DomainError) return { order: await this.reread(o) };
      throw err;
    }
  }

  /** Past the give-up time: the order becomes invalid and the plan's certificate is given back. */
  private async giveUp(o: AcmeOrderRecord): Promise<AcmeOrderRecord> {
    this.d.logger.error('acme issuance: given up', { order: o.id });
    const err = domainErrors.issuerRefused(
      `Issuance did not complete within ${Math.round(giveUpMs(this.d) / 60_000)} minutes; nothing was issued and the plan's count was given back. Place a new order.`,
    );
    return this.orders.invalidate(o, toDoc(err));
  }

  private async reread(o: AcmeOrderRecord): Promise<AcmeOrderRecord> {
    return (await this.d.store.acme.orders.byId(o.id)) ?? o;
  }
}

async function commonNameOf(pem: string): Promise<string | undefined> {
  await loadX509();
  try {
    return new x509.Pkcs10CertificateRequest(pem).subjectName.getField('CN')[0]?.trim().toLowerCase();
  } catch {
    return undefined;
  }
}
