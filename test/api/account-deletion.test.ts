/** Deleting one's own account over REST: the password again and `confirm: true`; then every token is dead. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const PASSWORD = 'correct horse battery staple';

describe('POST /api/v1/accounts/me/delete', () => {
  it('refuses without confirmation or with a wrong password, then deletes and ends every session', async () => {
    const token = await customer(h, 'rest-leaver@example.com', PASSWORD);
    const second = ((await (await h.request('POST', '/api/v1/sessions', { json: { email: 'rest-leaver@example.com', password: PASSWORD } })).json()) as { token: string }).token;
    const placed = await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['leaver.example.org'] } });
    expect(placed.status).toBe(201);

    expect((await h.request('POST', '/api/v1/accounts/me/delete', { token, json: { password: PASSWORD } })).status).toBe(400);
    const wrong = await h.request('POST', '/api/v1/accounts/me/delete', { token, json: { password: 'wrong password here', confirm: true } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toMatch(/password is wrong/);

    const res = await h.request('POST', '/api/v1/accounts/me/delete', { token, json: { password: PASSWORD, confirm: true } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ordersClosed: 1, ordersErased: 0, subscriptionsRevoked: 0, sessionsEnded: 2 });
    for (const t of [token, second]) expect((await h.request('GET', '/api/v1/orders', { token: t })).status).toBe(401);
    expect((await h.request('POST', '/api/v1/sessions', { json: { email: 'rest-leaver@example.com', password: PASSWORD } })).status).toBe(401);
  });
});
