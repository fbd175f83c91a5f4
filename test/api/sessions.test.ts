/** Logins: argon2id at OWASP cost, tokens stored only as digests, failures slowed per account and address. */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

const login = (email: string, password: string, client = '198.51.100.7') =>
  h.request('POST', '/api/v1/sessions', { json: { email, password }, headers: { 'x-test-client': client } });

describe('sessions', () => {
  it('stores an argon2id hash (m=19 MiB, t=2, p=1) and only a digest of the token', async () => {
    const token = await customer(h, 'hash@example.com');
    const row = h.deps.sqlite.sqlite.prepare('select password_hash from customers').get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const sessions = h.deps.sqlite.sqlite.prepare('select token_digest from sessions').all() as { token_digest: string }[];
    expect(sessions.length).toBe(1);
    expect(sessions[0]!.token_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(sessions)).not.toContain(token.slice(4));
  });

  it('expires a session after 12 hours', async () => {
    const token = await customer(h, 'ttl@example.com');
    h.clock.advance(12 * 3600_000 + 1);
    expect((await h.request('GET', '/api/v1/orders', { token })).status).toBe(401);
  });

  it('slows down repeated failures for one account from one address, even with the right password, then recovers', async () => {
    await customer(h, 'victim@example.com');
    for (let i = 0; i < 5; i++) expect((await login('victim@example.com', 'wrong password!!', '192.0.2.1')).status).toBe(401);
    const sixth = await login('victim@example.com', 'wrong password!!', '192.0.2.1');
    expect(sixth.status).toBe(401);
    const blocked = await login('victim@example.com', 'correct horse battery staple', '192.0.2.1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('content-type')).toMatch(/problem\+json/);
    // The lock-out is the guesser's: the owner from another address logs in.
    expect((await login('victim@example.com', 'correct horse battery staple', '192.0.2.100')).status).toBe(201);
    h.clock.advance(Number(blocked.headers.get('retry-after')) * 1000);
    expect((await login('victim@example.com', 'correct horse battery staple', '192.0.2.1')).status).toBe(201);
  });

  it('slows down one address trying many accounts', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`nobody${i}@example.com`, 'whatever password', '203.0.113.50')).status).toBe(401);
    expect((await login('nobody-else@example.com', 'whatever password', '203.0.113.50')).status).toBe(401);
    expect((await login('another@example.com', 'whatever password', '203.0.113.50')).status).toBe(429);
    // another address is not affected
    expect((await login('another@example.com', 'whatever password', '203.0.113.51')).status).toBe(401);
  });

  it('answers an unknown email and a wrong password alike', async () => {
    await customer(h, 'known@example.com');
    const a = (await (await login('known@example.com', 'wrong password!!')).json()) as { detail: string };
    const b = (await (await login('unknown@example.com', 'wrong password!!')).json()) as { detail: string };
    expect(a).toEqual(b);
  });
});
