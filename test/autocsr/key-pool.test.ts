/** The warm AutoCSR key pool: bounded, each key handed out once, refilled after takes, generating when dry. */
import { describe, it, expect } from 'vitest';
import { KeyPool } from '../../src/autocsr/key-pool.js';
import { generateRsaKeyPair } from '../../src/autocsr/generate.js';

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const spki = async (k: CryptoKeyPair) => Buffer.from(await crypto.subtle.exportKey('spki', k.publicKey)).toString('base64');

describe('KeyPool', () => {
  it('fills up to its size only once started, hands each key out once, and refills', async () => {
    let made = 0;
    const pool = new KeyPool(3, async () => {
      made++;
      return generateRsaKeyPair();
    });
    expect(pool.stats.ready).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(made).toBe(0); // not started: nothing generated in the background
    pool.start();
    await until(() => pool.stats.ready === 3);
    expect(made).toBe(3);

    const taken = await Promise.all([pool.take(), pool.take(), pool.take(), pool.take()]);
    const keys = await Promise.all(taken.map(spki));
    expect(new Set(keys).size).toBe(4); // never the same key twice
    expect(pool.stats).toMatchObject({ hits: 3, misses: 1 });
    const rsa = taken[0]!.privateKey.algorithm as RsaHashedKeyAlgorithm;
    expect(rsa.modulusLength).toBe(2048);

    await until(() => pool.stats.ready === 3 && pool.stats.refilling === 0);
    expect(pool.stats.ready).toBeLessThanOrEqual(3); // bounded
    pool.stop();
    expect(pool.stats.ready).toBe(0);
  }, 60_000);

  it('size 0 always generates at take', async () => {
    const pool = new KeyPool(0, generateRsaKeyPair);
    pool.start();
    await pool.take();
    expect(pool.stats).toMatchObject({ ready: 0, hits: 0, misses: 1 });
  }, 30_000);
});
