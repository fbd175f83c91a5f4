/** The ACME account cache holds about the accounts of the last ACCOUNT_CACHE_MS, not every account ever read. */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_CACHE_MS, AccountCache } from '../../src/db/store/acme.js';
import type { AcmeAccountRecord } from '../../src/core/store/acme.js';

const account = (id: string): AcmeAccountRecord => ({
  id,
  thumbprint: `tp-${id}`,
  jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  status: 'valid',
  contact: [],
  eabKid: 'kid',
  subscriptionId: 'sub',
  createdAt: new Date(0),
});

describe('AccountCache', () => {
  it('answers within ACCOUNT_CACHE_MS, then forgets: expired entries leave as new ones come', async () => {
    const cache = new AccountCache();
    for (let i = 0; i < 50; i++) cache.set(account(`a${i}`));
    expect(cache.size).toBe(50);
    expect(cache.get('a7')).toEqual(account('a7'));
    await new Promise((r) => setTimeout(r, ACCOUNT_CACHE_MS + 50));
    expect(cache.get('a7')).toBeUndefined();
    cache.set(account('fresh'));
    expect(cache.size).toBe(1);
    expect(cache.get('fresh')).toEqual(account('fresh'));
    cache.drop('fresh');
    expect(cache.get('fresh')).toBeUndefined();
  });
});
