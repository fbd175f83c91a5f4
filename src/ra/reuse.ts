/**
 * How long a validation may be reused for issuance, after the CA/Browser Forum Baseline Requirements as
 * amended by ballot SC-081 (§4.2.1 and §3.2.2.14):
 *   - domain validation: 398 days before 2026-03-15, then 200 days, 100 days from 2027-03-15 and 10 days
 *     from 2029-03-15;
 *   - organization (OV/EV) data: 825 days before 2026-03-15, 398 days from then on.
 * A validation is reusable at an issuance when its age is within the period that applies on both dates
 * (the validation's and the issuance's): the shorter of the two, since the periods only shrink.
 */
import { DAY_MS } from '../core/clock.js';

interface Step {
  from: Date;
  days: number;
}

const at = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

/** Newest first: from this date (UTC midnight) on, at most `days`. */
export const DOMAIN_REUSE_STEPS: readonly Step[] = [
  { from: at(2029, 3, 15), days: 10 },
  { from: at(2027, 3, 15), days: 100 },
  { from: at(2026, 3, 15), days: 200 },
];
export const DOMAIN_REUSE_BEFORE_STEPS = 398;

export const ORGANIZATION_REUSE_STEPS: readonly Step[] = [{ from: at(2026, 3, 15), days: 398 }];
export const ORGANIZATION_REUSE_BEFORE_STEPS = 825;

function periodAt(steps: readonly Step[], before: number, date: Date): number {
  const t = date.getTime();
  for (const s of steps) if (t >= s.from.getTime()) return s.days;
  return before;
}

/** The domain-validation reuse period, in days, that applies on `date`. */
export const domainReuseDays = (date: Date): number => periodAt(DOMAIN_REUSE_STEPS, DOMAIN_REUSE_BEFORE_STEPS, date);

/** The organization-data reuse period, in days, that applies on `date`. */
export const organizationReuseDays = (date: Date): number => periodAt(ORGANIZATION_REUSE_STEPS, ORGANIZATION_REUSE_BEFORE_STEPS, date);

function reusable(period: (d: Date) => number, validatedAt: Date | null, issuedAt: Date): boolean {
  if (!validatedAt) return false;
  const age = issuedAt.getTime() - validatedAt.getTime();
  if (age < 0) return true; // validated "after" now: clock skew between instances, not staleness
  return age <= Math.min(period(validatedAt), period(issuedAt)) * DAY_MS;
}

/** Whether a domain validation done at `validatedAt` may back a certificate issued at `issuedAt`. */
export const domainValidationReusable = (validatedAt: Date | null, issuedAt: Date): boolean =>
  reusable(domainReuseDays, validatedAt, issuedAt);

/** Whether organization data verified at `validatedAt` may back an OV/EV certificate issued at `issuedAt`. */
export const organizationValidationReusable = (validatedAt: Date | null, issuedAt: Date): boolean =>
  reusable(organizationReuseDays, validatedAt, issuedAt);

/** The earliest validation date still reusable for an issuance at `issuedAt`. */
export function oldestReusableDomainValidation(issuedAt: Date): Date {
  return new Date(issuedAt.getTime() - domainReuseDays(issuedAt) * DAY_MS);
}
