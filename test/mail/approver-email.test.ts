/**
 * Approver e-mail domain validation (Baseline Requirements 3.2.2.4.4): the Random Value reaches a
 * constructed address through a real SMTP server, confirms the name once, and not after 30 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customer } from '../support/harness.js';
import { hostAt127, track, trackingWorld, type TrackingWorld } from '../support/tracking.js';
import { placeAutoCsr } from '../support/order.js';
import { startSmtpSink, type SmtpSink, type SunkMail } from '../support/smtp-sink.js';
import { deliverDue } from '../../src/mail/outbox.js';
import { DAY_MS } from '../../src/core/clock.js';

const FROM = 'certificates@eabgate.test';
let w: TrackingWorld;
let sink: SmtpSink;
let token: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  w = await trackingWorld({ EABGATE_SMTP_URL: sink.url, EABGATE_MAIL_FROM: FROM });
  token = await customer(w.h, 'approver-test@example.com');
  await deliver();
  const [verify] = await sink.waitFor(1);
  const link = verify!.text!.split(/\s+/).find((x) => x.includes('/portal/verify?token='))!;
  expect((await w.h.request('POST', '/api/v1/accounts/verify', { json: { token: new URL(link).searchParams.get('token') } })).status).toBe(204);
});
afterAll(async () => {
  await w?.close();
  await sink?.stop();
});

const deliver = () => deliverDue({ ...w.h.deps, mailer: w.h.deps.mailer!, from: FROM });
const ask = (caReference: string, domain: string, approver: string) =>
  w.h.request('POST', '/api/v1/tracking/approver-email', { json: { caReference, domain, approver } });
const confirm = (value: string) => w.h.request('POST', '/api/v1/tracking/approver-email/confirm', { json: { value } });

async function mailTo(to: string, n = 1): Promise<SunkMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await deliver();
    const found = sink.messages().filter((m) => m.rcptTos.includes(to));
    if (found.length >= n) return found[n - 1]!;
    if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const valueIn = (m: SunkMail) => /^ {4}([2-9A-Z]{4}(?:-[2-9A-Z]{4}){5})$/m.exec(m.text!)![1]!;

describe('approver e-mail validation', () => {
  it('mails a Random Value to hostmaster@ the name; the value validates it once and the order is issued', async () => {
    hostAt127(w.dns, 'approve-me.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['approve-me.example.net'], organization: undefined, addWwwVariant: false });
    expect((await ask(order.caReference, 'approve-me.example.net', 'root')).status).toBe(400);
    expect((await ask(order.caReference, 'other.example.net', 'admin')).status).toBe(400);

    const sent = await ask(order.caReference, 'approve-me.example.net', 'hostmaster');
    expect(sent.status).toBe(202);
    const body = (await sent.json()) as { to: string; expiresAt: string };
    expect(body.to).toBe('hostmaster@approve-me.example.net');
    expect(new Date(body.expiresAt).getTime() - w.h.clock.now().getTime()).toBe(30 * DAY_MS);

    const m = await mailTo('hostmaster@approve-me.example.net');
    expect(m.headers.subject).toBe('Confirm the certificate order for approve-me.example.net');
    expect(m.contentType).toBe('multipart/alternative');
    const value = valueIn(m);
    expect(m.text).toContain(`http://127.0.0.1:8080/portal/approve?value=${value}`);
    expect(m.html).toContain(`href="http://127.0.0.1:8080/portal/approve?value=${value}"`);
    // The customer's tracking credentials never go to the approver.
    expect(m.raw).not.toContain(order.caReference);

    expect((await confirm('ABCD-EFGH-JKMN-PQRS-TVWX-YZ23')).status).toBe(400);
    // Typed by a person: case and spaces do not matter.
    const ok = await confirm(` ${value.toLowerCase().replace(/-/g, ' ')} `);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: string }).status).toBe('issued');
    const view = await track(w.h, order.caReference);
    expect(view.validation[0]!.method).toBe('approver-email');
    expect((await confirm(value)).status).toBe(400);
  });

  it('the value lives at most 30 days, and a new mail retires the earlier value', async () => {
    hostAt127(w.dns, 'slow.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['slow.example.net'], organization: undefined, addWwwVariant: false });
    expect((await ask(order.caReference, 'slow.example.net', 'admin')).status).toBe(202);
    const first = valueIn(await mailTo('admin@slow.example.net'));
    expect((await ask(order.caReference, 'slow.example.net', 'webmaster')).status).toBe(202);
    const second = valueIn(await mailTo('webmaster@slow.example.net'));
    expect(second).not.toBe(first);
    expect((await confirm(first)).status).toBe(400);

    const start = w.h.clock.now().getTime();
    w.h.clock.set(start + 30 * DAY_MS + 60_000);
    expect((await confirm(second)).status).toBe(400);
    w.h.clock.set(start);
    expect((await track(w.h, order.caReference)).validation[0]!.status).toBe('pending');
  });
});
