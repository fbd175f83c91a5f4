/**
 * src/ra/reuse.ts at each cut-over of the Baseline Requirements (ballot SC-081): the domain-validation
 * reuse period (398 days before 2026-03-15, 200 from then, 100 from 2027-03-15, 10 from 2029-03-15) and
 * the organization-data period (825 days before 2026-03-15, 398 from then), tested at the last millisecond
 * before and the first millisecond of each date; ages just inside and just outside each window; the
 * "shorter of the two dates" rule; and `oldestReusableDomainValidation`.
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.js';
import {
  DOMAIN_REUSE_BEFORE_STEPS,
  DOMAIN_REUSE_STEPS,
  ORGANIZATION_REUSE_BEFORE_STEPS,
  ORGANIZATION_REUSE_STEPS,
  domainReuseDays,
  domainValidationReusable,
  oldestReusableDomainValidation,
  organizationReuseDays,
  organizationValidationReusable,
} from '../../src/ra/reuse.js';

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const minus = (d: Date, ms: number) => new Date(d.getTime() - ms);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

/** [cut-over date, period the day before, period from that date]. */
const DOMAIN_CUTOVERS: [Date, number, number][] = [
  [utc(2026, 3, 15), 398, 200],
  [utc(2027, 3, 15), 200, 100],
  [utc(2029, 3, 15), 100, 10],
];
const ORG_CUTOVERS: [Date, number, number][] = [[utc(2026, 3, 15), 825, 398]];

describe('the tables', () => {
  it('say what the Baseline Requirements say', () => {
    expect(DOMAIN_REUSE_BEFORE_STEPS).toBe(398);
    expect(DOMAIN_REUSE_STEPS.map((s) => [s.from.toISOString(), s.days])).toEqual([
      ['2029-03-15T00:00:00.000Z', 10],
      ['2027-03-15T00:00:00.000Z', 100],
      ['2026-03-15T00:00:00.000Z', 200],
    ]);
    expect(ORGANIZATION_REUSE_BEFORE_STEPS).toBe(825);
    expect(ORGANIZATION_REUSE_STEPS.map((s) => [s.from.toISOString(), s.days])).toEqual([['2026-03-15T00:00:00.000Z', 398]]);
  });
});

describe('domainReuseDays', () => {
  it.each(DOMAIN_CUTOVERS)('changes exactly at %s (UTC midnight): %i days before, %i from then', (at, before, after) => {
    expect(domainReuseDays(minus(at, 1))).toBe(before);
    expect(domainReuseDays(at)).toBe(after);
    expect(domainReuseDays(plus(at, 1))).toBe(after);
  });

  it('is 398 days long before any step, and 10 days far in the future', () => {
    expect(domainReuseDays(utc(2020, 1, 1))).toBe(398);
    expect(domainReuseDays(new Date(0))).toBe(398);
    expect(domainReuseDays(utc(2026, 3, 14))).toBe(398);
    expect(domainReuseDays(utc(2026, 12, 1))).toBe(200);
    expect(domainReuseDays(utc(2028, 6, 1))).toBe(100);
    expect(domainReuseDays(utc(2040, 1, 1))).toBe(10);
  });

  it('takes UTC midnight, not local midnight: 2026-03-14T23:59:59.999Z is still the old period', () => {
    expect(domainReuseDays(new Date('2026-03-14T23:59:59.999Z'))).toBe(398);
    expect(domainReuseDays(new Date('2026-03-15T00:00:00.000Z'))).toBe(200);
    // 2026-03-15 01:00 in UTC+2 is 2026-03-14 23:00 UTC: before the step.
    expect(domainReuseDays(new Date('2026-03-15T01:00:00+02:00'))).toBe(398);
  });
});

describe('organizationReuseDays', () => {
  it.each(ORG_CUTOVERS)('changes exactly at %s: %i days before, %i from then', (at, before, after) => {
    expect(organizationReuseDays(minus(at, 1))).toBe(before);
    expect(organizationReuseDays(at)).toBe(after);
    expect(organizationReuseDays(plus(at, 1))).toBe(after);
  });

  it('stays 398 days after the domain periods shrink further', () => {
    expect(organizationReuseDays(utc(2027, 3, 15))).toBe(398);
    expect(organizationReuseDays(utc(2029, 3, 15))).toBe(398);
    expect(organizationReuseDays(utc(2040, 1, 1))).toBe(398);
  });
});

describe('domainValidationReusable', () => {
  // For each period, an issuance date well inside it (validation and issuance under the same period).
  const cases: [string, Date, number][] = [
    ['before 2026-03-15', utc(2026, 3, 10), 398],
    ['from 2026-03-15', utc(2027, 3, 1), 200],
    ['from 2027-03-15', utc(2029, 3, 1), 100],
    ['from 2029-03-15', utc(2030, 1, 1), 10],
  ];

  it.each(cases)('%s: an age of exactly the period is reusable, one millisecond more is not', (_label, issuedAt, days) => {
    expect(domainReuseDays(issuedAt)).toBe(days);
    const edge = minus(issuedAt, days * DAY_MS);
    expect(domainValidationReusable(edge, issuedAt)).toBe(true);
    expect(domainValidationReusable(minus(edge, 1), issuedAt)).toBe(false);
    expect(domainValidationReusable(plus(edge, DAY_MS), issuedAt)).toBe(true);
    expect(domainValidationReusable(minus(edge, DAY_MS), issuedAt)).toBe(false);
  });

  it('the period at the issuance date applies, since periods only shrink', () => {
    // Validated under 398 days, issued under 200: 250 days old is too old.
    const validated = utc(2026, 1, 1);
    expect(domainValidationReusable(validated, plus(validated, 250 * DAY_MS))).toBe(false); // 2026-09-08: 200 days
    expect(domainValidationReusable(validated, plus(validated, 200 * DAY_MS))).toBe(true);
    // Validated under 200 days, issued under 100: 101 days is too old, 100 is fine.
    const v2 = utc(2027, 1, 1);
    expect(domainValidationReusable(v2, plus(v2, 101 * DAY_MS))).toBe(false); // 2027-04-12
    expect(domainValidationReusable(v2, plus(v2, 100 * DAY_MS))).toBe(true);
    // Validated 2029-03-08 (100-day period), issued 2029-03-20 (10-day period): 12 days is too old.
    expect(domainValidationReusable(utc(2029, 3, 8), utc(2029, 3, 20))).toBe(false);
    expect(domainValidationReusable(utc(2029, 3, 10), utc(2029, 3, 20))).toBe(true);
  });

  it('at each cut-over, the same validation is reusable the millisecond before and not the millisecond after', () => {
    for (const [at, before, after] of DOMAIN_CUTOVERS) {
      // A validation aged between the new and the old period at the cut-over.
      const validated = minus(at, ((before + after) / 2) * DAY_MS);
      expect(domainValidationReusable(validated, minus(at, 1))).toBe(true);
      expect(domainValidationReusable(validated, at)).toBe(false);
      // Exactly `after` days old at the first millisecond of the new period: still reusable.
      expect(domainValidationReusable(minus(at, after * DAY_MS), at)).toBe(true);
      expect(domainValidationReusable(minus(at, after * DAY_MS + 1), at)).toBe(false);
      // Exactly `before` days old at the last millisecond of the old period: still reusable.
      const last = minus(at, 1);
      expect(domainValidationReusable(minus(last, before * DAY_MS), last)).toBe(true);
      expect(domainValidationReusable(minus(last, before * DAY_MS + 1), last)).toBe(false);
    }
  });

  it('no validation date is never reusable; a date in the future (clock skew) is', () => {
    expect(domainValidationReusable(null, utc(2026, 6, 1))).toBe(false);
    expect(domainValidationReusable(plus(utc(2026, 6, 1), 5_000), utc(2026, 6, 1))).toBe(true);
    expect(domainValidationReusable(utc(2026, 6, 1), utc(2026, 6, 1))).toBe(true);
  });
});

describe('organizationValidationReusable', () => {
  it('before 2026-03-15: 825 days', () => {
    const issued = utc(2026, 3, 1);
    expect(domainReuseDays(issued)).toBe(398);
    expect(organizationValidationReusable(minus(issued, 825 * DAY_MS), issued)).toBe(true);
    expect(organizationValidationReusable(minus(issued, 825 * DAY_MS + 1), issued)).toBe(false);
    expect(organizationValidationReusable(minus(issued, 500 * DAY_MS), issued)).toBe(true);
  });

  it('from 2026-03-15: 398 days', () => {
    const issued = utc(2027, 6, 1);
    expect(organizationValidationReusable(minus(issued, 398 * DAY_MS), issued)).toBe(true);
    expect(organizationValidationReusable(minus(issued, 398 * DAY_MS + 1), issued)).toBe(false);
    expect(organizationValidationReusable(minus(issued, 399 * DAY_MS), issued)).toBe(false);
  });

  it('at the cut-over: 500 days old is reusable the millisecond before 2026-03-15, not from it', () => {
    const at = utc(2026, 3, 15);
    const validated = minus(at, 500 * DAY_MS);
    expect(organizationValidationReusable(validated, minus(at, 1))).toBe(true);
    expect(organizationValidationReusable(validated, at)).toBe(false);
    expect(organizationValidationReusable(minus(at, 398 * DAY_MS), at)).toBe(true);
    expect(organizationValidationReusable(minus(at, 398 * DAY_MS + 1), at)).toBe(false);
    const last = minus(at, 1);
    expect(organizationValidationReusable(minus(last, 825 * DAY_MS), last)).toBe(true);
    expect(organizationValidationReusable(minus(last, 825 * DAY_MS + 1), last)).toBe(false);
  });

  it('is not shortened by the domain steps of 2027 and 2029', () => {
    const issued = utc(2030, 1, 1);
    expect(organizationValidationReusable(minus(issued, 300 * DAY_MS), issued)).toBe(true);
    expect(domainValidationReusable(minus(issued, 300 * DAY_MS), issued)).toBe(false);
  });

  it('never approved: not reusable', () => {
    expect(organizationValidationReusable(null, utc(2026, 1, 1))).toBe(false);
  });
});

describe('oldestReusableDomainValidation', () => {
  it.each(DOMAIN_CUTOVERS)('around %s: the period that applies at the issuance date', (at, before, after) => {
    expect(oldestReusableDomainValidation(minus(at, 1)).getTime()).toBe(at.getTime() - 1 - before * DAY_MS);
    expect(oldestReusableDomainValidation(at).getTime()).toBe(at.getTime() - after * DAY_MS);
  });

  it('is the boundary of domainValidationReusable at every sampled date', () => {
    const samples = [utc(2025, 7, 1), utc(2026, 3, 15), utc(2026, 11, 30), utc(2027, 3, 15), utc(2028, 2, 29), utc(2029, 3, 15), utc(2029, 3, 20), utc(2031, 1, 1)];
    for (const issuedAt of samples) {
      const oldest = oldestReusableDomainValidation(issuedAt);
      expect(domainValidationReusable(oldest, issuedAt), issuedAt.toISOString()).toBe(true);
      expect(domainValidationReusable(minus(oldest, 1), issuedAt), issuedAt.toISOString()).toBe(false);
    }
  });

  it('2029-03-20: nothing validated before 2029-03-10', () => {
    expect(oldestReusableDomainValidation(utc(2029, 3, 20)).toISOString()).toBe('2029-03-10T00:00:00.000Z');
  });
});
