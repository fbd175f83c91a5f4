/**
 * Storage of the ACME server (RFC 8555): anti-replay nonces, accounts, orders, authorizations and
 * challenges. Every write is one atomic statement or one atomic unit of statements (a new order with its
 * authorizations: a transaction, a D1 batch), and state
 * changes that race (two finalizes, two challenge POSTs) are conditional on the state they start from:
 * the method returns false when another request got there first.
 */

export type AcmeAccountStatus = 'valid' | 'deactivated' | 'revoked';
export type AcmeOrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AcmeAuthzStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type AcmeChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

export interface AcmeIdentifier {
  type: string;
  value: string;
}

/** A problem document as stored on an order or challenge (RFC 9457 members). */
export type StoredProblem = Record<string, unknown>;

export interface AcmeAccountRecord {
  id: string;
  /** RFC 7638 SHA-256 thumbprint of the account key: one account per key. */
  thumbprint: string;
  /** The public key, RFC 7638 members only. */
  jwk: Record<string, unknown>;
  status: AcmeAccountStatus;
  contact: string[];
  /** The EAB key id that bound the account. */
  eabKid: string;
  subscriptionId: string;
  createdAt: Date;
}

export interface AcmeOrderRecord {
  id: string;
  accountId: string;
  status: AcmeOrderStatus;
  /** As ordered, normalized: wildcards keep their "*." here. */
  identifiers: AcmeIdentifier[];
  notBefore: Date | null;
  notAfter: Date | null;
  expires: Date;
  error: StoredProblem | null;
  certificateId: string | null;
  /** The issuer's handle while it is "pending" (processing). */
  issuerHandle: string | null;
  /** RFC 9773 certID of the certificate this order replaces. */
  replaces: string | null;
  profile: string | null;
  /** The finalize CSR (PEM), kept from `processing` on: issuance can be submitted again after a crash. */
  csrPem: string | null;
  /** When finalize moved the order to processing, and when a request last took the issuance over. */
  processingStartedAt: Date | null;
  leaseAt: Date | null;
  createdAt: Date;
}

export interface AcmeAuthorizationRecord {
  id: string;
  orderId: string;
  accountId: string;
  identifierType: string;
  /** Without "*." (RFC 8555 §7.1.4); `wildcard` says whether the order asked for the wildcard. */
  identifierValue: string;
  wildcard: boolean;
  status: AcmeAuthzStatus;
  expires: Date;
  /** When a challenge proved control: the start of the reuse window. */
  validatedAt: Date | null;
}

export interface AcmeChallengeRecord {
  id: string;
  authzId: string;
  type: string;
  token: string;
  status: AcmeChallengeStatus;
  validated: Date | null;
  error: StoredProblem | null;
  /** When the validation in progress started (status `processing`). */
  attemptedAt: Date | null;
}

/**
 * The replay store of ACME nonces. Nonces are stateless (src/acme/server/nonces.ts: timestamp, random and
 * MAC, checked without the store), so only the ones CONSUMED are written here, each until it would have
 * expired anyway: a nonce handed out and never used costs no row.
 */
export interface AcmeNonceStore {
  /**
   * Set by a store that only this process sees (memory-nonces.ts): nonces carry it in their MAC, so a
   * nonce handed out by another process, or by an earlier run of this one, fails its MAC here instead of
   * being accepted a second time. Undefined for a shared database: any instance's nonce is good on all.
   */
  readonly scope?: string;
  /**
   * Records `nonce` as used until `expiresAt`, in one insert-or-fail statement: true the first time,
   * false when it was recorded already (a replay), on whichever instance shares the store.
   */
  markUsed(nonce: string, expiresAt: Date): Promise<boolean>;
  /** Deletes records that expired at or before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface AcmeAccountStore {
  /**
   * Inserts the account unless its key already has one ('exists'). With `maxPerKid`, the insert is
   * conditional on fewer than that many accounts bound with the same EAB key id ('limit'), in the same
   * statement, so concurrent registrations cannot overrun the plan.
   */
  create(a: AcmeAccountRecord, maxPerKid: number | null): Promise<'created' | 'exists' | 'limit'>;
  byId(id: string): Promise<AcmeAccountRecord | undefined>;
  byThumbprint(thumbprint: string): Promise<AcmeAccountRecord | undefined>;
  /** Changes contact and/or status; returns the record afterwards (undefined when there is none). */
  update(id: string, changes: Partial<Pick<AcmeAccountRecord, 'contact' | 'status'>>): Promise<AcmeAccountRecord | undefined>;
  /**
   * Rolls the key over if the account still has `fromThumbprint`: 'changed', 'stale' (the key changed in
   * between) or 'conflict' (another account holds the new key).
   */
  changeKey(id: string, fromThumbprint: string, to: { thumbprint: string; jwk: Record<string, unknown> }): Promise<'changed' | 'stale' | 'conflict'>;
}

export interface AcmeOrderStore {
  /**
   * The order, its new authorizations and their challenges, and the links to the authorizations it uses
   * (new and reused), as one atomic unit (StoreDb.atomically): all of them exist, or none.
   */
  create(o: AcmeOrderRecord, authorizations: AcmeAuthorizationRecord[], challenges: AcmeChallengeRecord[], reusedAuthzIds?: string[]): Promise<void>;
  byId(id: string): Promise<AcmeOrderRecord | undefined>;
  /** The account's orders that are not invalid, newest first, `limit` from `offset`. */
  listByAccount(accountId: string, page: { offset: number; limit: number }): Promise<AcmeOrderRecord[]>;
  /** Orders whose `replaces` is this certID, any status. */
  replacing(certId: string): Promise<AcmeOrderRecord[]>;
  /**
   * Applies `changes` when the order's status is one of `from` (any status when omitted) and every column
   * in `match` still has the given value (null = IS NULL); true if applied.
   */
  update(
    id: string,
    changes: Partial<Omit<AcmeOrderRecord, 'id' | 'accountId'>>,
    from?: AcmeOrderStatus[],
    match?: Partial<Pick<AcmeOrderRecord, 'leaseAt' | 'issuerHandle'>>,
  ): Promise<boolean>;
  /** The orders that use this authorization (its own and those that reuse it). */
  usingAuthorization(authzId: string): Promise<AcmeOrderRecord[]>;
  /** Processing orders whose lease is at or before `cutoff`, oldest first. */
  needingRecovery(cutoff: Date, limit: number): Promise<AcmeOrderRecord[]>;
  /** Invalidates the account's pending and ready orders (account deactivation); returns how many. */
  invalidateOpen(accountId: string, error: StoredProblem): Promise<number>;
}

export interface AcmeAuthorizationStore {
  byId(id: string): Promise<AcmeAuthorizationRecord | undefined>;
  /** The authorizations an order uses (its own and reused ones). */
  forOrder(orderId: string): Promise<AcmeAuthorizationRecord[]>;
  /** The account's newest valid authorization for this identifier, unexpired at `now` and validated at or after `validatedSince`. */
  reusable(
    accountId: string,
    identifier: { type: string; value: string; wildcard: boolean },
    now: Date,
    validatedSince: Date,
  ): Promise<AcmeAuthorizationRecord | undefined>;
  /** The account's valid, unexpired authorizations (revocation by an authorized account, RFC 8555 §7.6). */
  validForAccount(accountId: string, now: Date): Promise<AcmeAuthorizationRecord[]>;
  update(id: string, changes: Partial<Pick<AcmeAuthorizationRecord, 'status' | 'expires' | 'validatedAt'>>, from?: AcmeAuthzStatus[]): Promise<boolean>;
  /** Deactivates the account's pending and valid authorizations (account deactivation); returns how many. */
  deactivateForAccount(accountId: string): Promise<number>;
}

export interface AcmeChallengeStore {
  byId(id: string): Promise<AcmeChallengeRecord | undefined>;
  /** The challenge with its authorization, in one read (a challenge POST needs both). */
  withAuthorization(id: string): Promise<{ challenge: AcmeChallengeRecord; authorization: AcmeAuthorizationRecord } | undefined>;
  forAuthorizations(authzIds: string[]): Promise<AcmeChallengeRecord[]>;
  /**
   * A validation's success, as one atomic unit (a crash leaves all of it or none): the processing challenge
   * becomes valid; its pending authorization valid, validated at `validated` and good until `authzExpires`;
   * and each pending order using the authorization ready once all of its authorizations are valid.
   * Answers whether the authorization moved.
   */
  validated(challengeId: string, authzId: string, validated: Date, authzExpires: Date): Promise<boolean>;
  /**
   * A validation's failure, as one atomic unit: the processing challenge becomes invalid with `error`, its
   * pending authorization invalid. Answers whether the authorization moved (the caller then invalidates the
   * orders using it).
   */
  invalidated(challengeId: string, authzId: string, error: StoredProblem): Promise<boolean>;
  update(
    id: string,
    changes: Partial<Omit<AcmeChallengeRecord, 'id' | 'authzId'>>,
    from?: AcmeChallengeStatus[],
    match?: Partial<Pick<AcmeChallengeRecord, 'attemptedAt'>>,
  ): Promise<boolean>;
}

export interface AcmeStore {
  nonces: AcmeNonceStore;
  accounts: AcmeAccountStore;
  orders: AcmeOrderStore;
  authorizations: AcmeAuthorizationStore;
  challenges: AcmeChallengeStore;
}
