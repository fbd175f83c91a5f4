/**
 * ACME orders and authorizations (RFC 8555 §7.1.6): creation with the plan's check and the reuse of the
 * account's still-valid authorizations (as Boulder does), expiry on read, the order becoming ready or
 * invalid with its authorizations. Every change is conditional on the state it starts from.
 */
import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeIdentifier,
  AcmeOrderRecord,
  StoredProblem,
} from '../../core/store/acme.js';
import { DAY_MS } from '../../core/clock.js';
import { newId } from '../../core/secrets/tokens.js';
import { domainErrors, toDoc, type DomainError } from '../../core/errors.js';
import { newChallengeToken } from '../tokens.js';
import { DOMAIN_REUSE_STEPS, domainReuseDays, domainValidationReusable, oldestReusableDomainValidation } from '../reuse.js';
import type { RaDeps } from '../deps.js';
import { assertDelegated } from './delegation.js';
import { baseDomain, isWildcard } from '../../core/hostname.js';
import { withChanges } from '../../core/with-changes.js';

/** Orders (and their pending authorizations) live 7 days. */
export const ORDER_LIFETIME_MS = 7 * DAY_MS;

export interface NewAcmeOrder {
  identifiers: AcmeIdentifier[];
  /** Identifier values as ordered (wildcards with "*."). */
  names: string[];
  notAfter: Date | null;
  validityDays?: number;
  replaces: string | null;
  profile: string | null;
}

/** The ordered name an authorization stands for ("*.example.com" for a wildcard authorization). */
export const authorizationName = (a: AcmeAuthorizationRecord): string => (a.wildcard ? `*.${a.identifierValue}` : a.identifierValue);

/** The stored form of an order's or challenge's error. */
export const storedError = (e: DomainError): StoredProblem => toDoc(e);

export class AcmeOrders {
  constructor(private readonly d: RaDeps) {}

  /** How long a valid authorization is offered for reuse, from its validation: the setting, capped by the BR. */
  private reuseMs(at: Date): number {
    return Math.min(this.d.config.issuance.acmeAuthzReuseDays, domainReuseDays(at)) * DAY_MS;
  }

  /**
   * newOrder: the plan allows it; each identifier gets a valid authorization of the account that may still
   * be reused, or a new pending one with the challenges the VA can check for it.
   */
  async create(account: AcmeAccountRecord, req: NewAcmeOrder): Promise<{ order: AcmeOrderRecord; authzIds: string[] }> {
    const d = this.d;
    await d.plans.check(account.subscriptionId, {
      names: req.names,
      wildcard: req.names.some(isWildcard),
      validityDays: req.validityDays,
    });
    await assertDelegated(d, account.subscriptionId, req.identifiers.filter((i) => i.type === 'dns').map((i) => i.value));
    const now = d.clock.now();
    const expires = new Date(now.getTime() + ORDER_LIFETIME_MS);
    const orderId = newId();
    const fresh: AcmeAuthorizationRecord[] = [];
    const challenges: AcmeChallengeRecord[] = [];
    const reused: string[] = [];
    const authzIds: string[] = [];
    const reuseSince = new Date(Math.max(now.getTime() - this.reuseMs(now), oldestReusableDomainValidation(now).getTime()));

    for (const { type: identifierType, value: name } of req.identifiers) {
      const wildcard = identifierType === 'dns' && isWildcard(name);
      const identifierValue = wildcard ? baseDomain(name) : name;
      const old =
        this.reuseMs(now) > 0
          ? await d.store.acme.authorizations.reusable(account.id, { type: identifierType, value: identifierValue, wildcard }, now, reuseSince)
          : undefined;
      if (old) {
        reused.push(old.id);
        authzIds.push(old.id);
        continue;
      }
      const authz: AcmeAuthorizationRecord = {
        id: newId(),
        orderId,
        accountId: account.id,
        identifierType,
        identifierValue,
        wildcard,
        status: 'pending',
        expires,
        validatedAt: null,
      };
      fresh.push(authz);
      authzIds.push(authz.id);
      const types = identifierType === 'ip' ? d.va.challengeTypesForIp() : d.va.challengeTypesFor(name);
      for (const type of types) {
        challenges.push({ id: newId(), authzId: authz.id, type, token: newChallengeToken(), status: 'pending', validated: null, error: null, attemptedAt: null });
      }
    }

    const order: AcmeOrderRecord = {
      id: orderId,
      accountId: account.id,
      // Every name already authorized: ready at once (RFC 8555 §7.1.6).
      status: fresh.length === 0 ? 'ready' : 'pending',
      identifiers: req.identifiers,
      notBefore: null,
      notAfter: req.notAfter,
      expires,
      error: null,
      certificateId: null,
      issuerHandle: null,
      replaces: req.replaces,
      profile: req.profile,
      csrPem: null,
      processingStartedAt: null,
      leaseAt: null,
      createdAt: now,
    };
    await d.store.acme.orders.create(order, fresh, challenges, reused);
    return { order, authzIds };
  }

  /** An authorization past its expiry becomes `expired` (pending or valid ones only). */
  async currentAuthorization(a: AcmeAuthorizationRecord): Promise<AcmeAuthorizationRecord> {
    if ((a.status === 'pending' || a.status === 'valid') && this.d.clock.now() >= a.expires) {
      await this.d.store.acme.authorizations.update(a.id, { status: 'expired' }, [a.status]);
      return withChanges(a, { status: 'expired' as const });
    }
    return a;
  }

  /** The authorizations the order uses, in the order of its identifiers. */
  async authorizations(o: AcmeOrderRecord): Promise<AcmeAuthorizationRecord[]> {
    const rows = await this.d.store.acme.authorizations.forOrder(o.id);
    const rank = new Map(o.identifiers.map((id, i) => [id.value, i]));
    return rows.sort((a, b) => (rank.get(authorizationName(a)) ?? 0) - (rank.get(authorizationName(b)) ?? 0));
  }

  /**
   * Why the order's authorizations do not back issuance now (expired, deactivated, or validated longer ago
   * than the Baseline Requirements allow to reuse), or undefined when they do.
   */
  async authorizationsLapsed(o: AcmeOrderRecord, authorizations?: AcmeAuthorizationRecord[]): Promise<DomainError | undefined> {
    const now = this.d.clock.now();
    for (const a of authorizations ?? (await this.authorizations(o))) {
      const current = await this.currentAuthorization(a);
      if (current.validatedAt && !domainValidationReusable(current.validatedAt, now)) {
        return domainErrors.notAuthorized(
          `The authorization for ${authorizationName(a)} was validated on ${current.validatedAt.toISOString()}, longer ago than the ${domainReuseDays(now)} days the Baseline Requirements allow to reuse: place a new order.`,
        );
      }
      if (current.status !== 'valid') return domainErrors.notAuthorized(`The authorization for ${authorizationName(a)} is ${current.status}: place a new order.`);
    }
    return undefined;
  }

  /** Marks the order invalid (from pending, ready or processing); returns the order as it is now. */
  async invalidate(o: AcmeOrderRecord, error: StoredProblem): Promise<AcmeOrderRecord> {
    const d = this.d;
    const changes = { status: 'invalid' as const, error, issuerHandle: null };
    if (await d.store.acme.orders.update(o.id, changes, ['pending', 'ready', 'processing'])) {
      // An order that held a certificate of its plan but got none gives it back.
      if (o.status === 'processing') await d.plans.release(o.id);
      return withChanges(o, changes);
    }
    return (await d.store.acme.orders.byId(o.id)) ?? o;
  }

  /** After an authorization failed or was deactivated: each open order using it becomes invalid. */
  async authorizationLost(authzId: string, error: StoredProblem): Promise<void> {
    for (const o of await this.d.store.acme.orders.usingAuthorization(authzId)) {
      if (o.status === 'pending' || o.status === 'ready') await this.invalidate(o, error);
    }
  }

  /**
   * The expiry of an authorization validated at `at`: the order's expiry at least, else the end of its
   * reuse, which a later cut-over of the Baseline Requirements may bring forward (the window that applies
   * is the one at issuance).
   */
  validExpiry(a: AcmeAuthorizationRecord, at: Date): Date {
    let end = at.getTime() + this.reuseMs(at);
    for (const step of [...DOMAIN_REUSE_STEPS].reverse()) {
      const cut = step.from.getTime();
      if (cut > at.getTime() && cut < end) end = Math.max(cut, Math.min(end, at.getTime() + step.days * DAY_MS));
    }
    // Reusable up to and including the last millisecond of the window: it expires one after.
    return new Date(Math.max(a.expires.getTime(), end + 1));
  }
}
