/**
 * The customer's side of CaaS (REST API, portal): their own subscriptions, the HMAC key readable for 7 days
 * after issue (every view recorded), then 410 for good; revoke-and-replace for a new readable pair.
 */
import type { CustomerRecord } from '../core/store/types.js';
import type { EabViewRecord, SubscriptionRecord } from '../core/store/caas.js';
import { problems } from '../core/problem.js';
import { SubscriptionBook, day, type RevealedCredentials, type SubscriptionSummary } from './subscriptions.js';

export class CaasCustomer extends SubscriptionBook {
  async listFor(customer: CustomerRecord): Promise<SubscriptionSummary[]> {
    const subs = await this.deps.store.caas.subscriptionsOf(customer.id);
    return Promise.all(subs.map((s) => this.summarize(s, customer.email)));
  }

  /** One of the customer's own subscriptions; someone else's answers exactly like a missing one. */
  async own(customer: CustomerRecord, id: string): Promise<SubscriptionRecord> {
    const s = await this.deps.store.caas.subscription(id);
    if (!s || s.customerId !== customer.id) throw this.missing(id);
    return s;
  }

  async ownSummary(customer: CustomerRecord, id: string): Promise<SubscriptionSummary> {
    return this.summarize(await this.own(customer, id), customer.email);
  }

  /** Shows the live credential's HMAC key during its 7 days, recording the view; 410 afterwards, for good. */
  async reveal(customer: CustomerRecord, id: string, clientAddress: string): Promise<RevealedCredentials> {
    const s = await this.own(customer, id);
    this.assertUsable(s);
    const cred = await this.liveCredential(s);
    const now = this.deps.clock.now();
    if (now >= cred.revealUntil) {
      throw problems.gone(
        `The EAB credentials ${cred.kid} could be read for 7 days after issue, until ${day(cred.revealUntil)}; they cannot be shown again. ` +
          `They still work where you set them up. To get a readable pair, revoke and replace them: POST /api/v1/subscriptions/${s.id}/eab-credentials/replace.`,
        { kid: cred.kid, revealableUntil: day(cred.revealUntil) },
      );
    }
    return this.show(s, customer, cred, clientAddress, now);
  }

  /** The customer revokes the live credential and gets a new pair at once (recorded as a view). */
  async replaceForCustomer(customer: CustomerRecord, id: string, clientAddress: string): Promise<RevealedCredentials> {
    const s = await this.own(customer, id);
    const cred = await this.replace(s);
    return this.show(s, customer, cred, clientAddress, this.deps.clock.now());
  }

  /** Every view of every credential of the subscription, newest first. */
  async views(customer: CustomerRecord, id: string): Promise<EabViewRecord[]> {
    const s = await this.own(customer, id);
    const kids = (await this.deps.store.caas.credentialsOf(s.id)).map((c) => c.kid);
    return this.deps.store.caas.viewsOf(kids);
  }
}
