/** Row ids are UUIDv7: unique, and in creation order when sorted as text (what keeps B-tree inserts at the end). */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/secrets/tokens.js';

describe('newId', () => {
  it('makes RFC 9562 version 7 UUIDs that sort in the order they were made', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      ids.push(newId());
      // Some across millisecond boundaries, most within one.
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The first 48 bits are the time of creation in milliseconds.
    const ms = parseInt(ids.at(-1)!.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });
});
