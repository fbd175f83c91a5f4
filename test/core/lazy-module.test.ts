import { describe, expect, it } from 'vitest';
import { lazyModule } from '../../src/core/lazy-module.js';

describe('lazyModule', () => {
  it('loads once for concurrent callers, tries again after a failed load, and forgets on request', async () => {
    let calls = 0;
    let fail = true;
    const lib = lazyModule(async () => {
      calls++;
      if (fail) throw new Error('not reachable');
      return { value: calls };
    });
    expect(lib.current).toBeUndefined();
    await expect(Promise.all([lib.load(), lib.load()])).rejects.toThrow('not reachable');
    expect(calls).toBe(1);
    fail = false;
    const [a, b] = await Promise.all([lib.load(), lib.load()]);
    expect(a).toBe(b);
    expect(calls).toBe(2);
    expect(lib.current).toBe(a);
    expect(await lib.load()).toBe(a);
    lib.forget();
    expect(lib.current).toBeUndefined();
    expect((await lib.load()).value).toBe(3);
  });
});
