/**
 * Certificate-as-a-Service: subscriptions with a plan, and the EAB credentials (key id + HMAC key) that let
 * any standard ACME client register with eabgate.
 *
 * - The operator creates and revokes subscriptions (admin API, CLI); each gets one live credential.
 * - The customer reads the HMAC key for 7 days after issue, every view recorded; afterwards 410 for good.
 *   A credential is never regenerated: it is revoked and replaced by a new pair.
 * - The ACME server asks `eabKeyFor(kid)` when verifying a binding; the plan's limits are the
 *   registration authority's (acme-policy.ts).
 *
 * The HMAC key lives only sealed in the store (bound to its row); it never enters a log line or a problem.
 */
import type { Clock } from '../core/clock.js';
import { DAY_MS } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import type { EabCredentialRecord, EabViewRecord, SubscriptionRecord } from '../core/store/caas.js';
import { acmeProblems, problems, type Problem } from '../core/problem.js';
import { newId } from '../core/secrets/tokens.js';
import { normalizeEmail } from '../accounts/service.js';
import { resolvePlan } from './plans.js';
import { newHmacKey, newKid, hmacKeyText } from './credentials.js';
import { buildSnippets, type Snippets } from './snippets.js';

/** How long after issue the customer can read the HMAC key. */
export const EAB_REVEAL_TTL_MS = 7 * DAY_MS;

export interface CaasDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  config: Pick<Config, 'baseUrl'>;
}

export type SubscriptionState = 'active' | 'lapsed' | 'revoked';

export interface CredentialState extends EabCredentialRecord {
  /** ACME accounts bound with this key id. */
  accountsBound: number;
}

/** A subscription with what the listings show: its state, usage and credentials (never the HMAC key). */
export interface SubscriptionSummary {
  subscription: SubscriptionRecord;
  accountEmail: string;
  state: SubscriptionState;
  acmeAccountsBound: number;
  /** The newest credential (revoked only when the subscription was revoked). */
  credential: CredentialState | null;
  /** Earlier credentials, revoked by a replace, newest first. */
  previousCredentials: EabCredentialRecord[];
}

export interface RevealedCredentials {
  subscriptionId: string;
  kid: string;
  /** Unpadded base64url of 32 random bytes; never starts with "-". */
  hmacKey: string;
  directoryUrl: string;
  /** The end of the 7 days during which the HMAC key can be read. */
  expiresAt: Date;
  snippets: Snippets;
  /** Every view of this credential, newest first, this one included. */
  views: EabViewRecord[];
}

/** What `eabKeyFor` hands the EAB verifier on success (as `binding`) and what it needs to bind the account. */
export interface EabBinding {
  kid: string;
  subscriptionId: string;
  customerId: string;
  /** Null = unlimited. The ACME server must bind atomically when this is set (see README). */
  maxAccountsPerCredential: number | null;
  accountsBound: number;
}

/** Assignable to `EabKeyLookup<EabBinding>` of src/acme/eab/verify.ts. */
export type EabKeyResult =
  | { status: 'ok'; hmacKey: Uint8Array; subscriptionId: string; customerId: string; kid: string; binding: EabBinding }
  | { status: 'refused'; problem: Problem };

const sealContext = (kid: string) => ({ table: 'eab_credentials', id: kid, purpose: 'eab-hmac' });
const quoted = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
const day = (d: Date) => d.toISOString();

export class CaasService {
  constructor(private readonly deps: CaasDeps) {}

  get directoryUrl(): string {
    return `${this.deps.config.baseUrl.replace(/\/+$/, '')}/acme/directory`;
  }

  stateOf(s: SubscriptionRecord, now = this.deps.clock.now()): SubscriptionState {
    if (s.status === 'revoked') return 'revoked';
    return now >= s.notAfter ? 'lapsed' : 'active';
  }

  // ---- operator ----------------------------------------------------------------------------------------

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

  // ---- customer ----------------------------------------------------------------------------------------

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

  // ---- ACME server -------------------------------------------------------------------------------------

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
    const accountsBound = await this.deps.store.caas.accountsBoundTo(kid);
    const max = s.maxAccountsPerCredential;
    if (max !== null && accountsBound >= max) {
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
      accountsBound,
    };
    return { status: 'ok', hmacKey, subscriptionId: s.id, customerId: s.customerId, kid: cred.kid, binding };
  }

  // ---- inside ------------------------------------------------------------------------------------------

  private missing(id: string): Problem {
    return problems.notFound(`id: no subscription ${quoted(id)} in this account`, { field: 'id' });
  }

  private assertUsable(s: SubscriptionRecord): void {
    const state = this.stateOf(s);
    if (state === 'revoked') {
      throw problems.gone(`The subscription was revoked on ${s.revokedAt ? day(s.revokedAt) : 'an earlier date'}: its EAB credentials no longer work.`);
    }
    if (state === 'lapsed') throw problems.gone(`The subscription ended on ${day(s.notAfter)}: its EAB credentials no longer work.`);
  }

  private async liveCredential(s: SubscriptionRecord): Promise<EabCredentialRecord> {
    const live = (await this.deps.store.caas.credentialsOf(s.id)).find((c) => !c.revokedAt);
    if (!live) {
      throw problems.gone(
        `The subscription has no live EAB credentials: get a new pair with POST /api/v1/subscriptions/${s.id}/eab-credentials/replace.`,
      );
    }
    return live;
  }

  private async issueCredential(subscriptionId: string, now: Date): Promise<EabCredentialRecord> {
    const kid = newKid();
    const key = newHmacKey();
    const cred: EabCredentialRecord = {
      kid,
      subscriptionId,
      hmacKeySealed: await this.deps.keyring.seal(key.raw, sealContext(kid)),
      createdAt: now,
      revealUntil: new Date(now.getTime() + EAB_REVEAL_TTL_MS),
      revokedAt: null,
    };
    await this.deps.store.caas.createCredential(cred);
    return cred;
  }

  /**
   * Revoke-and-replace. No multi-statement transactions (D1): the revoke is conditional, so of two
   * concurrent replaces one wins and the other gets 409; a replace that failed after its revoke is
   * finished by the next one (no live credential → just issue).
   */
  private async replace(s: SubscriptionRecord): Promise<EabCredentialRecord> {
    this.assertUsable(s);
    const now = this.deps.clock.now();
    const live = (await this.deps.store.caas.credentialsOf(s.id)).filter((c) => !c.revokedAt);
    for (const c of live) {
      if (!(await this.deps.store.caas.revokeCredential(c.kid, now))) {
        throw problems.conflict('The EAB credentials were replaced by another request at the same time: list the subscription to see the new key id.');
      }
    }
    return this.issueCredential(s.id, now);
  }

  private async show(
    s: SubscriptionRecord,
    customer: CustomerRecord,
    cred: EabCredentialRecord,
    clientAddress: string,
    now: Date,
  ): Promise<RevealedCredentials> {
    const hmacKey = hmacKeyText(await this.deps.keyring.openBytes(cred.hmacKeySealed, sealContext(cred.kid)));
    await this.deps.store.caas.recordView({ id: newId(), kid: cred.kid, viewedAt: now, clientAddress: clientAddress.slice(0, 100) });
    return {
      subscriptionId: s.id,
      kid: cred.kid,
      hmacKey,
      directoryUrl: this.directoryUrl,
      expiresAt: cred.revealUntil,
      snippets: buildSnippets({ directoryUrl: this.directoryUrl, kid: cred.kid, hmacKey, email: customer.email }),
      views: await this.deps.store.caas.viewsOf([cred.kid]),
    };
  }

  private async summarize(s: SubscriptionRecord, accountEmail: string): Promise<SubscriptionSummary> {
    // The live credential first (a replace may share its millisecond with the one it revoked), then newest.
    const t = (d: Date | null) => d?.getTime() ?? Number.MAX_SAFE_INTEGER;
    const creds = (await this.deps.store.caas.credentialsOf(s.id)).sort(
      (a, b) => t(b.revokedAt) - t(a.revokedAt) || b.createdAt.getTime() - a.createdAt.getTime(),
    );
    const [newest, ...previous] = creds;
    return {
      subscription: s,
      accountEmail,
      state: this.stateOf(s),
      acmeAccountsBound: await this.deps.store.caas.accountsOfSubscription(s.id),
      credential: newest ? { ...newest, accountsBound: await this.deps.store.caas.accountsBoundTo(newest.kid) } : null,
      previousCredentials: previous,
    };
  }
}
