/**
 * The outbox survives a SIGKILL between the commit and the send: a real server writes the shipment notice
 * with the order, is killed with SIGKILL before its worker runs, and the restarted server sends the mail,
 * once, to a real SMTP server on loopback.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

let sink: SmtpSink;
let server: RunningServer | undefined;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await server?.stop();
  await sink?.stop();
});

const post2 = (base: string, path: string, json: unknown, token?: string) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(json) });

const mailEnv = (interval: string) => ({ EABGATE_SMTP_URL: sink.url, EABGATE_MAIL_FROM: 'certificates@eabgate.test', EABGATE_MAIL_INTERVAL: interval });

it('a mail committed with its order and not sent when the server is killed arrives once after the restart', async () => {
  // First the address is confirmed (its mail sent by a worker running every second), then a server whose worker
  // does not run for an hour places the order: the kill lands between the commit and the send.
  server = await startServer(mailEnv('1'));
  const base = server.baseUrl;
  const post = (path: string, json: unknown, token?: string) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(json) });
  const creds = { email: 'crash@example.com', password: 'correct horse battery staple' };
  expect((await post('/api/v1/accounts', creds)).status).toBe(201);
  const [verify] = await sink.waitFor(1);
  const link = verify!.text!.split(/\s+/).find((w) => w.includes('/portal/verify?token='))!;
  expect((await post('/api/v1/accounts/verify', { token: new URL(link).searchParams.get('token') })).status).toBe(204);
  await server.stop();
  server = await startServer({ ...mailEnv('3600'), EABGATE_DATA_DIR: server.dataDir });
  const { token } = (await (await post2(server.baseUrl, '/api/v1/sessions', creds)).json()) as { token: string };
  const placed = await post2(server.baseUrl, '/api/v1/orders', { product: 'dv', domains: ['crash.example.net'], addWwwVariant: false }, token);
  expect(placed.status).toBe(201);
  const { orderNumber } = (await placed.json()) as { orderNumber: string };

  const dataDir = server.dataDir;
  const exited = new Promise((r) => server!.proc.once('exit', r));
  server.proc.kill('SIGKILL');
  await exited;
  expect(sink.messages()).toHaveLength(1);

  server = await startServer({ ...mailEnv('1'), EABGATE_DATA_DIR: dataDir });
  const shipment = () => sink.messages().filter((m) => (m.headers.subject ?? '').includes(orderNumber));
  await sink.waitFor(2);
  expect(shipment()).toHaveLength(1);
  expect(shipment()[0]!.rcptTos).toEqual(['crash@example.com']);
  // A few more rounds of the worker: still one mail.
  await new Promise((r) => setTimeout(r, 3000));
  expect(shipment()).toHaveLength(1);
  expect(sink.messages()).toHaveLength(2);
});
