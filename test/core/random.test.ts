import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/core/random.js';

describe('randomBytes (pooled CSPRNG output)', () => {
  it('hands out fresh bytes of the asked length, across pool refills, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = randomBytes(11);
      expect(b.length).toBe(11);
      const hex = Buffer.from(b).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('fills a given view in place', () => {
    const buf = new Uint8Array(40);
    randomBytes(16, buf.subarray(8, 24));
    expect(buf.subarray(0, 8).every((x) => x === 0)).toBe(true);
    expect(buf.subarray(24).every((x) => x === 0)).toBe(true);
    expect(buf.subarray(8, 24).some((x) => x !== 0)).toBe(true);
  });

  it('looks uniform: every byte value turns up in 64 KiB', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 64; i++) for (const x of randomBytes(1024)) counts[x]!++;
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(370);
  });

  it('refuses more than a pool at a time', () => {
    expect(() => randomBytes(4097)).toThrow(RangeError);
  });
});
