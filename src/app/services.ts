/**
 * The wiring: the services every edge works with, built once per app from what the entry point hands over.
 * The registration authority is the one owner of the certificate lifecycle; the customer-facing services
 * (accounts, orders, tracking, CaaS) sit beside it.
 */
import type { AppDeps, Services } from './context.js';
import { AccountService } from '../accounts/service.js';
import { AccountMail } from '../accounts/mail-links.js';
import { OrderService } from '../orders/service.js';
import { AccountDeletion } from '../orders/account-deletion.js';
import { CaasCustomer } from '../caas/customer.js';
import { CaasOperator } from '../caas/operator.js';
import { EabKeys } from '../caas/eab-keys.js';
import { TrackingService } from '../tracking/service.js';
import { CrlPublisher } from '../issuance/crl-publisher.js';
import { registrationAuthority } from '../ra/index.js';
import { RateLimits } from '../core/rate-limits.js';
import { DelegationService } from '../caas/delegation.js';

export function buildServices(deps: AppDeps): Services {
  const { ra, plans } = registrationAuthority(deps);
  const orders = new OrderService({ ...deps, ra });
  const accounts = new AccountService(deps);
  return {
    ...deps,
    accounts,
    accountDeletion: new AccountDeletion({ ...deps, accounts, ra }),
    accountMail: new AccountMail(deps),
    caasCustomer: new CaasCustomer(deps),
    caasOperator: new CaasOperator(deps),
    eabKeys: new EabKeys(deps),
    orders,
    tracking: new TrackingService({ ...deps, orders, ra }),
    crl: new CrlPublisher(deps),
    ra,
    plans,
    limits: new RateLimits(deps.store.throttles, deps.clock, deps.config.limits),
    delegation: new DelegationService(deps),
  };
}
