/** Customer B sees nothing of customer A: neither orders nor unlock codes. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';
import { placeAutoCsr, type PlacedOrderJson } from '../support/order.js';

let h: Harness;
let alice: string;
let bob: string;
let order: PlacedOrderJson;

beforeAll(async () => {
  h = await harness();
  alice = await customer(h, 'alice@example.com');
  bob = await customer(h, 'bob@example.com');
  order = await placeAutoCsr(h, alice);
});
afterAll(() => h.close());

describe('isolation between customers', () => {
  it("lists only the caller's orders", async () => {
    const a = (await (await h.request('GET', '/api/v1/orders', { token: alice })).json()) as { orders: { orderNumber: string }[] };
    const b = (await (await h.request('GET', '/api/v1/orders', { token: bob })).json()) as { orders: unknown[] };
    expect(a.orders.map((o) => o.orderNumber)).toEqual([order.orderNumber]);
    expect(b.orders).toEqual([]);
  });

  it("answers B's request for A's order exactly as for a missing one", async () => {
    const theirs = await h.request('GET', `/api/v1/orders/${order.orderNumber}`, { token: bob });
    const missing = await h.request('GET', '/api/v1/orders/EG-NOSUCHORDR', { token: bob });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    const [pt, pm] = [(await theirs.json()) as { detail: string }, (await missing.json()) as { detail: string }];
    expect(pt.detail.replace(order.orderNumber, 'X')).toBe(pm.detail.replace('EG-NOSUCHORDR', 'X'));
  });

  it("does not reveal A's unlock code to B", async () => {
    const res = await h.request('POST', `/api/v1/orders/${order.orderNumber}/unlock-code`, { token: bob });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}/);
  });

  it('requires a session', async () => {
    for (const [m, p] of [
      ['GET', '/api/v1/orders'],
      ['GET', `/api/v1/orders/${order.orderNumber}`],
      ['POST', `/api/v1/orders/${order.orderNumber}/unlock-code`],
    ] as const) {
      const res = await h.request(m, p, { token: 'egs_forged' });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('ends a session on logout', async () => {
    const t = await customer(h, 'carol@example.com');
    expect((await h.request('DELETE', '/api/v1/sessions', { token: t })).status).toBe(204);
    expect((await h.request('GET', '/api/v1/orders', { token: t })).status).toBe(401);
  });
});
