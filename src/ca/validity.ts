/**
 * How long a TLS server certificate may be valid, after the CA/Browser Forum Baseline Requirements
 * (§6.3.2, as amended by ballot SC-081): the cap depends on the date of issuance.
 *
 * BR §1.6.4 counts a validity period from notBefore through notAfter *inclusive*, and a day as 86,400
 * seconds; any excess is one more day. A certificate of N days therefore ends N × 86,400 − 1 seconds after
 * it starts (see notAfterFor).
 */
import { DAY_MS } from '../core/clock.js';
import { problems } from '../core/problem.js';

/** The caps, newest first: issued at or after `from` (UTC midnight) → at most `days`. */
export const BR_VALIDITY_STEPS: readonly { from: Date; days: number }[] = [
  { from: new Date(Date.UTC(2029, 2, 15)), days: 47 },
  { from: new Date(Date.UTC(2027, 2, 15)), days: 100 },
  { from: new Date(Date.UTC(2026, 2, 15)), days: 200 },
];

/** The cap before the first step (2026-03-15). */
export const BR_VALIDITY_BEFORE_STEPS = 398;

/** The longest validity, in days, the Baseline Requirements allow for a certificate issued at `issuedAt`. */
export function maxValidityDays(issuedAt: Date): number {
  const t = issuedAt.getTime();
  if (Number.isNaN(t)) throw new TypeError('maxValidityDays: invalid date');
  for (const step of BR_VALIDITY_STEPS) {
    if (t >= step.from.getTime()) return step.days;
  }
  return BR_VALIDITY_BEFORE_STEPS;
}

function positiveDays(name: string, days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw problems.validation(`${name}: must be a whole number of days of at least 1, got ${days}`, { field: name });
  }
  return days;
}

/** The Baseline Requirements cap at `issuedAt`, lowered to the CA's configured maximum when that is lower. */
export function allowedValidityDays(issuedAt: Date, caMaxDays?: number): number {
  const br = maxValidityDays(issuedAt);
  return caMaxDays === undefined ? br : Math.min(br, positiveDays('caMaxDays', caMaxDays));
}

/** min(requested, BR cap at `issuedAt`, CA maximum); with no request, the longest allowed. */
export function validityDaysFor(issuedAt: Date, requestedDays?: number, caMaxDays?: number): number {
  const allowed = allowedValidityDays(issuedAt, caMaxDays);
  return requestedDays === undefined ? allowed : Math.min(allowed, positiveDays('validityDays', requestedDays));
}

/** The notAfter of a certificate of exactly `days` days starting at `notBefore` (inclusive, BR §1.6.4). */
export function notAfterFor(notBefore: Date, days: number): Date {
  return new Date(notBefore.getTime() + days * DAY_MS - 1000);
}

/** X.509 times carry whole seconds: drop the milliseconds so that the dates reported match the certificate. */
export function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
