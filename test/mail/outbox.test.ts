/**
 * The outbox worker against a real SMTP server: two workers running at once send a mail once (leases); a
 * relay that cannot be reached leaves the mail pending with a backoff, and it goes out when the relay is
 * back; one event never writes one recipient two mails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.js';
import { freePort } from '../support/server.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { composeMail, deliverDue, MAIL_LEASE_MS } from '../../src/mail/outbox.js';
import { smtpMailer } from '../../src/adapters/node/smtp-mailer.js';
import { render } from '../../src/mail/render.js';

const FROM = 'certificates@eabgate.test';
let h: Harness;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  h = await harness({ EABGATE_SMTP_URL: sink.url, EABGATE_MAIL_FROM: FROM });
});
afterAll(async () => {
  h?.close();
  await sink?.stop();
});

const content = (n: string) => render(`Test ${n}`, [`Body ${n}`, { link: 'https://example.com/x', label: 'Link' }], 'footer');
const worker = (mailer = h.deps.mailer!) => deliverDue({ ...h.deps, mailer, from: FROM });

describe('outbox worker', () => {
  it('one event, one recipient, one mail: written twice, sent once even by two workers at once', async () => {
    const a = await composeMail(h.deps, 'issued', 'test.event:1', 'one@example.com', content('one'));
    const b = await composeMail(h.deps, 'issued', 'test.event:1', 'One@Example.com', content('one again'));
    expect(await h.deps.store.mail.enqueue([a])).toBe(1);
    expect(await h.deps.store.mail.enqueue([b])).toBe(0);
    const [r1, r2] = await Promise.all([worker(), worker()]);
    expect(r1!.sent + r2!.sent).toBe(1);
    const got = (await sink.waitFor(1)).filter((m) => m.rcptTos.includes('one@example.com'));
    expect(got).toHaveLength(1);
    expect(got[0]!.headers.subject).toBe('Test one');
    expect(got[0]!.text).toContain('https://example.com/x');
    const [row] = await h.deps.store.mail.byEvent('test.event:1');
    expect(row).toMatchObject({ status: 'sent', attempts: 1, sealed: '' });
  });

  it('a relay that cannot be reached: retried after a backoff, sent when it is back', async () => {
    const dead = smtpMailer(`smtp://127.0.0.1:${await freePort()}`);
    await h.deps.store.mail.enqueue([await composeMail(h.deps, 'issued', 'test.event:2', 'two@example.com', content('two'))]);
    expect(await worker(dead)).toMatchObject({ sent: 0, retried: 1 });
    const [row] = await h.deps.store.mail.byEvent('test.event:2');
    expect(row).toMatchObject({ status: 'pending', attempts: 1, leaseUntil: null });
    expect(row!.nextAttemptAt.getTime() - h.clock.now().getTime()).toBe(30_000);
    expect(row!.lastError).toMatch(/^smtp /);
    // Not due yet: nothing happens.
    expect(await worker()).toMatchObject({ sent: 0, retried: 0 });
    h.clock.advance(30_000);
    expect(await worker()).toMatchObject({ sent: 1 });
    expect((await sink.waitFor(2)).filter((m) => m.rcptTos.includes('two@example.com'))).toHaveLength(1);
  });

  it('a worker that died holding a lease: the row goes out after the lease lapses, not before', async () => {
    const m = await composeMail(h.deps, 'issued', 'test.event:3', 'three@example.com', content('three'));
    await h.deps.store.mail.enqueue([m]);
    const now = h.clock.now();
    const taken = await h.deps.store.mail.lease(now, new Date(now.getTime() + MAIL_LEASE_MS), 10);
    expect(taken.map((r) => r.eventKey)).toEqual(['test.event:3']);
    expect(await worker()).toMatchObject({ sent: 0 });
    h.clock.advance(MAIL_LEASE_MS);
    expect(await worker()).toMatchObject({ sent: 1 });
    expect((await sink.waitFor(3)).filter((x) => x.rcptTos.includes('three@example.com'))).toHaveLength(1);
  });
});
