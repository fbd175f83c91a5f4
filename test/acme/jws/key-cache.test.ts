import { describe, expect, it } from 'vitest';
import { KeyCache } from '../../../src/acme/jws/signatures.js';

describe('KeyCache', () => {
  it('imports a key once while it stays, and drops the least recently used one when full', () => {
    const made: string[] = [];
    const cache = new KeyCache<string>(2);
    const get = (id: string) => cache.get(id, () => (made.push(id), `key:${id}`));
    expect(get('a')).toBe('key:a');
    expect(get('b')).toBe('key:b');
    expect(get('a')).toBe('key:a'); // a hit: "a" is now the most recently used
    expect(get('c')).toBe('key:c'); // full: "b", the least recently used, goes
    expect(get('a')).toBe('key:a');
    expect(get('b')).toBe('key:b'); // imported again
    expect(made).toEqual(['a', 'b', 'c', 'b']);
  });

  it('forgets a deleted key', () => {
    let n = 0;
    const cache = new KeyCache<number>(4);
    cache.get('a', () => ++n);
    cache.delete('a');
    expect(cache.get('a', () => ++n)).toBe(2);
  });
});
