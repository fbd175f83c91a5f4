/**
 * The validity cap of the Baseline Requirements (§6.3.2, ballot SC-081) by date of issuance, in the pure
 * functions and in real certificates issued at either side of each step (read back with openssl).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createHierarchy, loadCa } from '../../src/ca/hierarchy.js';
import { signLeaf } from '../../src/ca/leaf.js';
import { allowedValidityDays, maxValidityDays, notAfterFor, validityDaysFor } from '../../src/ca/validity.js';
import { openssl } from '../support/tools.js';
import { URLS, makeCa, makeCsr, type TestCa } from './support.js';

describe('maxValidityDays', () => {
  it.each([
    ['2025-06-01T00:00:00Z', 398],
    ['2026-03-14T23:59:59.999Z', 398],
    ['2026-03-15T00:00:00Z', 200],
    ['2027-03-14T23:59:59Z', 200],
    ['2027-03-15T00:00:00Z', 100],
    ['2029-03-14T23:59:59Z', 100],
    ['2029-03-15T00:00:00Z', 47],
    ['2040-01-01T00:00:00Z', 47],
  ])('issued at %s: at most %i days', (at, days) => {
    expect(maxValidityDays(new Date(at))).toBe(days);
  });

  it('is lowered by the CA maximum, never raised', () => {
    const at = new Date('2027-03-15T00:00:00Z');
    expect(allowedValidityDays(at)).toBe(100);
    expect(allowedValidityDays(at, 90)).toBe(90);
    expect(allowedValidityDays(at, 365)).toBe(100);
    expect(validityDaysFor(at, 30, 90)).toBe(30);
    expect(validityDaysFor(at, 500, 365)).toBe(100);
    expect(() => validityDaysFor(at, 0)).toThrow(/at least 1/);
    expect(() => allowedValidityDays(at, 1.5)).toThrow(/whole number/);
  });

  it('counts notBefore through notAfter inclusive: N days end N × 86,400 − 1 seconds later (BR §1.6.4)', () => {
    const nb = new Date('2027-03-15T12:00:00Z');
    expect(notAfterFor(nb, 100).toISOString()).toBe('2027-06-23T11:59:59.000Z');
  });
});

describe('issued certificates follow the cap of their date of issuance', () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  let t: TestCa;
  let csr: string;

  beforeAll(async () => {
    t = await makeCa(clock);
    csr = await makeCsr('p256', ['a.example.com']);
  });

  async function issuedDays(at: string, caMaxDays?: number, requestedDays?: number): Promise<number> {
    clock.set(at);
    const leaf = await signLeaf(
      { ca: t.ca, clock, urls: URLS, caMaxDays },
      { csrPem: csr, domains: ['a.example.com'], product: 'dv', requestedDays },
    );
    const r = openssl(['x509', '-noout', '-startdate', '-enddate'], leaf.pem);
    const start = Date.parse(r.stdout.match(/notBefore=(.*)/)![1]!);
    const end = Date.parse(r.stdout.match(/notAfter=(.*)/)![1]!);
    expect(start).toBe(new Date(at).getTime());
    expect(leaf.notAfter.getTime()).toBe(end);
    // Inclusive period in seconds, then days of 86,400 seconds.
    const seconds = (end - start) / 1000 + 1;
    expect(seconds % 86400).toBe(0);
    return seconds / 86400;
  }

  it.each([
    ['2026-03-14T12:00:00Z', 398],
    ['2026-03-15T12:00:00Z', 200],
    ['2027-03-14T12:00:00Z', 200],
    ['2027-03-15T12:00:00Z', 100],
    ['2029-03-14T12:00:00Z', 100],
    ['2029-03-15T12:00:00Z', 47],
  ])('issued at %s: %i days', async (at, days) => {
    expect(await issuedDays(at)).toBe(days);
  });

  it('applies the CA maximum and the requested validity when lower', async () => {
    expect(await issuedDays('2026-03-14T12:00:00Z', 90)).toBe(90);
    expect(await issuedDays('2029-03-15T12:00:00Z', 90)).toBe(47);
    expect(await issuedDays('2027-03-15T12:00:00Z', 90, 30)).toBe(30);
  });

  it('never outlives the intermediate, and refuses to sign outside its validity', async () => {
    clock.set('2026-01-01T00:00:00Z');
    const material = await createHierarchy({ clock, intermediateValidityDays: 30 });
    const ca = await loadCa(material);
    clock.set('2026-01-20T00:00:00Z');
    const leaf = await signLeaf({ ca, clock, urls: URLS }, { csrPem: csr, domains: ['a.example.com'], product: 'dv' });
    expect(leaf.notAfter.getTime()).toBe(ca.intermediate.notAfter.getTime());
    clock.set('2025-12-31T00:00:00Z');
    await expect(signLeaf({ ca, clock, urls: URLS }, { csrPem: csr, domains: ['a.example.com'], product: 'dv' })).rejects.toThrow(
      /not valid at the time of issuance/,
    );
  });
});
