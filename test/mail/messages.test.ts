/**
 * The mails a customer gets, sent through a real SMTP server on loopback (aiosmtpd) and read back: headers,
 * both parts, the links, and never a secret. The outbox is written with each event and sent by the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customer } from '../support/harness.js';
import { ADMIN_TOKEN, hostAt127, satisfy, track, trackingWorld, type TrackingWorld } from '../support/tracking.js';
import { ORG, placeAutoCsr } from '../support/order.js';
import { startSmtpSink, type SmtpSink, type SunkMail } from '../support/smtp-sink.js';
import { deliverDue } from '../../src/mail/outbox.js';
import { DAY_MS } from '../../src/core/clock.js';
import { domainReuseDays } from '../../src/ra/reuse.js';

const PASSWORD = 'correct horse battery staple';
const FROM = 'certificates@eabgate.test';
let w: TrackingWorld;
let sink: SmtpSink;
let token: string;
/** Every secret the tests saw: none may appear in any mail. */
const secrets: string[] = [PASSWORD];

beforeAll(async () => {
  sink = await startSmtpSink();
  w = await trackingWorld({ EABGATE_SMTP_URL: sink.url, EABGATE_MAIL_FROM: FROM });
  token = await customer(w.h, 'buyer@example.com', PASSWORD);
  secrets.push(token);
});

/** The link of a mail's text part that starts with `prefix`. */
const linkIn = (m: SunkMail, prefix: string): string => {
  const found = m.text!.split(/\s+/).find((w) => w.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} link in: ${m.text}`);
  return found;
};

describe('the account address', () => {
  it('an order waits for the address to be confirmed by the mailed link (single use)', async () => {
    const refused = await w.h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['early.example.net'], addWwwVariant: false } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/confirm your e-mail address/);

    const [m] = await waitForSubject(/Confirm your e-mail address/);
    expectWellFormed(m!, 'buyer@example.com');
    const link = linkIn(m!, 'http://127.0.0.1:8080/portal/verify?token=');
    expect(m!.html).toContain(`href="${link}"`);
    const verifyToken = new URL(link).searchParams.get('token')!;
    expect((await w.h.request('POST', '/api/v1/accounts/verify', { json: { token: verifyToken } })).status).toBe(204);
    expect((await w.h.request('POST', '/api/v1/accounts/verify', { json: { token: verifyToken } })).status).toBe(400);
  });
});
afterAll(async () => {
  await w?.close();
  await sink?.stop();
});

const deliver = () => deliverDue({ ...w.h.deps, mailer: w.h.deps.mailer!, from: FROM });
const bySubject = (re: RegExp) => sink.messages().filter((m) => re.test(m.headers.subject ?? ''));

async function waitForSubject(re: RegExp, n = 1): Promise<SunkMail[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await deliver();
    const found = bySubject(re);
    if (found.length >= n) return found;
    if (Date.now() > deadline) throw new Error(`no mail ${re}: ${sink.messages().map((m) => m.headers.subject).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectWellFormed(m: SunkMail, to: string): void {
  expect(m.headers.from).toBe(FROM);
  expect(m.headers.to).toBe(to);
  expect(m.rcptTos).toEqual([to]);
  expect(m.headers['message-id']).toMatch(/^<[A-Za-z0-9_-]+@eabgate\.test>$/);
  expect(m.headers.date).toBeTruthy();
  expect(m.contentType).toBe('multipart/alternative');
  expect(m.text).toBeTruthy();
  expect(m.html).toMatch(/^<!doctype html>/);
}

describe('order mails', () => {
  it('a shipment notice per order: order number, CA Reference, validation instructions, the unlock code window; never the code', async () => {
    hostAt127(w.dns, 'shop.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['shop.example.net'], organization: undefined, addWwwVariant: false });
    secrets.push(order.keyArchive!.data.slice(0, 200));
    const unlock = await w.h.request('POST', `/api/v1/orders/${order.orderNumber}/unlock-code`, { token });
    const { unlockCode } = (await unlock.json()) as { unlockCode: string };
    secrets.push(unlockCode);

    const [m] = await waitForSubject(new RegExp(`Order ${order.orderNumber}: your order`));
    expectWellFormed(m!, 'buyer@example.com');
    const view = await track(w.h, order.caReference);
    for (const part of [m!.text!, m!.html!]) {
      expect(part).toContain(order.orderNumber);
      expect(part).toContain(order.caReference);
      expect(part).toContain(view.validation[0]!.instructions.dns01.value);
      expect(part).toContain(view.validation[0]!.instructions.http01!.url);
      expect(part).toMatch(/7 days/);
      expect(part).toContain(`http://127.0.0.1:8080/portal/orders/${order.orderNumber}`);
    }
    // The event wrote one mail, and it was sent once: delivering again sends nothing new.
    await deliver();
    expect(bySubject(new RegExp(`Order ${order.orderNumber}: your order`))).toHaveLength(1);

    satisfy(w, view);
    const v = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
    expect(((await v.json()) as { order: { status: string } }).order.status).toBe('issued');
    const [issued] = await waitForSubject(new RegExp(`Order ${order.orderNumber}: your certificate is issued`));
    expectWellFormed(issued!, 'buyer@example.com');
    expect(issued!.text).toContain(`/portal/orders/${order.orderNumber}`);
    expect(issued!.html).toContain(`href="http://127.0.0.1:8080/portal/orders/${order.orderNumber}"`);
    expect(issued!.text).toMatch(/private key is not in this mail/);

    // A renewal is a new order: its own shipment notice, with its own order number and CA Reference.
    const renewed = await w.h.request('POST', `/api/v1/orders/${order.orderNumber}/renew`, { token, json: { key: 'autocsr' } });
    expect(renewed.status).toBe(201);
    const r = (await renewed.json()) as { orderNumber: string; caReference: string; keyArchive: { data: string } };
    secrets.push(r.keyArchive.data.slice(0, 200));
    const [notice] = await waitForSubject(new RegExp(`Order ${r.orderNumber}: your order`));
    expectWellFormed(notice!, 'buyer@example.com');
    for (const part of [notice!.text!, notice!.html!]) {
      expect(part).toContain(r.caReference);
      expect(part).toMatch(/7 days/);
    }
  });

  it('an account that keeps the CA Reference out of its mails gets notices without it', async () => {
    const put = await w.h.request('PUT', '/api/v1/accounts/mail-settings', { token, json: { caReferenceInMail: false } });
    expect(await put.json()).toEqual({ verified: true, caReferenceInMail: false });
    hostAt127(w.dns, 'quiet.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['quiet.example.net'], organization: undefined, addWwwVariant: false });
    const [m] = await waitForSubject(new RegExp(`Order ${order.orderNumber}: your order`));
    expect(m!.raw).not.toContain(order.caReference);
    expect(m!.text).toMatch(/keeps the CA Reference out of mails/);
    await w.h.request('PUT', '/api/v1/accounts/mail-settings', { token, json: { caReferenceInMail: true } });
  });

  it('OV: approval and rejection, with the reason', async () => {
    const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
    const placed = [];
    for (const name of ['approve.example.net', 'reject.example.net']) {
      hostAt127(w.dns, name);
      const o = await placeAutoCsr(w.h, token, { product: 'ov', domains: [name], organization: ORG, addWwwVariant: false });
      satisfy(w, await track(w.h, o.caReference));
      await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: o.caReference } });
      placed.push(o);
    }
    const [a, r] = placed;
    expect((await w.h.request('POST', `/api/v1/admin/orders/${a!.orderNumber}/approve`, admin)).status).toBe(200);
    const rej = await w.h.request('POST', `/api/v1/admin/orders/${r!.orderNumber}/reject`, { ...admin, json: { reason: 'The company register lists a different address.' } });
    expect(rej.status).toBe(200);
    const [ok] = await waitForSubject(new RegExp(`Order ${a!.orderNumber}: your organization is approved`));
    expectWellFormed(ok!, 'buyer@example.com');
    const [no] = await waitForSubject(new RegExp(`Order ${r!.orderNumber}: the organization validation was rejected`));
    expect(no!.text).toContain('The company register lists a different address.');
    expect(no!.html).toContain('The company register lists a different address.');
    await waitForSubject(new RegExp(`Order ${a!.orderNumber}: your certificate is issued`));
  });
});

describe('a reissue that must validate again', () => {
  it('mails the new validation instructions once, with the move back to pending_validation', async () => {
    hostAt127(w.dns, 'again.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['again.example.net'], organization: undefined, addWwwVariant: false });
    secrets.push(order.keyArchive!.data.slice(0, 200));
    const first = await track(w.h, order.caReference);
    satisfy(w, first);
    const v = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
    expect(((await v.json()) as { order: { status: string } }).order.status).toBe('issued');
    // The validation is older than the reuse window now allows (relative to the injected clock).
    const now = w.h.clock.now();
    const row = (await w.h.deps.store.orders.byNumber(order.orderNumber))!;
    const [val] = await w.h.deps.store.domainValidations.forOrder(row.id);
    await w.h.deps.store.domainValidations.update(val!.id, { validatedAt: new Date(now.getTime() - (domainReuseDays(now) + 1) * DAY_MS) });
    const before = (await w.h.deps.store.orders.byNumber(order.orderNumber))!;

    const res = await w.h.request('POST', '/api/v1/tracking/reissue', { json: { caReference: order.caReference } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: { status: string }; keyArchive?: { data: string } };
    if (body.keyArchive) secrets.push(body.keyArchive.data.slice(0, 200));
    expect(body.order.status).toBe('pending_validation');

    const subject = new RegExp(`Order ${order.orderNumber}: validate your domains again for the reissue`);
    const [m] = await waitForSubject(subject);
    expectWellFormed(m!, 'buyer@example.com');
    const view = await track(w.h, order.caReference);
    const fresh = view.validation[0]!.instructions;
    expect(fresh.dns01.value).not.toBe(first.validation[0]!.instructions.dns01.value);
    for (const part of [m!.text!, m!.html!]) {
      expect(part).toContain(fresh.dns01.value);
      expect(part).toContain(fresh.http01!.url);
      expect(part).not.toContain(first.validation[0]!.instructions.dns01.value);
      expect(part).toMatch(/older than the \d+ days/);
      expect(part).toContain(`http://127.0.0.1:8080/portal/orders/${order.orderNumber}`);
    }
    // Written once, with the transition, under a key of the event; a second reissue (now pending) writes no mail.
    const rows = await w.h.deps.store.mail.byEvent(`order.reissue-validation:${before.id}:${before.updatedAt.getTime()}`);
    expect(rows).toHaveLength(1);
    expect((await w.h.request('POST', '/api/v1/tracking/reissue', { json: { caReference: order.caReference } })).status).toBe(200);
    await deliver();
    expect(bySubject(subject)).toHaveLength(1);

    // The mailed instructions validate the order: it is issued again.
    satisfy(w, view);
    const again = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
    expect(((await again.json()) as { order: { status: string } }).order.status).toBe('issued');
  });
});

describe('reminders from the periodic job', () => {
  it('the unlock code window closing in 24 h, and the certificate expiring in 30, 7 and 1 days, each once', async () => {
    hostAt127(w.dns, 'remind.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['remind.example.net'], organization: undefined, addWwwVariant: false });
    satisfy(w, await track(w.h, order.caReference));
    await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
    const services = (await import('../../src/app/app.js')).buildServices(w.h.deps);
    const cert = (await track(w.h, order.caReference)).certificate!;
    const notAfter = new Date(cert.notAfter).getTime();
    const start = w.h.clock.now().getTime();

    // 6.5 days on: the unlock code (7 days) closes within 24 hours.
    w.h.clock.set(start + 6.5 * DAY_MS);
    await services.ra.queueReminders();
    await services.ra.queueReminders();
    const [closing] = await waitForSubject(new RegExp(`Order ${order.orderNumber}: the unlock code can be shown for 24 more hours`));
    expectWellFormed(closing!, 'buyer@example.com');

    for (const days of [30, 7, 1]) {
      w.h.clock.set(notAfter - days * DAY_MS + 60_000);
      expect(await services.ra.queueReminders()).toBeGreaterThanOrEqual(1);
      expect(await services.ra.queueReminders()).toBe(0);
      const when = days === 1 ? 'tomorrow' : `in ${days} days`;
      const [m] = await waitForSubject(new RegExp(`Order ${order.orderNumber}: your certificate expires ${when}`));
      expect(m!.text).toContain(`http://127.0.0.1:8080/portal/orders/${order.orderNumber}`);
    }
    w.h.clock.set(start);
  });
});

describe('CaaS reminders', () => {
  it('the EAB key reveal window closing in 24 h, and the subscription lapsing within 7 days, each once', async () => {
    const start = w.h.clock.now().getTime();
    const end = new Date(start + 20 * DAY_MS).toISOString();
    const created = await w.h.request('POST', '/api/v1/admin/subscriptions', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      json: { accountEmail: 'buyer@example.com', plan: { preset: 'business', notAfter: end } },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const revealed = await w.h.request('POST', `/api/v1/subscriptions/${id}/eab-credentials`, { token });
    const { hmacKey } = (await revealed.json()) as { hmacKey: string };
    expect(hmacKey.length).toBeGreaterThan(20);
    secrets.push(hmacKey);
    const services = (await import('../../src/app/app.js')).buildServices(w.h.deps);

    w.h.clock.set(start + 6.5 * DAY_MS);
    await services.ra.queueReminders();
    const [closing] = await waitForSubject(/the EAB key can be shown for 24 more hours/);
    expectWellFormed(closing!, 'buyer@example.com');
    expect(closing!.text).toContain('http://127.0.0.1:8080/portal/caas');

    w.h.clock.set(start + 15 * DAY_MS);
    await services.ra.queueReminders();
    await services.ra.queueReminders();
    const [lapsing] = await waitForSubject(/lapses on/);
    expect(lapsing!.text).toContain(end.slice(0, 10));
    expect(bySubject(/lapses on/)).toHaveLength(1);
    expect(bySubject(/the EAB key can be shown/)).toHaveLength(1);
    w.h.clock.set(start);
  });
});

describe('what a mail never carries', () => {
  it('no password, session token, unlock code, EAB HMAC key, key archive or private key in any message sent', async () => {
    const all = sink.messages();
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const m of all) {
      for (const s of secrets) expect(m.raw).not.toContain(s);
      expect(m.raw).not.toMatch(/PRIVATE KEY/);
      expect(m.raw).not.toMatch(/egs_[A-Za-z0-9_-]{20,}/);
    }
    // What is stored is sealed, and wiped once sent.
    const rows = await w.h.deps.store.mail.byEvent(`order.placed:${(await w.h.deps.store.orders.listByCustomer((await w.h.deps.store.customers.byEmail('buyer@example.com'))!.id))[0]!.id}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('sent');
    expect(rows[0]!.sealed).toBe('');
  });
});
