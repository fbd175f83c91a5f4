/** The Workers entry point without workerd: a missing or bad secret is a problem document, not a crash. */
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/entry/workers.js';
import type { WorkersEnv } from '../../src/adapters/workers/deps.js';

const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;
const fakeDb = { prepare: () => ({}) } as unknown as WorkersEnv['DB'];

async function problemFor(env: WorkersEnv) {
  const r = await worker.fetch(new Request('https://eabgate.example.com/healthz') as never, env, ctx);
  expect(r.status).toBe(500);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  return (await r.json()) as { type: string; title: string; detail: string; variable: string };
}

describe('Workers entry: configuration errors', () => {
  it('names EABGATE_SECRET_KEY when it is missing', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await problemFor({ DB: fakeDb });
    expect(p.variable).toBe('EABGATE_SECRET_KEY');
    expect(p.detail).toMatch(/EABGATE_SECRET_KEY: is required on Workers/);
    expect(p.detail).not.toMatch(/\bat .*\.ts:\d+/);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('"variable":"EABGATE_SECRET_KEY"'));
    errors.mockRestore();
  });

  it('names EABGATE_SECRET_KEY when it is not 32 bytes, without echoing it', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await problemFor({ DB: fakeDb, EABGATE_SECRET_KEY: 'too-short-secret' });
    expect(p.detail).toMatch(/^Configuration error: EABGATE_SECRET_KEY: must be 32 random bytes/);
    expect(JSON.stringify(p)).not.toContain('too-short-secret');
    errors.mockRestore();
  });

  it('names the D1 binding when it is missing', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await problemFor({ EABGATE_SECRET_KEY: 'ab'.repeat(32) } as unknown as WorkersEnv);
    expect(p.variable).toBe('DB');
    errors.mockRestore();
  });

  it('logs a configuration error from the cron trigger instead of throwing', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const pending: Promise<unknown>[] = [];
    const cronCtx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException: () => {}, props: {} } as never;
    await worker.scheduled({ cron: '17 * * * *', scheduledTime: Date.now(), noRetry: () => {} } as never, { DB: fakeDb }, cronCtx);
    await Promise.all(pending);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('purge skipped: configuration error'));
    errors.mockRestore();
  });
});
