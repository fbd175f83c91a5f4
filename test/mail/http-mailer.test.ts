/**
 * The HTTP mail API mailer (Workers; Node without SMTP) against a loopback HTTP receiver: the request it
 * makes, and how refusals are classed (permanent: given up; temporary: tried again with backoff).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { httpMailer } from '../../src/adapters/workers/http-mailer.js';
import { MailSendError } from '../../src/mail/mailer.js';
import { retryDelayMs } from '../../src/mail/outbox.js';

let server: Server;
let url: string;
let answer = 200;
const seen: { method: string; auth: string; type: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      seen.push({ method: req.method!, auth: req.headers.authorization ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(data) });
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{"id":"x"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/emails`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const mail = { from: 'certs@eabgate.test', to: 'buyer@example.com', subject: 'Hello', text: 'text part', html: '<p>html part</p>', messageId: '<abc@eabgate.test>' };

describe('HTTP mail API', () => {
  it('posts one JSON mail with both parts, the Message-ID and the bearer token', async () => {
    answer = 200;
    await httpMailer(url, 'api-key-123').send(mail);
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      auth: 'Bearer api-key-123',
      type: 'application/json',
      body: { from: mail.from, to: [mail.to], subject: 'Hello', text: 'text part', html: '<p>html part</p>', headers: { 'Message-ID': '<abc@eabgate.test>' } },
    });
  });

  it.each([
    [422, true],
    [401, true],
    [429, false],
    [408, false],
    [503, false],
  ])('HTTP %i is a refusal, permanent: %s', async (status, permanent) => {
    answer = status;
    const err = await httpMailer(url, 'k').send(mail).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailSendError);
    expect((err as MailSendError).permanent).toBe(permanent);
  });

  it('an unreachable API is tried again', async () => {
    const err = await httpMailer('http://127.0.0.1:1/emails', 'k').send(mail).catch((e: unknown) => e);
    expect((err as MailSendError).permanent).toBe(false);
  });

  it('backs off exponentially: 30 s, 1 min, 2 min, … capped at 6 h', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(6 * 3_600_000);
  });
});
