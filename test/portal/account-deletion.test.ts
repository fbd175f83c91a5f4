/**
 * A customer deletes their own account in the portal (issue 13 part 6): re-authentication with the
 * password and an explicit confirmation; every session ends (portal cookie and REST tokens); the e-mail
 * address and password are gone (the address can sign up again); open orders close and every order's CSR,
 * e-mail and unit are erased; CaaS subscriptions and EAB credentials are revoked; issued certificates and
 * validation records stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormClient, text } from './form-client.js';
import { buildAssets } from './support.js';
import { caasHarness, subscribe } from '../caas/support.js';
import type { Harness } from '../support/harness.js';
import { ORG } from '../support/order.js';
import { opensslCsr } from '../support/csr.js';

const PASSWORD = 'maple river candle orbit';
let h: Harness;
beforeAll(async () => {
  buildAssets();
  h = await caasHarness();
});
afterAll(() => h.close());

async function restToken(email: string): Promise<string> {
  const r = await h.request('POST', '/api/v1/sessions', { json: { email, password: PASSWORD } });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

describe('deleting one’s own account', () => {
  it('needs the password and the confirmation; then ends every session, erases personal data, keeps what the CA must', async () => {
    const email = 'leaving@example.com';
    const c = new FormClient(h);
    await c.signUp(email);
    const token = await restToken(email);
    const { csr } = opensslCsr({ key: 'ec', cn: 'leaving.example.org', sans: ['leaving.example.org'] });
    const placed = await h.request('POST', '/api/v1/orders', { token, json: { product: 'ov', domains: ['leaving.example.org'], organization: ORG, csr } });
    expect(placed.status).toBe(201);
    const { orderNumber } = (await placed.json()) as { orderNumber: string };
    const sub = await subscribe(h, email);
    const customer = (await h.deps.store.customers.byEmail(email))!;

    const page = await c.get('/portal/account');
    expect(page.status).toBe(200);
    const t = text(page.html);
    expect(t).toContain('Delete my account');
    expect(t).toMatch(/Deleted at once.*e-mail address and password.*Kept, because a certificate authority must.*certificates already issued/);

    const unconfirmed = await c.post('/portal/account/delete', { password: PASSWORD });
    expect(unconfirmed.status).toBe(400);
    expect(text(unconfirmed.html)).toContain('Tick the box');
    const wrong = await c.post('/portal/account/delete', { password: 'not my password at all', confirm: '1' });
    expect(wrong.status).toBe(401);
    expect(text(wrong.html)).toContain('The password is wrong.');
    // Nothing happened yet.
    expect((await h.request('GET', '/api/v1/orders', { token })).status).toBe(200);

    const done = await c.post('/portal/account/delete', { password: PASSWORD, confirm: '1' });
    expect(done.status).toBe(200);
    expect(text(done.html)).toContain('Your account is deleted');
    expect(done.headers.get('set-cookie')).toMatch(/eabgate_session=;/);
    expect(text(done.html)).not.toContain(email);

    // Every session ended: the REST token and the portal cookie.
    expect((await h.request('GET', '/api/v1/orders', { token })).status).toBe(401);
    expect((await c.get('/portal/account')).status).toBe(303);
    expect((await h.request('POST', '/api/v1/sessions', { json: { email, password: PASSWORD } })).status).toBe(401);
    expect(await h.deps.store.customers.byEmail(email)).toBeUndefined();
    const row = (await h.deps.store.customers.byId(customer.id))!;
    expect(row.email).toBe(`deleted-${customer.id}@deleted.invalid`);
    expect(row.passwordHash).not.toBe(customer.passwordHash);

    // The open order is closed, its personal data erased; the order itself and its validation record stay.
    const order = (await h.deps.store.orders.byNumber(orderNumber))!;
    expect(order.status).toBe('rejected');
    expect(order.statusReason).toMatch(/account was deleted/);
    expect(order.csrPem).toBe('');
    expect(order.organization).toEqual({ name: ORG.name, locality: ORG.locality, state: ORG.state, country: ORG.country });
    expect(await h.deps.store.domainValidations.forOrder(order.id)).toHaveLength(1);

    // CaaS: the subscription and its credentials are revoked.
    const s = (await h.deps.store.caas.subscription(sub.id))!;
    expect(s.status).toBe('revoked');
    const creds = await h.deps.store.caas.credentialsOf(sub.id);
    expect(creds.length).toBeGreaterThan(0);
    expect(creds.every((x) => x.revokedAt !== null)).toBe(true);

    // The address is free again.
    const fresh = new FormClient(h);
    await fresh.signUp(email);
    expect(text((await fresh.get('/portal/orders')).html)).toContain('No orders yet');
  });
});

describe('the mail setting on the account page', () => {
  it('shows whether shipment notices carry the CA Reference and changes it (CSRF-protected), as the REST setting does', async () => {
    const email = 'mailsetting@example.com';
    const c = new FormClient(h);
    await c.signUp(email);
    const customer = (await h.deps.store.customers.byEmail(email))!;
    const box = (html: string) => /<input[^>]*id="f-caReferenceInMail"[^>]*>/.exec(html)?.[0] ?? '';

    const page = await c.get('/portal/account');
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain('shipment notices carry the CA Reference');
    expect(box(page.html)).toMatch(/checked/);

    // Without the CSRF token nothing changes.
    const forged = await c.post('/portal/account/mail-settings', { present: '1' }, { csrf: null });
    expect(forged.status).toBe(403);
    expect((await h.deps.store.mail.settings(customer.id)).omitCaReference).toBe(false);

    // Unticking keeps it out; the page and the REST API say so.
    const off = await c.post('/portal/account/mail-settings', { present: '1' });
    expect(off.status).toBe(200);
    expect(text(off.html)).toContain('Your mail setting is saved.');
    expect(text(off.html)).toContain('shipment notices do not carry the CA Reference');
    expect(box(off.html)).not.toMatch(/checked/);
    expect((await h.deps.store.mail.settings(customer.id)).omitCaReference).toBe(true);
    const token = await restToken(email);
    const rest = await h.request('PUT', '/api/v1/accounts/mail-settings', { token, json: { caReferenceInMail: false } });
    expect(((await rest.json()) as { caReferenceInMail: boolean }).caReferenceInMail).toBe(false);

    // Ticking puts it back.
    const on = await c.post('/portal/account/mail-settings', { present: '1', caReferenceInMail: '1' });
    expect(on.status).toBe(200);
    expect(box(on.html)).toMatch(/checked/);
    expect((await h.deps.store.mail.settings(customer.id)).omitCaReference).toBe(false);

    // An empty POST changes nothing.
    expect((await c.post('/portal/account/mail-settings', {})).status).toBe(400);
    expect((await h.deps.store.mail.settings(customer.id)).omitCaReference).toBe(false);
  });
});
