/**
 * Mail on Workers (workerd through `wrangler dev`, local D1): the outbox written in D1 batches with its
 * event, sent by the cron handler through the HTTP mail API to a loopback receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { startWrangler, type RunningWorker } from '../support/wrangler.js';

let worker: RunningWorker;
let receiver: Server;
const received: { auth: string; body: { from: string; to: string[]; subject: string; text: string; html: string; headers: Record<string, string> } }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization ?? '', body: JSON.parse(data) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  worker = await startWrangler({
    testScheduled: true,
    timeoutMs: 120_000,
    secrets: { EABGATE_MAIL_API_URL: `http://127.0.0.1:${port}/emails`, EABGATE_MAIL_API_TOKEN: 'workers-mail-token', EABGATE_MAIL_FROM: 'certs@eabgate.test' },
  });
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

const post = (path: string, json: unknown, token?: string) =>
  fetch(worker.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(json) });
const cron = async () => expect((await fetch(`${worker.base}/__scheduled?cron=*/5+*+*+*+*`)).status).toBe(200);

async function mailWith(subject: RegExp) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await cron();
    const m = received.find((r) => subject.test(r.body.subject));
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no mail ${subject}; output:\n${worker.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('mail on Workers', () => {
  it('sign-up confirmation and shipment notice go out from the cron handler through the HTTP mail API', async () => {
    const creds = { email: 'workers-mail@example.com', password: 'correct horse battery staple' };
    expect((await post('/api/v1/accounts', creds)).status).toBe(201);
    const confirm = await mailWith(/Confirm your e-mail address/);
    expect(confirm.auth).toBe('Bearer workers-mail-token');
    expect(confirm.body.to).toEqual(['workers-mail@example.com']);
    expect(confirm.body.headers['Message-ID']).toMatch(/^<.+@eabgate\.test>$/);
    expect(confirm.body.html).toMatch(/^<!doctype html>/);
    const link = confirm.body.text.split(/\s+/).find((w) => w.startsWith(`${worker.base}/portal/verify?token=`))!;
    expect((await post('/api/v1/accounts/verify', { token: new URL(link).searchParams.get('token') })).status).toBe(204);

    const { token } = (await (await post('/api/v1/sessions', creds)).json()) as { token: string };
    const placed = await post('/api/v1/orders', { product: 'dv', domains: ['workers-mail.example.net'], addWwwVariant: false }, token);
    expect(placed.status).toBe(201);
    const { orderNumber, caReference } = (await placed.json()) as { orderNumber: string; caReference: string };
    const notice = await mailWith(new RegExp(`Order ${orderNumber}: your order`));
    expect(notice.body.text).toContain(caReference);
    expect(notice.body.text).toContain('_acme-challenge.workers-mail.example.net');
    // Sent once: more cron runs send nothing again.
    await cron();
    expect(received.filter((r) => r.body.subject.includes(orderNumber))).toHaveLength(1);
    for (const r of received) expect(JSON.stringify(r.body)).not.toContain(creds.password);
  }, 120_000);
});
