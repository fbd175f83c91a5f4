/**
 * The storage interface the core owns. Adapters (better-sqlite3 on Node, D1 on Workers) implement it
 * through one Drizzle schema. Nothing stored here is a private key or a secret in plain text: sealed values
 * are AES-256-GCM ciphertexts bound to their row, credentials are keyed digests.
 */
import type { CaasStore } from './caas.js';
import type { UpstreamOrderStore } from './upstream.js';
import type { AcmeStore } from './acme.js';
import type { RetentionStore } from './retention.js';
import type { MailStore } from './mail.js';

export type Product = 'dv' | 'ov' | 'ev';

export interface Organization {
  name?: string;
  unit?: string;
  locality?: string;
  state?: string;
  country?: string;
  email?: string;
  /** EV only (EV Guidelines §7.1.4.2): the entity's category, registration number and jurisdiction. */
  businessCategory?: string;
  registrationNumber?: string;
  jurisdictionCountry?: string;
  jurisdictionState?: string;
  jurisdictionLocality?: string;
}

/** EV Guidelines §7.1.4.2.3: the values of businessCategory. */
export const BUSINESS_CATEGORIES = ['Private Organization', 'Government Entity', 'Business Entity', 'Non-Commercial Entity'] as const;

export interface CustomerRecord {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export interface SessionRecord {
  tokenDigest: string;
  customerId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ThrottleRecord {
  key: string;
  failures: number;
  windowStart: Date;
  blockedUntil: Date | null;
}

export type OrderStatus =
  | 'pending_validation'
  | 'pending_approval'
  | 'pending_issuance'
  | 'issued'
  | 'rejected'
  | 'failed'
  | 'revoked';

export interface OrderRecord {
  id: string;
  orderNumber: string;
  customerId: string;
  caReferenceDigest: string;
  product: Product;
  domains: string[];
  organization: Organization;
  csrPem: string;
  autoCsr: boolean;
  status: OrderStatus;
  statusReason: string | null;
  issuerHandle: string | null;
  /** The current (or last) issuance attempt; its certificate carries the same id. */
  issuanceId: string | null;
  /** When the current issuance started, and when a request last took it over (crash recovery). */
  issuanceStartedAt: Date | null;
  issuanceLeaseAt: Date | null;
  /** The certificate a reissue replaces, until it is revoked as superseded. */
  replacesCertificateId: string | null;
  /** When an operator approved the organization (OV/EV). */
  approvedAt: Date | null;
  /** A renewal: the id of the order it follows (at most one renewal per order). */
  renewsOrderId?: string | null;
  createdAt: Date;
  processedAt: Date;
  updatedAt: Date;
}

export interface UnlockCodeRecord {
  id: string;
  orderId: string;
  sealed: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface CustomerStore {
  create(c: CustomerRecord): Promise<void>;
  byEmail(email: string): Promise<CustomerRecord | undefined>;
  byId(id: string): Promise<CustomerRecord | undefined>;
  list(): Promise<CustomerRecord[]>;
}

export interface SessionStore {
  create(s: SessionRecord): Promise<void>;
  /** A session that has not expired at `now`. */
  live(tokenDigest: string, now: Date): Promise<SessionRecord | undefined>;
  delete(tokenDigest: string): Promise<void>;
  purgeExpired(now: Date): Promise<number>;
}

export interface ThrottleStore {
  get(key: string): Promise<ThrottleRecord | undefined>;
  put(t: ThrottleRecord): Promise<void>;
  delete(key: string): Promise<void>;
  purgeBefore(cutoff: Date): Promise<number>;
  /**
   * Counts one event in a fixed window, atomically (one statement, so concurrent instances lose no count):
   * a window older than `windowMs` starts again at `now` with 1. Returns the count and the window's start.
   */
  hit(key: string, now: Date, windowMs: number): Promise<{ count: number; windowStart: Date }>;
  /** `hit` for several keys in one atomic unit (one commit); the results in the order of `hits`. */
  hitAll(hits: readonly { key: string; windowMs: number }[], now: Date): Promise<{ count: number; windowStart: Date }[]>;
}

export interface OrderStore {
  create(o: OrderRecord): Promise<void>;
  byNumber(orderNumber: string): Promise<OrderRecord | undefined>;
  byCaReferenceDigest(digest: string): Promise<OrderRecord | undefined>;
  byId(id: string): Promise<OrderRecord | undefined>;
  listByCustomer(customerId: string): Promise<OrderRecord[]>;
  /** The order that renews this one, if any. */
  renewalOf(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * A conditional transition in one statement: applies `changes` only while the order's status is one of
   * `from` and every column in `match` still has the given value (null = IS NULL). Returns the order as it
   * is afterwards, or undefined when another request changed it first.
   */
  transition(
    id: string,
    from: readonly OrderStatus[],
    changes: Partial<Omit<OrderRecord, 'id'>>,
    match?: Partial<Pick<OrderRecord, 'issuanceId' | 'issuanceLeaseAt' | 'replacesCertificateId' | 'statusReason'>>,
  ): Promise<OrderRecord | undefined>;
  /** Orders whose issuance may need a hand: pending_issuance with a lease at or before `cutoff`, or an unfinished replacement. */
  needingRecovery(cutoff: Date, limit: number): Promise<OrderRecord[]>;
}

export interface UnlockCodeStore {
  create(u: UnlockCodeRecord): Promise<void>;
  /** The newest code row of an order, expired or not. */
  latestForOrder(orderId: string): Promise<UnlockCodeRecord | undefined>;
  delete(id: string): Promise<void>;
  /** Deletes every sealed code whose expiry is at or before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface CaMaterialRecord {
  id: string;
  rootCertPem: string;
  intermediateCertPem: string;
  rootKeySealed: string;
  intermediateKeySealed: string;
  crlNumber: number;
  createdAt: Date;
}

export type ValidationStatus = 'pending' | 'valid' | 'invalid';

export interface DomainValidationRecord {
  id: string;
  orderId: string;
  domain: string;
  token: string;
  keyAuthorization: string;
  status: ValidationStatus;
  method: string | null;
  lastCheckedAt: Date | null;
  lastResult: string | null;
  validatedAt: Date | null;
}

export interface CertificateRecord {
  id: string;
  orderId: string | null;
  acmeOrderId: string | null;
  serialHex: string;
  certPem: string;
  chainPem: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
  revocationReason: number | null;
  replacedBy: string | null;
  /** The issuance attempt that produced it: at most one certificate per attempt. */
  issuanceId: string | null;
  createdAt: Date;
}

export interface CaMaterialStore {
  get(id: string): Promise<CaMaterialRecord | undefined>;
  /** Inserts unless a row with that id exists; returns the row that is stored afterwards. */
  createIfAbsent(m: CaMaterialRecord): Promise<CaMaterialRecord>;
  /** Atomically increments and returns the CRL number. */
  nextCrlNumber(id: string): Promise<number>;
}

export interface DomainValidationStore {
  createMany(v: DomainValidationRecord[]): Promise<void>;
  forOrder(orderId: string): Promise<DomainValidationRecord[]>;
  /**
   * Applies `changes` (when `match` is given, only while those columns still have those values, e.g. the
   * token the check was made with); true if applied.
   */
  update(
    id: string,
    changes: Partial<Omit<DomainValidationRecord, 'id' | 'orderId'>>,
    match?: Partial<Pick<DomainValidationRecord, 'token' | 'status'>>,
  ): Promise<boolean>;
}

export interface CertificateStore {
  create(c: CertificateRecord): Promise<void>;
  /**
   * Stores the certificate of an issuance attempt unless that attempt has one already (unique
   * issuanceId); returns the attempt's certificate as stored: this one, or the one stored before.
   */
  createForIssuance(c: CertificateRecord & { issuanceId: string }): Promise<CertificateRecord>;
  /**
   * An ACME order's certificate (issuanceId = acmeOrderId = the order's id) as createForIssuance stores it,
   * and in the same atomic unit the order `valid` with that certificate while it is still `processing`.
   * `attached`: whether this call moved the order.
   */
  createForAcmeOrder(c: CertificateRecord & { issuanceId: string; acmeOrderId: string }): Promise<{ certificate: CertificateRecord; attached: boolean }>;
  byIssuance(issuanceId: string): Promise<CertificateRecord | undefined>;
  /** The certificates of a tracking order that are not revoked. */
  liveForOrder(orderId: string): Promise<CertificateRecord[]>;
  bySerial(serialHex: string): Promise<CertificateRecord | undefined>;
  byId(id: string): Promise<CertificateRecord | undefined>;
  /** The newest certificate of a tracking order. */
  latestForOrder(orderId: string): Promise<CertificateRecord | undefined>;
  /** An ACME order's certificate: the one stored for the issuance named by the order's id, as ACME issuances are. */
  forAcmeOrder(acmeOrderId: string): Promise<CertificateRecord | undefined>;
  revoke(id: string, at: Date, reason: number, replacedBy?: string): Promise<boolean>;
  revoked(): Promise<CertificateRecord[]>;
}

export interface Store {
  customers: CustomerStore;
  sessions: SessionStore;
  throttles: ThrottleStore;
  orders: OrderStore;
  unlockCodes: UnlockCodeStore;
  caMaterial: CaMaterialStore;
  domainValidations: DomainValidationStore;
  certificates: CertificateStore;
  caas: CaasStore;
  acme: AcmeStore;
  retention: RetentionStore;
  upstreamOrders: UpstreamOrderStore;
  mail: MailStore;
}
