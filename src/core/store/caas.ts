/**
 * Storage of CaaS subscriptions and their EAB credentials. The HMAC key is stored only sealed
 * (AES-256-GCM bound to table `eab_credentials`, row = kid, purpose `eab-hmac`): the server needs it to
 * verify bindings, so it cannot be a digest.
 */

export type SubscriptionStatus = 'active' | 'revoked';

/** A plan's limits as stored on the subscription (a copy: changing a preset later changes no subscription). */
export interface PlanLimits {
  maxCertificates: number;
  maxNamesPerOrder: number;
  wildcards: boolean;
  maxValidityDays: number;
  /** ACME accounts one credential may bind; null = unlimited while the subscription lives. */
  maxAccountsPerCredential: number | null;
  notAfter: Date;
}

export interface SubscriptionRecord extends PlanLimits {
  id: string;
  customerId: string;
  /** The preset it started from ("starter", "business", "enterprise") or "custom". */
  plan: string;
  /** Certificates issued (or being issued) under it: the count of its plan reservations. */
  certificatesIssued: number;
  status: SubscriptionStatus;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface EabCredentialRecord {
  kid: string;
  subscriptionId: string;
  /** keyring.seal(raw HMAC key bytes, { table: 'eab_credentials', id: kid, purpose: 'eab-hmac' }) */
  hmacKeySealed: string;
  createdAt: Date;
  /** The customer may read the HMAC key until then (7 days after issue); never afterwards. */
  revealUntil: Date;
  revokedAt: Date | null;
}

export interface EabViewRecord {
  id: string;
  kid: string;
  viewedAt: Date;
  clientAddress: string;
}

export interface CaasStore {
  createSubscription(s: SubscriptionRecord): Promise<void>;
  subscription(id: string): Promise<SubscriptionRecord | undefined>;
  subscriptionsOf(customerId: string): Promise<SubscriptionRecord[]>;
  allSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Marks an active subscription revoked; false when it was revoked already (or does not exist). */
  revokeSubscription(id: string, at: Date): Promise<boolean>;
  /**
   * Reserves one of the plan's certificates for an ACME order, in one conditional statement: only while
   * the subscription is active, not past its notAfter at `now`, and holds fewer reservations than its
   * maxCertificates. Idempotent per order: 'held' when the order holds one already.
   */
  reserveCertificate(subscriptionId: string, acmeOrderId: string, now: Date): Promise<'reserved' | 'held' | 'refused'>;
  /**
   * finalize's claim and reservation in one atomic unit (one commit): the ACME order goes from `ready` to
   * `processing` with its CSR (processingStartedAt and leaseAt = `now`), and only if it did, one of the plan's
   * certificates is reserved for it as reserveCertificate does. 'unclaimed' when the order was not ready (nothing
   * changed); otherwise the reservation's outcome, the order being processing either way.
   */
  claimAndReserve(subscriptionId: string, acmeOrderId: string, csrPem: string, now: Date): Promise<'unclaimed' | 'reserved' | 'held' | 'refused'>;
  /** Gives an order's reservation back (its issuance failed); false when it held none. */
  releaseCertificate(acmeOrderId: string): Promise<boolean>;

  createCredential(c: EabCredentialRecord): Promise<void>;
  credential(kid: string): Promise<EabCredentialRecord | undefined>;
  /** Every credential of a subscription, newest first (at most one unrevoked). */
  credentialsOf(subscriptionId: string): Promise<EabCredentialRecord[]>;
  /** Revokes an unrevoked credential; false when it was revoked already (a concurrent replace won). */
  revokeCredential(kid: string, at: Date): Promise<boolean>;

  recordView(v: EabViewRecord): Promise<void>;
  /** Views of these credentials, newest first. */
  viewsOf(kids: string[]): Promise<EabViewRecord[]>;

  /** ACME accounts (rows of acme_accounts, any status) bound with this key id. */
  accountsBoundTo(kid: string): Promise<number>;
  /** ACME accounts bound to this subscription, through any of its credentials. */
  accountsOfSubscription(subscriptionId: string): Promise<number>;
}
