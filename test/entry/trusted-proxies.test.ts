/**
 * EABGATE_TRUSTED_PROXIES through the real Node server: the client address (seen through the sign-up
 * limit, one per address) comes from X-Forwarded-For only when the socket peer (here 127.0.0.1) is trusted.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

let n = 0;
async function signup(s: RunningServer, forwardedFor?: string): Promise<Response> {
  return fetch(`${s.baseUrl}/api/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ email: `proxy${++n}@example.com`, password: 'correct horse battery staple' }),
  });
}

describe('trusted proxies', () => {
  it('from a trusted peer, X-Forwarded-For names the client (right-most untrusted hop)', async () => {
    const s = await startServer({ EABGATE_TRUSTED_PROXIES: '127.0.0.0/8', EABGATE_LIMIT_SIGNUPS: 'address=1/600', EABGATE_LOG_REQUESTS: 'false' });
    servers.push(s);
    expect((await signup(s, '198.51.100.1')).status).toBe(201);
    const again = await signup(s, '198.51.100.1');
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another client behind the same proxy has its own count.
    expect((await signup(s, '198.51.100.2')).status).toBe(201);
    // A spoofed left-most entry does not help: the proxy's (right-most) entry counts, trusted hops skipped.
    expect((await signup(s, '203.0.113.77, 198.51.100.1, 127.0.0.9')).status).toBe(429);
  });

  it('from an untrusted peer, X-Forwarded-For is ignored (spoofing gets no fresh address)', async () => {
    const s = await startServer({ EABGATE_TRUSTED_PROXIES: '10.0.0.0/8', EABGATE_LIMIT_SIGNUPS: 'address=1/600', EABGATE_LOG_REQUESTS: 'false' });
    servers.push(s);
    expect((await signup(s, '198.51.100.1')).status).toBe(201);
    expect((await signup(s, '198.51.100.2')).status).toBe(429);
    expect((await signup(s)).status).toBe(429);
  });

  it('a bad setting stops the start with a message naming it', async () => {
    await expect(startServer({ EABGATE_TRUSTED_PROXIES: '10.0.0.0/40' })).rejects.toThrow(/EABGATE_TRUSTED_PROXIES: /);
  });
});
