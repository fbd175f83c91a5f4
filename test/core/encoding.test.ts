import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from '../../src/core/encoding.js';

// Node's Buffer is the reference here (the core itself has no Buffer).
const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + ((i * i) >> 3)) & 255);

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

describe('base64 and base64url', () => {
  it('encode every length from 0 to 300 (and a large input) as Buffer does', () => {
    for (const n of [...Array.from({ length: 301 }, (_, i) => i), 70_000]) {
      for (const seed of [0, 1, 255]) {
        const bytes = bytesOf(n, seed);
        const buf = Buffer.from(bytes);
        expect(toBase64(bytes)).toBe(buf.toString('base64'));
        expect(toBase64Url(bytes)).toBe(buf.toString('base64url'));
        // (As hex: toEqual walks a 70 KB array element by element, which took seconds.)
        expect(hex(fromBase64Url(buf.toString('base64url')))).toBe(buf.toString('hex'));
        expect(hex(fromBase64(buf.toString('base64')))).toBe(buf.toString('hex'));
      }
    }
  });

  it('encode outputs of every size in any order (the encoder reuses one buffer up to 64 KiB)', () => {
    const sizes = [5, 70_000, 2, 49_152, 49_153, 3, 300_000, 1, 1000, 0, 12];
    for (const n of sizes) {
      const bytes = bytesOf(n, n);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });

  it('encode all-zero and all-ones bytes and subarrays at an offset', () => {
    for (const fill of [0, 255]) {
      const bytes = new Uint8Array(40).fill(fill);
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
    const whole = bytesOf(64, 7);
    const part = whole.subarray(5, 38);
    expect(toBase64Url(part)).toBe(Buffer.from(part).toString('base64url'));
  });

  it('base64url decoding refuses padding, the standard alphabet, other characters and a dangling character', () => {
    for (const bad of ['AAA=', 'AA==', 'ab+c', 'ab/c', 'ab c', 'abc\n', 'aé', 'A', 'AAAAA', '\u0100AAA']) {
      expect(() => fromBase64Url(bad), bad).toThrow('not base64url');
    }
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
    expect(fromBase64Url('-_-_')).toEqual(Uint8Array.from(Buffer.from('-_-_', 'base64url')));
  });
});
