/** Plans, credential generation and snippets, without the app. */
import { describe, it, expect, vi, afterEach } from 'vitest';
import { resolvePlan, PRESETS } from '../../src/caas/plans.js';
import { newHmacKey, newKid, HMAC_KEY_BYTES } from '../../src/caas/credentials.js';
import { buildSnippets, shellWord } from '../../src/caas/snippets.js';
import { Problem } from '../../src/core/problem.js';
import { DAY_MS } from '../../src/core/clock.js';

const now = new Date('2026-11-22T10:00:00Z');

describe('resolvePlan', () => {
  it('copies a preset and sets a 365-day term', () => {
    const p = resolvePlan('enterprise', now);
    expect(p).toEqual({ name: 'enterprise', limits: { ...PRESETS.enterprise, notAfter: new Date(now.getTime() + 365 * DAY_MS) } });
  });

  it('treats null as unlimited accounts, and lets an override set it back', () => {
    expect(resolvePlan({ preset: 'starter', maxAccountsPerCredential: 3 }, now).limits.maxAccountsPerCredential).toBe(3);
    expect(resolvePlan({ preset: 'starter', maxAccountsPerCredential: null }, now).limits.maxAccountsPerCredential).toBeNull();
    expect(
      resolvePlan({ maxCertificates: 1, maxNamesPerOrder: 1, wildcards: true, maxValidityDays: 1 }, now).limits.maxAccountsPerCredential,
    ).toBeNull();
  });

  it('throws a 400 naming the field', () => {
    for (const [input, field] of [
      [null, 'plan'],
      [[], 'plan'],
      ['Starter', 'plan'],
      [{ preset: 'starter', maxValidityDays: 0 }, 'plan.maxValidityDays'],
      [{ preset: 'starter', notAfter: '2026-02-30T00:00:00Z' }, 'plan.notAfter'],
    ] as const) {
      try {
        resolvePlan(input, now);
        expect.unreachable(`${JSON.stringify(input)} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(Problem);
        expect((e as Problem).status).toBe(400);
        expect((e as Problem).extensions.field).toBe(field);
      }
    }
  });
});

describe('credential generation', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws again when the text would start with "-" (0xF8 encodes as "-")', () => {
    const real = crypto.getRandomValues.bind(crypto);
    let calls = 0;
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      calls++;
      real(array as unknown as Uint8Array);
      if (calls <= 2) (array as unknown as Uint8Array)[0] = 0xf8;
      return array;
    });
    const key = newHmacKey();
    // At least the two forced draws and one more (other code in this worker may draw too, under load).
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(key.text.startsWith('-')).toBe(false);
    expect(key.raw).toHaveLength(HMAC_KEY_BYTES);
    calls = 0;
    expect(newKid().startsWith('-')).toBe(false);
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('makes 43-character unpadded base64url keys', () => {
    for (let i = 0; i < 200; i++) {
      const k = newHmacKey();
      expect(k.text).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
    }
  });
});

describe('snippets', () => {
  it('quotes for the shell only what needs it', () => {
    expect(shellWord('https://ca.example/acme/directory')).toBe('https://ca.example/acme/directory');
    expect(shellWord("o'brien@example.com")).toBe(`'o'\\''brien@example.com'`);
    expect(shellWord('-x')).toBe(`'-x'`);
    expect(shellWord('a b')).toBe(`'a b'`);
  });

  it('keeps a number-looking kid a string in YAML', () => {
    const s = buildSnippets({ directoryUrl: 'https://ca.example/acme/directory', kid: '1e5', hmacKey: 'k_ey', email: 'a@example.com' });
    expect(s.certManager).toContain('keyID: "1e5"');
    expect(s.traefik).toContain('kid: "1e5"');
    expect(s.certManager).toMatch(/stringData:\n  secret: "k_ey"/);
  });
});
