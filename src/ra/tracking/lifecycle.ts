/**
 * The lifecycle of a tracking order after it was placed: domain validation (with its reuse window) →
 * CAA → organization approval for OV/EV (with its reuse window) → issuance → reissue (replace, then
 * revoke the replaced certificate). Every move is a conditional transition from the state it starts in,
 * so parallel requests on one order settle on one outcome; long work (network checks, key generation) is
 * done before the transition, never between a claim and what it claims.
 */
import type { OrderRecord } from '../../core/store/types.js';
import { domainErrors } from '../../core/errors.js';
import { caaRefusals } from '../caa.js';
import { domainReuseDays, organizationReuseDays, organizationValidationReusable } from '../reuse.js';
import type { RaDeps } from '../deps.js';
import { checkDomains, restartedValidations, restartValidations, stillValid, writeRestarted, type CheckOutcome } from './validations.js';
import { claimIssuance, finishReplacement, recoverTrackingOrder, runIssuance } from './issuance.js';
import { UpstreamTracking } from './upstream.js';
import { instructionsFor, type ValidationInstructions } from './validations.js';
import type { DomainValidationRecord } from '../../core/store/types.js';
import { transitionWithMail } from '../mail.js';
import { APPROVER_METHOD, confirmApproverEmail, sendApproverEmail } from './approver-email.js';
import { approved, rejected, reissueValidation } from '../../mail/messages.js';

export interface ValidateOutcome {
  order: OrderRecord;
  domains: CheckOutcome[];
  caa: { domain: string; ok: boolean; detail?: string }[];
}

/** What the customer brings to a reissue: the CSR to sign (checked by the edge's CSR check) and whether it is AutoCSR's. */
export interface ReissueCsr {
  csrPem: string;
  autoCsr: boolean;
}

const APPROVAL_WAIT = 'Domains validated; waiting for organization validation by an operator.';

const orgStaleReason = (now: Date) =>
  `The organization's validation is older than the ${organizationReuseDays(now)} days the Baseline Requirements allow to reuse; ` +
  'waiting for organization validation by an operator.';

/** One name's validation as the customer sees it: the upstream's challenges in upstream mode. */
export interface ValidationView {
  validation: DomainValidationRecord;
  instructions: ValidationInstructions;
}

export class TrackingLifecycle {
  /** Upstream mode (an issuer whose challenges the customer answers): the upstream order of each order. */
  readonly upstream: UpstreamTracking;

  constructor(private readonly d: RaDeps) {
    this.upstream = new UpstreamTracking(d);
  }

  /** The order as it is now (recovered, polled, replacement finished; in upstream mode its upstream order opened). */
  async current(order: OrderRecord): Promise<OrderRecord> {
    const now = await recoverTrackingOrder(this.d, order);
    if (!this.upstream.upstream || now.status !== 'pending_validation') return now;
    await this.upstream.current(now);
    return this.reread(now);
  }

  /**
   * The validations of an order with the instructions to show: the upstream's challenges while the upstream
   * wants a name validated (the name counts as pending until it did, with what it said as the last result).
   */
  async validations(order: OrderRecord): Promise<ValidationView[]> {
    const rows = await this.d.store.domainValidations.forOrder(order.id);
    const rec = this.upstream.upstream && order.status === 'pending_validation' ? await this.d.store.upstreamOrders.byOrder(order.id) : undefined;
    return Promise.all(
      rows.map(async (v) => {
        const upstream = await this.upstream.instructions(order, rec, v);
        if (!upstream) return { validation: v, instructions: await instructionsFor(v) };
        const { said } = this.upstream.upstreamStatus(rec, v.domain);
        const lastResult = v.lastResult ? (JSON.parse(v.lastResult) as Record<string, string>) : {};
        if (said) lastResult['upstream CA'] = said;
        return {
          validation: { ...v, status: 'pending' as const, lastResult: Object.keys(lastResult).length ? JSON.stringify(lastResult) : null },
          instructions: upstream,
        };
      }),
    );
  }

  /**
   * Checks the domains now. When every one is valid, CAA is checked and the order moves on: DV (or OV/EV
   * whose organization validation is still reusable) is issued at once, OV/EV otherwise waits for approval.
   */
  async validate(order: OrderRecord): Promise<ValidateOutcome> {
    const d = this.d;
    const domains = this.upstream.upstream ? await this.upstream.check(order) : await checkDomains(d, order);
    if (order.status !== 'pending_validation' || domains.some((x) => x.status !== 'valid')) {
      return { order: await this.current(order), domains, caa: [] };
    }

    // RFC 8657: a record limited to some validation methods authorizes only the method that validated.
    // A method outside ACME is named by a CA-specific label in CAA (RFC 8657 §4: "ca-…").
    const methodOf = new Map(domains.map((x) => [x.domain, x.method === APPROVER_METHOD ? `ca-${APPROVER_METHOD}` : x.method]));
    const refusals = await caaRefusals(
      d.va,
      order.domains.map((name) => ({ name, method: methodOf.get(name) })),
    );
    const refusedNames = new Set(refusals.map((r) => r.name));
    const caa = order.domains.map((domain) => {
      const r = refusals.find((x) => x.name === domain);
      return r ? { domain, ok: false, detail: r.detail } : { domain, ok: !refusedNames.has(domain) };
    });
    const now = d.clock.now();
    if (refusals.length > 0) {
      const first = refusals[0]!;
      const statusReason = `CAA forbids issuance for ${first.name}: ${first.detail}`;
      const changed = await d.store.orders.transition(order.id, ['pending_validation'], { statusReason, updatedAt: now });
      return { order: changed ?? (await this.reread(order)), domains, caa };
    }
    if (order.product !== 'dv' && !organizationValidationReusable(order.approvedAt, now)) {
      const statusReason = order.approvedAt ? orgStaleReason(now) : APPROVAL_WAIT;
      const changed = await d.store.orders.transition(order.id, ['pending_validation'], { status: 'pending_approval', statusReason, updatedAt: now });
      return { order: changed ?? (await this.current(await this.reread(order))), domains, caa };
    }
    const claimed = await claimIssuance(d, order, ['pending_validation']);
    // Another request claimed it first: report the order as that request left it.
    return { order: claimed ? await runIssuance(d, claimed) : await this.current(await this.reread(order)), domains, caa };
  }

  /**
   * The recovery job's part in upstream mode: orders whose challenges were answered and that the upstream was
   * still validating when "Check now" stopped following it. Each one the upstream has decided goes through
   * `validate` (Check now's own path:
   * the upstream re-read, finalize → issued by the same conditional claim), so the upstream's verdict moves it
   * on, or a refusal is recorded with the upstream's detail, without the customer checking again. An upstream
   * that cannot be asked leaves the order as it is for the next run (logged by the re-read).
   */
  async followUpstream(limit: number): Promise<number> {
    const ids = await this.upstream.answered(limit);
    for (const id of ids) {
      const order = await this.d.store.orders.byId(id);
      if (order?.status !== 'pending_validation') continue;
      try {
        if (await this.upstream.decided(order)) await this.validate(order);
      } catch (err) {
        // One order's trouble does not stop the batch; it is tried again next run.
        this.d.logger.error('upstream follow failed', { orderId: id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return ids.length;
  }

  /** Approver e-mail validation (BR 3.2.2.4.4): a Random Value mailed to a constructed address of one of the order's names. */
  sendApproverEmail(order: OrderRecord, domain: string, localPart: string): Promise<{ to: string; expiresAt: Date }> {
    return sendApproverEmail(this.d, order, domain, localPart);
  }

  /** The approver confirms with the mailed value: the name is validated and the order moves on (other names permitting). */
  confirmApproverEmail(value: string): Promise<OrderRecord> {
    return confirmApproverEmail(this.d, value, async (o) => (await this.validate(o)).order);
  }

  /** An operator approves the organization: the order is issued (domains permitting). */
  async approve(order: OrderRecord): Promise<OrderRecord> {
    const d = this.d;
    this.assertWaiting(order);
    const now = d.clock.now();
    const stale = (await d.store.domainValidations.forOrder(order.id)).filter((v) => !stillValid(v, now));
    if (stale.length > 0) {
      // The domains were validated too long ago to back this certificate: the customer validates again first.
      await restartValidations(d.store, d.keyring, order, stale);
      const changed = await transitionWithMail(
        d,
        order,
        ['pending_approval'],
        {
          status: 'pending_validation',
          approvedAt: now,
          statusReason: `Organization approved. The validation of ${stale.map((v) => v.domain).join(', ')} is older than the ${domainReuseDays(now)} days the Baseline Requirements allow to reuse: validate again.`,
          updatedAt: now,
        },
        undefined,
        {
          kind: 'approved',
          eventKey: `order.approved:${order.id}:${now.getTime()}`,
          content: (links) => approved({ orderNumber: order.orderNumber, orderUrl: links.order }),
        },
      );
      if (!changed) throw this.raced(await this.reread(order));
      return changed;
    }
    const claimed = await claimIssuance(d, order, ['pending_approval'], { approvedAt: now }, {}, {
      kind: 'approved',
      eventKey: `order.approved:${order.id}:${now.getTime()}`,
      content: (links) => approved({ orderNumber: order.orderNumber, orderUrl: links.order }),
    });
    if (!claimed) throw this.raced(await this.reread(order));
    return runIssuance(d, claimed);
  }

  async reject(order: OrderRecord, reason: string): Promise<OrderRecord> {
    this.assertWaiting(order);
    const text = reason.trim();
    if (!text) throw domainErrors.invalid('reason: a reason the customer can read is required', 'reason');
    const statusReason = text.slice(0, 500);
    const changed = await transitionWithMail(
      this.d,
      order,
      ['pending_approval'],
      { status: 'rejected', statusReason, updatedAt: this.d.clock.now() },
      undefined,
      {
        kind: 'rejected',
        eventKey: `order.rejected:${order.id}`,
        content: (links) => rejected({ orderNumber: order.orderNumber, reason: statusReason, orderUrl: links.order }),
      },
    );
    if (!changed) throw this.raced(await this.reread(order));
    return changed;
  }

  /**
   * A new certificate for the same order with this CSR. An order not issued yet just takes the CSR. An
   * issued (or failed) order is issued again when its validations are still reusable, or goes back to
   * validation (or approval) when they are too old; the replaced certificate is revoked once its successor
   * exists. Of parallel reissues exactly one proceeds; the others get `conflict`. `afterClaim` runs once
   * the claim is won (the AutoCSR unlock code is stored there, so a losing request stores nothing).
   */
  async reissue(order: OrderRecord, csr: ReissueCsr, afterClaim: (o: OrderRecord) => Promise<void> = async () => {}): Promise<OrderRecord> {
    const d = this.d;
    order = await this.current(order);
    const now = d.clock.now();
    const taken = { csrPem: csr.csrPem, autoCsr: csr.autoCsr, updatedAt: now };

    if (order.status === 'pending_validation' || order.status === 'pending_approval') {
      const changed = await d.store.orders.transition(order.id, [order.status], taken);
      if (!changed) throw this.raced(await this.reread(order));
      await afterClaim(changed);
      return changed;
    }
    if (order.status !== 'issued' && order.status !== 'failed') {
      throw domainErrors.wrongState(
        order.status === 'pending_issuance'
          ? 'The order is being issued right now: wait for it to finish, then reissue.'
          : `An order in status ${order.status} cannot be reissued.`,
        { extensions: { orderStatus: order.status } },
      );
    }

    const live = order.status === 'issued' ? await d.store.certificates.latestForOrder(order.id) : undefined;
    const replaces = live && !live.revokedAt ? live.id : null;
    const from = ['issued', 'failed'] as const;
    const noReplacementPending = { replacesCertificateId: null };
    let stale = (await d.store.domainValidations.forOrder(order.id)).filter((v) => !stillValid(v, now));
    const orgStale = order.product !== 'dv' && !organizationValidationReusable(order.approvedAt, now);
    let staleReason = `is older than the ${domainReuseDays(now)} days the Baseline Requirements allow to reuse: validate again to get the new certificate.`;
    if (this.upstream.upstream) {
      // A new upstream order for the new certificate: names it does not hold valid are validated again.
      const again = new Set(await this.upstream.renewForReissue(order));
      stale = (await d.store.domainValidations.forOrder(order.id)).filter((v) => again.has(v.domain) || !stillValid(v, now));
      staleReason = 'needs to be validated again by the upstream CA for the new certificate: publish the new instructions, then check again.';
    }

    if (stale.length === 0 && !orgStale) {
      const claimed = await claimIssuance(d, order, from, { ...taken, replacesCertificateId: replaces }, noReplacementPending);
      if (!claimed) throw this.raced(await this.reread(order));
      await afterClaim(claimed);
      return runIssuance(d, claimed);
    }
    const next = stale.length > 0 ? ('pending_validation' as const) : ('pending_approval' as const);
    const statusReason =
      stale.length > 0
        ? `The validation of ${stale.map((v) => v.domain).join(', ')} ${staleReason}`
        : orgStaleReason(now);
    // The new tokens are made before the transition so that the notice, written in the same atomic unit,
    // carries them; only the request that wins the transition writes them.
    const restarted = stale.length > 0 ? await restartedValidations(d.keyring, order, stale) : [];
    // In upstream mode the upstream CA's challenges are the instructions; the order page shows them.
    const instructions = this.upstream.upstream
      ? undefined
      : await Promise.all(
          restarted.map(async (v) => {
            const i = await instructionsFor(v);
            return { domain: v.domain, http01: i.http01, dns01: { name: i.dns01.name, value: i.dns01.value } };
          }),
        );
    const changed = await transitionWithMail(
      d,
      order,
      from,
      { ...taken, status: next, statusReason, replacesCertificateId: replaces },
      noReplacementPending,
      stale.length > 0
        ? {
            kind: 'reissue-validation',
            // The state the reissue leaves identifies the event: a racing or repeated request writes no second mail.
            eventKey: `order.reissue-validation:${order.id}:${order.updatedAt.getTime()}`,
            content: (links) =>
              reissueValidation({
                orderNumber: order.orderNumber,
                reason: statusReason,
                orderUrl: links.order,
                validations: instructions,
              }),
          }
        : undefined,
    );
    if (!changed) throw this.raced(await this.reread(order));
    if (restarted.length > 0) await writeRestarted(d.store, restarted);
    await afterClaim(changed);
    return changed;
  }

  private assertWaiting(order: OrderRecord): void {
    if (order.status !== 'pending_approval') {
      throw domainErrors.wrongState(
        `Order ${order.orderNumber} is ${order.status}; only orders waiting for approval (pending_approval) can be approved or rejected.`,
        { extensions: { orderStatus: order.status } },
      );
    }
  }

  /** Another request moved the order first. */
  private raced(now: OrderRecord) {
    return domainErrors.conflict(`Another request changed order ${now.orderNumber} at the same time; it is now ${now.status}.`, {
      extensions: { orderStatus: now.status },
    });
  }

  private async reread(order: OrderRecord): Promise<OrderRecord> {
    return (await this.d.store.orders.byId(order.id)) ?? order;
  }
}

export { finishReplacement };
