import { describe, expect, it } from 'vitest';
import { MemoryNonceStore } from '../../../src/core/store/memory-nonces.js';

const WINDOW = 11 * 60_000;
const start = Date.now();
/** A nonce's expiresAt when it was issued `ms` after `start`. */
const issuedAt = (ms: number) => new Date(start + ms + WINDOW);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** 44 base64url characters, as src/acme/server/nonces.ts makes them. */
const randomNonce = () => Array.from(crypto.getRandomValues(new Uint8Array(44)), (b) => ALPHABET[b % 64]).join('');

describe('MemoryNonceStore', () => {
  it('accepts a nonce once, then refuses it', async () => {
    const s = new MemoryNonceStore(WINDOW);
    expect(await s.markUsed('a', issuedAt(5))).toBe(true);
    expect(await s.markUsed('a', issuedAt(5))).toBe(false);
    expect(await s.markUsed('b', issuedAt(5))).toBe(true);
  });

  it('has a scope of its own (random per store), for the nonces’ MAC', () => {
    const a = new MemoryNonceStore(WINDOW);
    const b = new MemoryNonceStore(WINDOW);
    expect(a.scope).toMatch(/^[0-9a-f]{24}$/);
    expect(a.scope).not.toBe(b.scope);
  });

  it('stays bounded: a dropped nonce is never accepted again, and neither is an older unused one', async () => {
    const s = new MemoryNonceStore(WINDOW, 3);
    for (const [n, t] of [['n1', 10_000], ['n2', 20_000], ['n3', 30_000], ['n4', 40_000]] as const) expect(await s.markUsed(n, issuedAt(t))).toBe(true);
    expect(s.size).toBe(3);
    expect(await s.markUsed('n1', issuedAt(10_000))).toBe(false); // dropped to make room: refused by the floor
    expect(await s.markUsed('unused-older', issuedAt(9_000))).toBe(false);
    // The floor is in whole seconds: an unused nonce expiring in the dropped one's second is refused too.
    expect(await s.markUsed('same-second', issuedAt(10_000))).toBe(false);
    expect(await s.markUsed('unused-newer', issuedAt(11_000))).toBe(true);
    for (const n of ['n2', 'n3', 'n4']) expect(await s.markUsed(n, issuedAt(Number(n.slice(1)) * 10_000))).toBe(false);
  });

  it('works for a clock behind the store’s own start (tests set one): the floor starts below any time', async () => {
    const s = new MemoryNonceStore(WINDOW);
    const past = new Date(Date.now() - 180 * 86_400_000 + WINDOW);
    expect(await s.markUsed('from-the-past', past)).toBe(true);
    expect(await s.markUsed('from-the-past', past)).toBe(false);
  });

  it('keys a nonce by its last 10 characters (60 bits of its MAC)', async () => {
    const s = new MemoryNonceStore(WINDOW);
    const nonce = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' + 'mac-60bits';
    expect(nonce).toHaveLength(44);
    expect(await s.markUsed(nonce, issuedAt(5))).toBe(true);
    // Another body with the same MAC tail is the same entry: only a forged nonce could be one, and forged
    // nonces never reach the store (their MAC is checked first).
    expect(await s.markUsed('B'.repeat(34) + 'mac-60bits', issuedAt(5))).toBe(false);
    expect(await s.markUsed('A'.repeat(34) + 'other-tail', issuedAt(5))).toBe(true);
    // A shorter text is a key of its own, not the same digits with leading "A"s (which stand for 0 in base64url).
    expect(await s.markUsed('AAAAb', issuedAt(5))).toBe(true);
    expect(await s.markUsed('b', issuedAt(5))).toBe(true);
    expect(s.size).toBe(4);
  });

  it('grows past its first allocation and keeps every nonce single use (real-shaped nonces)', async () => {
    const s = new MemoryNonceStore(WINDOW);
    const nonces = Array.from({ length: 5000 }, () => randomNonce());
    for (const n of nonces) expect(await s.markUsed(n, issuedAt(1000))).toBe(true);
    expect(s.size).toBe(5000);
    for (const n of nonces) expect(await s.markUsed(n, issuedAt(1000))).toBe(false);
    expect(s.size).toBe(5000);
  });

  it('agrees with a plain Map model under random use and purges (index deletions included)', async () => {
    // Model: the store's contract without a bound: a used nonce is refused until it has expired and gone.
    let seed = 12345;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const s = new MemoryNonceStore(WINDOW);
    const model = new Map<string, number>();
    const pool = Array.from({ length: 3000 }, () => randomNonce());
    let clock = 0;
    for (let step = 0; step < 40_000; step++) {
      clock += rnd(40);
      if (rnd(500) === 0) {
        const now = new Date(start + clock + WINDOW / 2);
        const before = s.size;
        const purged = await s.purgeExpired(now);
        for (const [k, until] of model) if (until <= Math.ceil((now.getTime() - start) / 1000)) model.delete(k);
        expect(s.size).toBe(before - purged);
        expect(s.size).toBe(model.size);
        continue;
      }
      const n = pool[rnd(pool.length)]!;
      // Issued within the last few seconds, so its window has not passed: the model keeps it until a purge.
      const at = issuedAt(clock - rnd(3000));
      const expected = !model.has(n);
      expect(await s.markUsed(n, at)).toBe(expected);
      if (expected) model.set(n, Math.ceil((at.getTime() - start) / 1000));
    }
    expect(s.size).toBe(model.size);
  });

  it('lets expired entries go as newer nonces arrive, and on purgeExpired', async () => {
    const s = new MemoryNonceStore(WINDOW);
    await s.markUsed('early', issuedAt(0));
    await s.markUsed('later', issuedAt(60_000));
    expect(s.size).toBe(2);
    // A nonce issued after "early" expired: "early" can go (past its window, it is refused by age anyway).
    await s.markUsed('much-later', issuedAt(WINDOW + 1));
    expect(s.size).toBe(2);
    expect(await s.purgeExpired(issuedAt(60_000))).toBe(1);
    expect(s.size).toBe(1);
  });
});
