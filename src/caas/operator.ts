/** The operator's side of CaaS (admin API, CLI): subscriptions created and revoked, credentials replaced. */
import type { EabCredentialRecord, SubscriptionRecord } from '../core/store/caas.js';
import { problems } from '../core/problem.js';
import { newId } from '../core/secrets/tokens.js';
import { normalizeEmail } from '../accounts/service.js';
import { resolvePlan } from './plans.js';
import { SubscriptionBook, quoted, day, type SubscriptionSummary } from './subscriptions.js';

export class CaasOperator extends SubscriptionBook {
  /** Creates a subscription for an existing customer account, with its first EAB credential. */
  async create(req: { accountEmail: string; plan: unknown }): Promise<SubscriptionSummary> {
    const now = this.deps.clock.now();
    const email = normalizeEmail(req.accountEmail);
    const customer = await this.deps.store.customers.byEmail(email);
    if (!customer) {
      throw problems.notFound(`accountEmail: no customer account with the email address ${quoted(email)}`, { field: 'accountEmail' });
    }
    const plan = resolvePlan(req.plan, now);
    const subscription: SubscriptionRecord = {
      id: newId(),
      customerId: customer.id,
      plan: plan.name,
      ...plan.limits,
      certificatesIssued: 0,
      status: 'active',
      createdAt: now,
      revokedAt: null,
    };
    await this.deps.store.caas.createSubscription(subscription);
    await this.issueCredential(subscription.id, now);
    return this.summarize(subscription, customer.email);
  }

  async listAll(): Promise<SubscriptionSummary[]> {
    const emails = new Map((await this.deps.store.customers.list()).map((c) => [c.id, c.email]));
    const subs = await this.deps.store.caas.allSubscriptions();
    return Promise.all(subs.map((s) => this.summarize(s, emails.get(s.customerId) ?? '')));
  }

  async get(id: string): Promise<SubscriptionSummary> {
    const s = await this.deps.store.caas.subscription(id);
    if (!s) throw this.missing(id);
    const customer = await this.deps.store.customers.byId(s.customerId);
    return this.summarize(s, customer?.email ?? '');
  }

  /** Revokes a subscription and its live credential: no new ACME account, order or certificate under it. */
  async revoke(id: string): Promise<SubscriptionSummary> {
    const s = await this.deps.store.caas.subscription(id);
    if (!s) throw this.missing(id);
    const now = this.deps.clock.now();
    if (!(await this.deps.store.caas.revokeSubscription(id, now))) {
      throw problems.conflict(`subscription ${id} was revoked already on ${s.revokedAt ? day(s.revokedAt) : 'an earlier date'}`, { field: 'id' });
    }
    for (const c of await this.deps.store.caas.credentialsOf(id)) {
      if (!c.revokedAt) await this.deps.store.caas.revokeCredential(c.kid, now);
    }
    return this.get(id);
  }

  /**
   * Revokes the live credential and issues a new pair, readable by the customer for 7 days. The operator
   * gets the new key id only: the HMAC key is for the customer's eyes.
   */
  async replaceCredential(subscriptionId: string): Promise<EabCredentialRecord> {
    const s = await this.deps.store.caas.subscription(subscriptionId);
    if (!s) throw this.missing(subscriptionId);
    return this.replace(s);
  }
}
