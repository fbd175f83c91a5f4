/**
 * The ACME server's EAB key look-up (RFC 8555 §7.3.4 step 3): the raw HMAC key of a usable key id, or a
 * refusal saying why. The HMAC key is opened from its sealed row only here and never logged.
 */
import { acmeProblems } from '../core/problem.js';
import { SubscriptionBook, sealContext, quoted, day, type EabBinding, type EabKeyResult } from './subscriptions.js';

export class EabKeys extends SubscriptionBook {
  /**
   * The EAB key resolver (RFC 8555 §7.3.4 step 3): the raw HMAC key of a usable key id, or a refusal with
   * an `unauthorized` problem saying why. Usable = known, not revoked, subscription active and not past
   * its notAfter, and fewer ACME accounts bound than the plan allows.
   */
  async eabKeyFor(kid: string): Promise<EabKeyResult> {
    const refuse = (detail: string): EabKeyResult => ({ status: 'refused', problem: acmeProblems.unauthorized(detail) });
    const cred = kid.length > 0 && kid.length <= 128 ? await this.deps.store.caas.credential(kid) : undefined;
    if (!cred) return refuse(`EAB key id ${quoted(kid)} is not known to this server.`);
    const s = await this.deps.store.caas.subscription(cred.subscriptionId);
    if (!s) return refuse(`EAB key id ${quoted(kid)} is not known to this server.`);
    const now = this.deps.clock.now();
    if (s.status === 'revoked') {
      return refuse(`The subscription of EAB key id ${quoted(kid)} was revoked on ${s.revokedAt ? day(s.revokedAt) : 'an earlier date'}.`);
    }
    if (cred.revokedAt) {
      return refuse(
        `EAB key id ${quoted(kid)} was revoked on ${day(cred.revokedAt)} and replaced: use the current EAB credentials of your subscription.`,
      );
    }
    if (now >= s.notAfter) return refuse(`The subscription of EAB key id ${quoted(kid)} ended on ${day(s.notAfter)}.`);
    // Counted only under a limit: the count grows with the accounts bound, and an unlimited plan needs none.
    const max = s.maxAccountsPerCredential;
    if (max !== null && (await this.deps.store.caas.accountsBoundTo(kid)) >= max) {
      return refuse(
        `EAB key id ${quoted(kid)} has bound its maximum of ${max} ACME account${max === 1 ? '' : 's'}: ` +
          'revoke and replace the credentials for a new pair, or ask for a plan with more.',
      );
    }
    const hmacKey = await this.deps.keyring.openBytes(cred.hmacKeySealed, sealContext(cred.kid));
    const binding: EabBinding = {
      kid: cred.kid,
      subscriptionId: s.id,
      customerId: s.customerId,
      maxAccountsPerCredential: max,
    };
    return { status: 'ok', hmacKey, subscriptionId: s.id, customerId: s.customerId, kid: cred.kid, binding };
  }
}
