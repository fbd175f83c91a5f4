/**
 * What the order flow asks of a certificate authority. The embedded CA answers at once; an upstream CA
 * (ACME) may answer "pending" with a handle to poll. Implementations return "failed" for a request the CA
 * refuses, and throw only for faults of their own.
 */
import type { Organization, Product } from '../core/store/types.js';
import type { RevocationReason } from './revocation.js';
import type { UpstreamChallenges } from './upstream.js';

export interface IssueRequest {
  /** The gateway's order id: lets an upstream implementation make its handle and keep its idempotence. */
  orderId: string;
  product: Product;
  /** Normalized DNS names; the first is the CN. May be empty when `ipAddresses` is not. */
  domains: string[];
  /** IP addresses (ACME IP identifiers, RFC 8738), canonical text: iPAddress SANs, never the CN. */
  ipAddresses?: string[];
  /** PKCS#10 CSR (PEM), already checked against the order. */
  csrPem: string;
  /** The order's organization, for OV and EV. */
  organization?: Organization;
  /** Validity asked for, in days; the CA applies its own and the Baseline Requirements' caps. */
  validityDays?: number;
  /** The gateway's own certificate (EABGATE_TLS=auto): single-label names such as "localhost" allowed. */
  internalNames?: boolean;
  /** An upstream order already validated for these names (upstream mode): finalized instead of a new one. */
  upstreamOrderUrl?: string;
  /**
   * DNS delegation (ACME orders): per name (as the upstream's authorization names it, without "*.") the
   * name in the delegation zone where the issuer publishes the upstream's dns-01 TXT and answers it itself.
   */
  delegation?: Record<string, string>;
  /** An ACME (CaaS) order: routed to the "caas" upstream when products go to different upstreams. */
  caas?: boolean;
}

export interface Issued {
  state: 'issued';
  /** The leaf certificate (PEM). */
  certificatePem: string;
  /** The intermediate(s) (PEM), issuer of the leaf first, no root. */
  chainPem: string;
  /** Lower-case hex, without leading zero bytes: as it appears on a CRL. */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** The issuer's distinguished name, e.g. "O=eabgate, CN=eabgate Intermediate CA" (RDNs in certificate order). */
  issuer: string;
}

export interface Pending {
  state: 'pending';
  /** Opaque to the caller: handed back to poll(). */
  handle: string;
  retryAfterSeconds: number;
}

export interface Failed {
  state: 'failed';
  reason: string;
}

export type IssueResult = Issued | Pending | Failed;

export interface Issuer {
  submit(request: IssueRequest): Promise<IssueResult>;
  poll(handle: string): Promise<IssueResult>;
  revoke?(serialHex: string, reason: RevocationReason): Promise<void>;
  /**
   * Present on an upstream ACME CA whose challenges the customer answers: the RA then carries each
   * tracking order through an upstream order (src/ra/tracking/upstream.ts).
   */
  upstream?: UpstreamChallenges;
}
