/** argon2id on worker threads: the same PHC strings as inline hashing, a bounded queue, a free event loop. */
import { describe, it, expect, afterAll } from 'vitest';
import { Argon2Pool, hashWasmArgon2id } from '../../../src/adapters/node/argon2.js';
import { argon2idHasher } from '../../../src/core/secrets/password.js';
import { DomainError } from '../../../src/core/errors.js';
import { harness } from '../../support/harness.js';

const pool = new Argon2Pool({ size: 2, maxQueue: 2 });
afterAll(() => pool.close());

describe('argon2id pool', () => {
  it('hashes and verifies (PHC round trip), interchangeably with inline hashing', async () => {
    const pooled = argon2idHasher(pool.argon2id);
    const inline = argon2idHasher(hashWasmArgon2id);
    const phc = await pooled.hash('correct horse battery staple');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await pooled.verify('correct horse battery staple', phc)).toBe(true);
    expect(await inline.verify('correct horse battery staple', phc)).toBe(true);
    expect(await pooled.verify('wrong horse battery staple', phc)).toBe(false);
    const inlinePhc = await inline.hash('another password here');
    expect(await pooled.verify('another password here', inlinePhc)).toBe(true);
    expect(pool.threads).toBeLessThanOrEqual(2);
  });

  it('refuses work beyond its queue with rateLimited (429 + Retry-After) instead of queueing for ever', async () => {
    const hasher = argon2idHasher(pool.argon2id);
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => hasher.hash(`password number ${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(DomainError);
      expect((r.reason as DomainError).code).toBe('rateLimited');
      expect((r.reason as DomainError).retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('ends a thread that stays idle for idleMs, reuses it within that time, and starts a fresh one after', async () => {
    const small = new Argon2Pool({ size: 1, maxQueue: 1, idleMs: 300 });
    try {
      const hasher = argon2idHasher(small.argon2id);
      const phc = await hasher.hash('correct horse battery staple');
      expect(small.threads).toBe(1);
      // Within idleMs the same thread takes the next job.
      expect(await hasher.verify('correct horse battery staple', phc)).toBe(true);
      expect(small.threads).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      expect(small.threads).toBe(0);
      // A job after that gets a new thread and the same answer.
      expect(await hasher.verify('correct horse battery staple', phc)).toBe(true);
      expect(small.threads).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('leaves the event loop free: /healthz answers while sign-ups are being hashed', async () => {
    const h = await harness({ EABGATE_PASSWORD_HASH_THREADS: '2', EABGATE_LIMIT_SIGNUPS: 'off' });
    try {
      let pending = 4;
      const signups = Array.from({ length: 4 }, (_, i) =>
        h
          .request('POST', '/api/v1/accounts', { json: { email: `busy${i}@example.com`, password: 'correct horse battery staple' } })
          .finally(() => pending--),
      );
      // Let the requests reach the hasher, then ask for health while they are hashed.
      await new Promise((r) => setTimeout(r, 20));
      const health = await h.request('GET', '/healthz');
      expect(health.status).toBe(200);
      expect(pending).toBeGreaterThan(0);
      expect((await Promise.all(signups)).map((r) => r.status)).toEqual([201, 201, 201, 201]);
    } finally {
      h.close();
    }
  });
});
