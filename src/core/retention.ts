/**
 * How long eabgate keeps what it no longer needs (issue 13 part 6). The periodic purge (Node timer,
 * Workers cron, `eabgate purge`) enforces these; README "Retention" documents them.
 *
 *   - EAB view log (client IP addresses): 90 days, enough to answer "who looked at my key?".
 *   - ACME state (orders with their authorizations and challenges): 30 days after the order expired
 *     (RFC 8555 `expires`); certificates stay (the CA keeps those, see below).
 *   - Personal data of closed tracking orders (the CSR, the organization's e-mail address and unit, which
 *     the certificate does not carry): 90 days after the order closed (rejected, failed, revoked, or its
 *     last certificate expired). What the certificate carries stays with it.
 *   - Domain validation records of tracking orders: 2 years after the order closed, the Baseline
 *     Requirements' minimum for validation records (§5.5.2: two years after the certificate based on
 *     them ceases to be valid).
 *   - Certificates and revocation data: kept (CRLs must list a revoked certificate until it expires,
 *     and §5.5.2 asks the CA to keep its records).
 */
import { DAY_MS } from './clock.js';

export const RETENTION_DAYS = {
  eabViews: 90,
  acmeState: 30,
  closedOrderPersonalData: 90,
  validationRecords: 730,
} as const;

export type RetentionCutoffs = { [K in keyof typeof RETENTION_DAYS]: Date };

export function retentionCutoffs(now: Date): RetentionCutoffs {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    eabViews: before(RETENTION_DAYS.eabViews),
    acmeState: before(RETENTION_DAYS.acmeState),
    closedOrderPersonalData: before(RETENTION_DAYS.closedOrderPersonalData),
    validationRecords: before(RETENTION_DAYS.validationRecords),
  };
}
