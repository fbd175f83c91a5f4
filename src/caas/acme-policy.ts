/**
 * The plan policy the registration authority applies to ACME orders of a CaaS subscription: what an order
 * may ask for (names, wildcards, validity) and the certificate count, reserved atomically before signing
 * and given back when signing fails. Refusals are domain errors: `planRefused` for the subscription's
 * state, the count and the validity; `identifierRefused` for names the plan does not allow.
 */
import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/types.js';
import type { SubscriptionRecord } from '../core/store/caas.js';
import { domainErrors } from '../core/errors.js';
import { isWildcard, normalizeName } from '../core/hostname.js';

export interface PlanRequest {
  /** The order's identifier values (DNS names; wildcards as "*.example.com"; IP addresses count as names). */
  names: string[];
  /** True when any name is a wildcard (also inferred from a "*." name). */
  wildcard: boolean;
  /** Requested validity, when the client asked for a notAfter. */
  validityDays?: number;
}

export interface PlanAllowance {
  subscriptionId: string;
  maxValidityDays: number;
  certificatesIssued: number;
  maxCertificates: number;
  notAfter: Date;
}

const quoted = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
const day = (d: Date) => d.toISOString();

export class AcmePlanPolicy {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** Why the subscription issues nothing at `now`, or undefined when it may. */
  private stateRefusal(s: SubscriptionRecord | undefined, now: Date): string | undefined {
    if (!s) return 'This ACME account belongs to no known subscription.';
    if (s.status === 'revoked') return `The subscription was revoked on ${s.revokedAt ? day(s.revokedAt) : 'an earlier date'}: no new certificates.`;
    if (now >= s.notAfter) return `The subscription ended on ${day(s.notAfter)}: no new certificates.`;
    return undefined;
  }

  private exhausted(s: SubscriptionRecord): string {
    return `The plan's ${s.maxCertificates} certificates (maxCertificates) have all been issued: no new certificates under this subscription.`;
  }

  /** The plan's limits at newOrder and finalize time (a read: the count is reserved by `reserve`). */
  async check(subscriptionId: string, req: PlanRequest): Promise<PlanAllowance> {
    const s = await this.deps.store.caas.subscription(subscriptionId);
    const refusal = this.stateRefusal(s, this.deps.clock.now());
    if (refusal || !s) throw domainErrors.planRefused(refusal ?? 'No subscription.');

    const names = [...new Set(req.names.map(normalizeName))];
    if (names.length > s.maxNamesPerOrder) {
      throw domainErrors.identifierRefused(
        `The plan allows at most ${s.maxNamesPerOrder} name${s.maxNamesPerOrder === 1 ? '' : 's'} per order (maxNamesPerOrder); this order has ${names.length}.`,
      );
    }
    const wildcards = names.filter(isWildcard);
    if ((req.wildcard || wildcards.length > 0) && !s.wildcards) {
      const which = wildcards[0] ? ` (${quoted(wildcards[0])})` : '';
      throw domainErrors.identifierRefused(`The plan does not allow wildcard names (wildcards: false)${which}.`, {
        extensions: wildcards[0] ? { identifier: { type: 'dns', value: wildcards[0] } } : {},
      });
    }
    if (req.validityDays !== undefined && req.validityDays > s.maxValidityDays) {
      throw domainErrors.planRefused(
        `The plan allows certificates valid for at most ${s.maxValidityDays} days (maxValidityDays); ${req.validityDays} days were asked for.`,
      );
    }
    if (s.certificatesIssued >= s.maxCertificates) throw domainErrors.planRefused(this.exhausted(s));
    return {
      subscriptionId: s.id,
      maxValidityDays: s.maxValidityDays,
      certificatesIssued: s.certificatesIssued,
      maxCertificates: s.maxCertificates,
      notAfter: s.notAfter,
    };
  }

  /**
   * Reserves one certificate of the plan for this order (one conditional statement; idempotent per
   * order); throws `planRefused` saying why when none is left.
   */
  async reserve(subscriptionId: string, acmeOrderId: string): Promise<void> {
    const now = this.deps.clock.now();
    const r = await this.deps.store.caas.reserveCertificate(subscriptionId, acmeOrderId, now);
    if (r === 'refused') await this.refuse(subscriptionId, now);
  }

  /** Throws `planRefused`, saying why the plan has no certificate left at `now`. */
  private async refuse(subscriptionId: string, now: Date): Promise<never> {
    const s = await this.deps.store.caas.subscription(subscriptionId);
    throw domainErrors.planRefused(this.stateRefusal(s, now) ?? this.exhausted(s!));
  }

  /**
   * finalize's claim of the order (ready → processing with its CSR) and the reservation, in one unit: false when
   * the order was not ready (nothing changed); throws `planRefused` when the order was claimed but the plan has
   * no certificate left for it (the caller makes the order invalid).
   */
  async claimAndReserve(subscriptionId: string, acmeOrderId: string, csrPem: string, now: Date): Promise<boolean> {
    const r = await this.deps.store.caas.claimAndReserve(subscriptionId, acmeOrderId, csrPem, now);
    if (r === 'unclaimed') return false;
    if (r === 'refused') await this.refuse(subscriptionId, now);
    return true;
  }

  /** The plan's longest validity in days (what an order that asked for none gets). */
  async maxValidityDays(subscriptionId: string): Promise<number | undefined> {
    return (await this.deps.store.caas.subscription(subscriptionId))?.maxValidityDays;
  }

  /** Gives the order's reservation back (its issuance failed). */
  async release(acmeOrderId: string): Promise<void> {
    await this.deps.store.caas.releaseCertificate(acmeOrderId);
  }
}
