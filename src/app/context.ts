/** What every request handler receives: the services, built once per app, and the authenticated customer. */
import type { JwsSignatureVerifier } from '../acme/jws/signatures.js';
import type { Context } from 'hono';
import type { Config } from '../core/config.js';
import type { Clock } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { PasswordHasher } from '../core/secrets/password.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import type { AccountService } from '../accounts/service.js';
import type { AccountDeletion } from '../orders/account-deletion.js';
import type { AccountMail } from '../accounts/mail-links.js';
import type { OrderService } from '../orders/service.js';
import type { CaasCustomer } from '../caas/customer.js';
import type { CaasOperator } from '../caas/operator.js';
import type { EabKeys } from '../caas/eab-keys.js';
import type { TrackingService } from '../tracking/service.js';
import type { CrlPublisher } from '../issuance/crl-publisher.js';
import type { ValidationAuthority } from '../va/va.js';
import type { EmbeddedCa } from '../ca/embedded.js';
import type { Issuer } from '../ca/issuer.js';
import type { KeyPool } from '../autocsr/key-pool.js';
import type { RegistrationAuthority } from '../ra/index.js';
import type { AcmePlanPolicy } from '../caas/acme-policy.js';
import type { DelegationService } from '../caas/delegation.js';
import type { RateLimits } from '../core/rate-limits.js';
import type { Mailer } from '../mail/mailer.js';

import type { Logger } from '../core/logger.js';
export type { Logger };

/** What an entry point hands to createApp. */
export interface AppDeps {
  config: Config;
  store: Store;
  keyring: Keyring;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  /** The client's address as the runtime sees it (socket on Node, CF-Connecting-IP on Workers). */
  clientAddress: (c: Context) => string;
  /** Domain validation (http-01, dns-01, tls-alpn-01 where the runtime can) and CAA. */
  va: ValidationAuthority;
  /** The embedded CA: root and intermediate published by the gateway, CRL signer. */
  ca: EmbeddedCa;
  /** What signs orders: the embedded CA by default, an upstream CA in production. */
  issuer: Issuer;
  /** Warm AutoCSR key pairs (Node); without one each order generates its key. */
  keyPool?: KeyPool;
  /** Sends the outbox's mails (SMTP on Node, an HTTP mail API on Workers); absent without mail settings. */
  mailer?: Mailer;
  /** How ACME requests' signatures are checked: node:crypto on Node; WebCrypto when absent. */
  jwsSignatures?: JwsSignatureVerifier;
}

export interface Services extends AppDeps {
  accounts: AccountService;
  /** Address verification and password reset by mail. */
  accountMail: AccountMail;
  orders: OrderService;
  /** CaaS as the customer sees it (REST API, portal). */
  caasCustomer: CaasCustomer;
  /** CaaS as the operator sees it (admin API, CLI). */
  caasOperator: CaasOperator;
  /** The ACME server's EAB key look-up. */
  eabKeys: EabKeys;
  tracking: TrackingService;
  crl: CrlPublisher;
  /** The registration authority: every certificate's lifecycle. */
  ra: RegistrationAuthority;
  plans: AcmePlanPolicy;
  /** Rate limits per account and per client address (sign-ups, orders, domain checks, ACME accounts). */
  limits: RateLimits;
  /** A customer deleting their own account. */
  accountDeletion: AccountDeletion;
  /** DNS delegation records of CaaS customers (EABGATE_DELEGATION_ZONE). */
  delegation: DelegationService;
}

export type AppEnv = {
  Variables: {
    services: Services;
    customer: CustomerRecord;
  };
};

/**
 * What the ACME server's handlers may use: its storage, the registration authority (every state change of
 * orders, authorizations and certificates), the EAB key look-up, the VA's challenge types and the keyring
 * (the MAC of stateless nonces). Not the customer-facing services.
 */
export type AcmeServices = Pick<
  Services,
  'config' | 'store' | 'clock' | 'keyring' | 'logger' | 'ra' | 'eabKeys' | 'va' | 'limits' | 'clientAddress' | 'jwsSignatures'
>;
export type AcmeEnv = { Variables: { services: AcmeServices } };

/** What the portal's handlers may use: the customer-facing services, never the store or the RA directly. */
export type PortalServices = Pick<Services, 'config' | 'clock' | 'keyring' | 'logger' | 'clientAddress' | 'accounts' | 'accountMail' | 'orders' | 'tracking' | 'caasCustomer' | 'limits' | 'accountDeletion'>;

