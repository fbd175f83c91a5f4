/**
 * The registration authority (after Boulder's RA): the one owner of each certificate's lifecycle, for
 * every front end. names → validation (with its reuse window) → CAA → plan → issuer submit/poll → settle →
 * revoke/replace. The REST routes, the portal and the ACME server are edges over it: they turn their wire
 * formats into these calls and the domain errors it throws (src/core/errors.ts) back into their own
 * vocabulary.
 */
import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeChallengeRecord } from '../core/store/acme.js';
import type { CertificateRecord } from '../core/store/types.js';
import { domainErrors, toDoc } from '../core/errors.js';
import type { RevocationReason } from '../ca/revocation.js';
import type { RaDeps } from './deps.js';
import { TrackingLifecycle } from './tracking/lifecycle.js';
import { TrackingRenewal } from './tracking/renewal.js';
import { AcmeOrders, authorizationName } from './acme/orders.js';
import { AcmeIssuance } from './acme/issuance.js';
import { answerChallenge } from './acme/challenges.js';
import { recoverStuck, type RecoveryReport } from './recovery.js';
import { closeOrdersOfDeletedAccount, purgeRetention, type AccountOrdersReport, type RetentionReport } from './retention.js';
import { queueReminders } from './reminders.js';

import { AcmePlanPolicy } from '../caas/acme-policy.js';
import { withChanges } from '../core/with-changes.js';

export type { RaDeps };

/** The RA with the plan policy built from the same storage and clock. */
export function registrationAuthority(deps: Omit<RaDeps, 'plans'>): { ra: RegistrationAuthority; plans: AcmePlanPolicy } {
  const plans = new AcmePlanPolicy(deps);
  return { ra: new RegistrationAuthority({ ...deps, plans }), plans };
}

export class RegistrationAuthority {
  readonly tracking: TrackingLifecycle;
  readonly renewal: TrackingRenewal;
  readonly acmeOrders: AcmeOrders;
  readonly acmeIssuance: AcmeIssuance;

  constructor(private readonly d: RaDeps) {
    this.tracking = new TrackingLifecycle(d);
    this.renewal = new TrackingRenewal(d);
    this.acmeOrders = new AcmeOrders(d);
    this.acmeIssuance = new AcmeIssuance(d, this.acmeOrders);
  }

  answerChallenge(account: AcmeAccountRecord, challenge: AcmeChallengeRecord, authz: AcmeAuthorizationRecord): Promise<AcmeChallengeRecord> {
    return answerChallenge(this.d, this.acmeOrders, account, challenge, authz);
  }

  /** RFC 8555 §7.5.2: a pending or valid authorization deactivated; the open orders using it become invalid. */
  async deactivateAuthorization(authz: AcmeAuthorizationRecord): Promise<AcmeAuthorizationRecord> {
    if (authz.status !== 'pending' && authz.status !== 'valid') {
      throw domainErrors.invalid(`The authorization is ${authz.status}: only pending or valid authorizations can be deactivated.`);
    }
    if (!(await this.d.store.acme.authorizations.update(authz.id, { status: 'deactivated' }, [authz.status]))) {
      return (await this.d.store.acme.authorizations.byId(authz.id)) ?? authz;
    }
    await this.acmeOrders.authorizationLost(
      authz.id,
      toDoc(domainErrors.notAuthorized(`The authorization for ${authorizationName(authz)} was deactivated.`)),
    );
    return withChanges(authz, { status: 'deactivated' as const });
  }

  /** RFC 8555 §7.3.6: the account is deactivated and what it had under way is cancelled. */
  async deactivateAccount(account: AcmeAccountRecord): Promise<AcmeAccountRecord> {
    const d = this.d;
    const current = (await d.store.acme.accounts.update(account.id, { status: 'deactivated' })) ?? account;
    await d.store.acme.orders.invalidateOpen(
      account.id,
      toDoc(domainErrors.notAuthorized(`The account was deactivated on ${d.clock.now().toISOString()}.`)),
    );
    await d.store.acme.authorizations.deactivateForAccount(account.id);
    return current;
  }

  /** Revokes a certificate (conditional: one request wins), then tells the issuer. */
  async revoke(cert: CertificateRecord, reason: RevocationReason): Promise<void> {
    const already = () => domainErrors.alreadyRevoked(`The certificate was revoked on ${cert.revokedAt?.toISOString() ?? 'an earlier date'}.`);
    if (cert.revokedAt) throw already();
    if (!(await this.d.store.certificates.revoke(cert.id, this.d.clock.now(), reason))) throw already();
    await this.d.issuer.revoke?.(cert.serialHex, reason);
  }

  /** The periodic job: issuance nobody moved for a lease is finished, resubmitted or given up. */
  recoverStuck(): Promise<RecoveryReport> {
    return recoverStuck(this.d, this.tracking, this.acmeIssuance);
  }

  /** The periodic purge's retention part: EAB view logs, old ACME state, personal data of closed orders, old validation records. */
  purgeRetention(): Promise<RetentionReport> {
    return purgeRetention(this.d);
  }

  /** An account deleted by its owner: open orders closed, personal data of every order erased. */
  closeOrdersOfDeletedAccount(customerId: string): Promise<AccountOrdersReport> {
    return closeOrdersOfDeletedAccount(this.d, customerId);
  }

  /** The periodic job: reminders due now (expiry, closing reveal windows, lapsing subscriptions) into the outbox. */
  queueReminders(): Promise<number> {
    return queueReminders(this.d);
  }
}
