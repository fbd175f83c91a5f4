/** The unlock code: readable by its owner for 7 days after processing, then 410 and deleted for good. */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { harness, customer, type Harness } from '../support/harness.js';
import { placeAutoCsr } from '../support/order.js';
import { DAY_MS } from '../../src/core/clock.js';
import { purgeExpired } from '../../src/core/purge.js';

let h: Harness;
let token: string;
beforeEach(async () => {
  h = await harness();
  token = await customer(h, 'clock@example.com');
});
afterEach(() => h.close());

const rows = () => (h.deps.sqlite.sqlite.prepare('select count(*) as n from unlock_codes').get() as { n: number }).n;
const reveal = (orderNumber: string) => h.request('POST', `/api/v1/orders/${orderNumber}/unlock-code`, { token });

describe('unlock code lifetime', () => {
  it('is readable on day 6, answers 410 on day 8, and the sealed row is gone', async () => {
    const order = await placeAutoCsr(h, token);
    // Sessions last 12 hours: log in again on the later days, as a customer would.
    h.clock.advance(6 * DAY_MS);
    token = await relogin();
    const day6 = await reveal(order.orderNumber);
    expect(day6.status).toBe(200);
    expect(day6.headers.get('cache-control')).toBe('no-store');
    expect(rows()).toBe(1);

    h.clock.advance(2 * DAY_MS);
    token = await relogin();
    const day8 = await reveal(order.orderNumber);
    expect(day8.status).toBe(410);
    const p = (await day8.json()) as { type: string; detail: string };
    expect(p.type).toMatch(/unlock-code-expired$/);
    expect(p.detail).toMatch(/reissue/);
    expect(rows()).toBe(0);
    // and stays gone: it can never be regenerated
    expect((await reveal(order.orderNumber)).status).toBe(410);
    const view = (await (await h.request('GET', `/api/v1/orders/${order.orderNumber}`, { token })).json()) as {
      unlockCode: { available: boolean };
    };
    expect(view.unlockCode.available).toBe(false);
  });

  it('is deleted by the scheduled purge without anyone reading it', async () => {
    await placeAutoCsr(h, token, { product: 'dv', organization: undefined });
    expect(rows()).toBe(1);
    h.clock.advance(7 * DAY_MS - 1000);
    expect((await purgeExpired(h.deps.store, h.clock)).unlockCodes).toBe(0);
    h.clock.advance(2000);
    expect((await purgeExpired(h.deps.store, h.clock)).unlockCodes).toBe(1);
    expect(rows()).toBe(0);
  });

  it('is purged from the CLI too', async () => {
    // An order placed 8 days ago (by the app's clock), purged by the CLI on today's real clock.
    const past = await harness({}, new Date(Date.now() - 8 * DAY_MS).toISOString());
    try {
      const t = await customer(past, 'cli@example.com');
      await placeAutoCsr(past, t, { product: 'dv', organization: undefined });
      const count = () => (past.deps.sqlite.sqlite.prepare('select count(*) as n from unlock_codes').get() as { n: number }).n;
      expect(count()).toBe(1);
      const out = execFileSync(process.execPath, ['bin/eabgate.mjs', 'purge'], {
        env: { ...process.env, EABGATE_DATA_DIR: past.dataDir },
        encoding: 'utf8',
      });
      expect(out).toMatch(/unlock codes: 1/);
      expect(count()).toBe(0);
    } finally {
      past.close();
    }
  });
});

async function relogin(): Promise<string> {
  const r = await h.request('POST', '/api/v1/sessions', { json: { email: 'clock@example.com', password: 'correct horse battery staple' } });
  return ((await r.json()) as { token: string }).token;
}
