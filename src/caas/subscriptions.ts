/**
 * Certificate-as-a-Service subscriptions and their EAB credentials (key id + HMAC key), as the operator
 * and the customer both see them: summaries, the one live credential, revoke-and-replace. The audiences
 * have their own classes (operator.ts, customer.ts); the ACME server's key look-up is eab-keys.ts and the
 * plan policy the registration authority applies is acme-policy.ts.
 *
 * The HMAC key lives only sealed in the store (bound to its row); it never enters a log line or a problem.
 */
import type { Clock } from '../core/clock.js';
import { DAY_MS } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import type { EabCredentialRecord, EabViewRecord, SubscriptionRecord } from '../core/store/caas.js';
import { problems, type Problem } from '../core/problem.js';
import { newId } from '../core/secrets/tokens.js';
import { newHmacKey, newKid, hmacKeyText } from './credentials.js';
import { buildSnippets, type Snippets } from './snippets.js';
import { delegationLabel } from './delegation.js';

/** How long after issue the customer can read the HMAC key. */
export const EAB_REVEAL_TTL_MS = 7 * DAY_MS;

export interface CaasDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  config: Pick<Config, 'baseUrl'> & Partial<Pick<Config, 'delegation'>>;
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
  /** DNS delegation (EABGATE_DELEGATION_ZONE): the record every name needs once, `<name>` to replace. */
  delegation?: { template: string; target: string };
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
}

/** Assignable to `EabKeyLookup<EabBinding>` of src/acme/eab/verify.ts. */
export type EabKeyResult =
  | { status: 'ok'; hmacKey: Uint8Array; subscriptionId: string; customerId: string; kid: string; binding: EabBinding }
  | { status: 'refused'; problem: Problem };


export const sealContext = (kid: string) => ({ table: 'eab_credentials', id: kid, purpose: 'eab-hmac' });
export const quoted = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
export const day = (d: Date) => d.toISOString();

export class SubscriptionBook {
  constructor(protected readonly deps: CaasDeps) {}

  get directoryUrl(): string {
    return `${this.deps.config.baseUrl.replace(/\/+$/, '')}/acme/directory`;
  }

  stateOf(s: SubscriptionRecord, now = this.deps.clock.now()): SubscriptionState {
    if (s.status === 'revoked') return 'revoked';
    return now >= s.notAfter ? 'lapsed' : 'active';
  }


  protected missing(id: string): Problem {
    return problems.notFound(`id: no subscription ${quoted(id)} in this account`, { field: 'id' });
  }

  protected assertUsable(s: SubscriptionRecord): void {
    const state = this.stateOf(s);
    if (state === 'revoked') {
      throw problems.gone(`The subscription was revoked on ${s.revokedAt ? day(s.revokedAt) : 'an earlier date'}: its EAB credentials no longer work.`);
    }
    if (state === 'lapsed') throw problems.gone(`The subscription ended on ${day(s.notAfter)}: its EAB credentials no longer work.`);
  }

  protected async liveCredential(s: SubscriptionRecord): Promise<EabCredentialRecord> {
    const live = (await this.deps.store.caas.credentialsOf(s.id)).find((c) => !c.revokedAt);
    if (!live) {
      throw problems.gone(
        `The subscription has no live EAB credentials: get a new pair with POST /api/v1/subscriptions/${s.id}/eab-credentials/replace.`,
      );
    }
    return live;
  }

  protected async issueCredential(subscriptionId: string, now: Date): Promise<EabCredentialRecord> {
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
  protected async replace(s: SubscriptionRecord): Promise<EabCredentialRecord> {
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

  protected async show(
    s: SubscriptionRecord,
    customer: CustomerRecord,
    cred: EabCredentialRecord,
    clientAddress: string,
    now: Date,
  ): Promise<RevealedCredentials> {
    const hmacKey = hmacKeyText(await this.deps.keyring.openBytes(cred.hmacKeySealed, sealContext(cred.kid)));
    const zone = this.deps.config.delegation?.zone;
    const target = zone ? `${await delegationLabel(this.deps.keyring, customer.id)}.${zone}` : undefined;
    await this.deps.store.caas.recordView({ id: newId(), kid: cred.kid, viewedAt: now, clientAddress: clientAddress.slice(0, 100) });
    return {
      subscriptionId: s.id,
      kid: cred.kid,
      hmacKey,
      directoryUrl: this.directoryUrl,
      expiresAt: cred.revealUntil,
      snippets: buildSnippets({ directoryUrl: this.directoryUrl, kid: cred.kid, hmacKey, email: customer.email, delegationTarget: target }),
      ...(target ? { delegation: { template: `_acme-challenge.<name> CNAME ${target}.`, target } } : {}),
      views: await this.deps.store.caas.viewsOf([cred.kid]),
    };
  }

  protected async summarize(s: SubscriptionRecord, accountEmail: string): Promise<SubscriptionSummary> {
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
