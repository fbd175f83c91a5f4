/**
 * Renewal over REST (issue 13 part 3): one request places the follow-up order with the same names and
 * organization; a new AutoCSR key or the same CSR; the renewed certificate stays valid; validations still
 * reusable carry over; a double click places one renewal.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { customer } from '../support/harness.js';
import { placeAutoCsr, extractWith7z, readExtracted, ORG, type PlacedOrderJson } from '../support/order.js';
import { openssl } from '../support/tools.js';
import { opensslCsr } from '../support/csr.js';
import { trackingWorld, hostAt127, track, satisfy, download, ADMIN_TOKEN, type TrackingWorld } from '../support/tracking.js';

let w: TrackingWorld;
let token: string;
beforeAll(async () => {
  w = await trackingWorld();
  token = await customer(w.h, 'renew@example.com');
});
afterAll(() => w.close());

async function validate(caReference: string): Promise<string> {
  const v = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference } });
  expect(v.status).toBe(200);
  return ((await v.json()) as { order: { status: string } }).order.status;
}

async function issued(name: string, body: Record<string, unknown> = {}): Promise<PlacedOrderJson> {
  hostAt127(w.dns, name);
  const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: [name], organization: undefined, addWwwVariant: false, ...body });
  satisfy(w, await track(w.h, order.caReference));
  expect(await validate(order.caReference)).toBe('issued');
  return order;
}

const renew = (orderNumber: string, json?: unknown, t = token) =>
  w.h.request('POST', `/api/v1/orders/${orderNumber}/renew`, { token: t, ...(json === undefined ? {} : { json }) });

const reveal = async (orderNumber: string) =>
  ((await (await w.h.request('POST', `/api/v1/orders/${orderNumber}/unlock-code`, { token })).json()) as { unlockCode: string }).unlockCode;

const pubOfCert = (pem: string) => openssl(['x509', '-noout', '-pubkey'], pem).stdout;

describe('POST /api/v1/orders/{orderNumber}/renew', () => {
  it('with a new AutoCSR key: a new order with the same names, a new archive; reused validation issues at once; the old certificate stays valid', async () => {
    const old = await issued('renew-auto.example.org');
    const oldCert = await (await download(w.h, old.caReference, 'pem')).text();
    // The DNS record is gone: the renewal is issued on the validation it carries over, not a new check.
    w.dns.remove(`_acme-challenge.renew-auto.example.org`, 'TXT');

    const res = await renew(old.orderNumber); // no body: the default is a new AutoCSR key
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const r = (await res.json()) as PlacedOrderJson & { renews: string; keyArchive: { data: string } };
    expect(r.orderNumber).not.toBe(old.orderNumber);
    expect(r.caReference).not.toBe(old.caReference);
    expect(r.renews).toBe(old.orderNumber);
    expect(r.domains).toEqual(['renew-auto.example.org']);
    expect(r.autoCsr).toBe(true);
    expect(res.headers.get('location')).toBe(`/api/v1/orders/${r.orderNumber}`);

    const view = await track(w.h, r.caReference);
    expect(view.validation.map((v) => v.status)).toEqual(['valid']);
    expect(await validate(r.caReference)).toBe('issued');

    const newCert = await (await download(w.h, r.caReference, 'pem')).text();
    const x = extractWith7z(r.keyArchive.data, await reveal(r.orderNumber));
    expect(x.status).toBe(0);
    expect(openssl(['pkey', '-pubout'], readExtracted(x.dir, x.files[0]!)).stdout).toBe(pubOfCert(newCert));
    expect(pubOfCert(newCert)).not.toBe(pubOfCert(oldCert));

    // The renewed certificate is neither revoked nor replaced, and is still served.
    const oldView = await track(w.h, old.caReference);
    expect(oldView.status).toBe('issued');
    expect(oldView.certificate!.revoked).toBe(false);
    expect(await (await download(w.h, old.caReference, 'pem')).text()).toBe(oldCert);

    const listed = (await (await w.h.request('GET', `/api/v1/orders/${old.orderNumber}`, { token })).json()) as { renewedBy: string };
    expect(listed.renewedBy).toBe(r.orderNumber);
  });

  it('with the same CSR: the renewal signs the earlier CSR again (own CSR order), no archive', async () => {
    const name = 'renew-csr.example.org';
    hostAt127(w.dns, name);
    const { csr } = opensslCsr({ key: 'ec', cn: name, sans: [name] });
    const old = await issued(name, { csr });
    const res = await renew(old.orderNumber, { key: 'same-csr' });
    expect(res.status).toBe(201);
    const r = (await res.json()) as PlacedOrderJson;
    expect(r.keyArchive).toBeUndefined();
    expect(r.autoCsr).toBe(false);
    expect(r.csr.trim()).toBe(csr.trim());
    expect(await validate(r.caReference)).toBe('issued');
    const cert = await (await download(w.h, r.caReference, 'pem')).text();
    expect(pubOfCert(cert)).toBe(openssl(['req', '-noout', '-pubkey'], csr).stdout);
  });

  it('keeps the organization of an OV order, and its approval while reusable', async () => {
    const name = 'renew-ov.example.org';
    hostAt127(w.dns, name);
    const old = await placeAutoCsr(w.h, token, { product: 'ov', domains: [name], organization: ORG, addWwwVariant: false });
    satisfy(w, await track(w.h, old.caReference));
    expect(await validate(old.caReference)).toBe('pending_approval');
    const ok = await w.h.request('POST', `/api/v1/admin/orders/${old.orderNumber}/approve`, { token: ADMIN_TOKEN });
    expect(ok.status).toBe(200);
    const r = (await (await renew(old.orderNumber, { key: 'same-csr' })).json()) as PlacedOrderJson & { organization: unknown; product: string };
    expect(r.product).toBe('ov');
    expect(r.organization).toEqual(ORG);
    expect(await validate(r.caReference)).toBe('issued');
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], await (await download(w.h, r.caReference, 'pem')).text()).stdout;
    expect(subject).toContain('O=Example Trading Ltd');
  });

  it('a double click places one renewal: the other request gets 409 naming it', async () => {
    const old = await issued('renew-twice.example.org');
    const answers = await Promise.all([renew(old.orderNumber, { key: 'autocsr' }), renew(old.orderNumber, { key: 'autocsr' })]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const won = (await answers.find((a) => a.status === 201)!.json()) as PlacedOrderJson;
    const lost = (await answers.find((a) => a.status === 409)!.json()) as { renewalOrderNumber: string; detail: string };
    expect(lost.renewalOrderNumber).toBe(won.orderNumber);
    expect(lost.detail).toContain(won.orderNumber);
    const all = (await (await w.h.request('GET', '/api/v1/orders', { token })).json()) as { orders: { renews: string | null }[] };
    expect(all.orders.filter((o) => o.renews === old.orderNumber)).toHaveLength(1);
    // And later, too.
    expect((await renew(old.orderNumber)).status).toBe(409);
  });

  it('refuses what cannot be renewed: not issued yet (409), someone else’s (404), an unknown key choice (400)', async () => {
    const pending = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['renew-pending.example.org'], organization: undefined });
    const early = await renew(pending.orderNumber);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { detail: string }).detail).toMatch(/only an order with an issued certificate/);

    const other = await customer(w.h, 'renew-other@example.com');
    const foreign = await renew(pending.orderNumber, undefined, other);
    expect(foreign.status).toBe(404);

    const bad = await renew(pending.orderNumber, { key: 'new-rsa-4096' });
    expect(bad.status).toBe(400);
    expect(res400(await bad.json())).toBe(true);
  });
});

function res400(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { status?: number }).status === 400;
}
