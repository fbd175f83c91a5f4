/** What the registration authority works with: storage, time, the VA, the issuer and the plan policy. */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store/types.js';
import type { ValidationAuthority } from '../va/va.js';
import type { Issuer } from '../ca/issuer.js';
import type { AcmePlanPolicy } from '../caas/acme-policy.js';

export interface RaDeps {
  store: Store;
  clock: Clock;
  keyring: Keyring;
  va: ValidationAuthority;
  issuer: Issuer;
  plans: AcmePlanPolicy;
  logger: Logger;
  config: Pick<Config, 'issuance'> & Partial<Pick<Config, 'delegation' | 'mail' | 'baseUrl'>>;
}

export const leaseMs = (d: RaDeps) => d.config.issuance.leaseSeconds * 1000;
export const giveUpMs = (d: RaDeps) => d.config.issuance.giveUpSeconds * 1000;
