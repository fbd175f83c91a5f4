/**
 * What the reseller promises about certificate contents (issue 13 part 5): a CSR naming fewer host names
 * than the order is accepted and the certificate carries every validated name of the order; subject fields
 * the Baseline Requirements forbid (OU, e-mail address) are explained in `notices`, not dropped silently;
 * the subject comes from the order. Checked on the issued certificate with the real openssl.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { customer } from '../support/harness.js';
import { ORG, type PlacedOrderJson } from '../support/order.js';
import { openssl } from '../support/tools.js';
import { opensslCsr } from '../support/csr.js';
import { trackingWorld, hostAt127, track, satisfy, download, ADMIN_TOKEN, type TrackingWorld } from '../support/tracking.js';

type Notice = { code: string; field: string; detail: string };
type Placed = PlacedOrderJson & { notices: Notice[] };

let w: TrackingWorld;
let token: string;
beforeAll(async () => {
  w = await trackingWorld();
  token = await customer(w.h, 'contents@example.com');
});
afterAll(() => w.close());

async function place(body: Record<string, unknown>): Promise<Placed> {
  const res = await w.h.request('POST', '/api/v1/orders', { token, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Placed;
}

async function issue(order: Placed): Promise<string> {
  hostAt127(w.dns, ...order.domains);
  satisfy(w, await track(w.h, order.caReference));
  const v = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
  const status = ((await v.json()) as { order: { status: string } }).order.status;
  if (status === 'pending_approval') {
    expect((await w.h.request('POST', `/api/v1/admin/orders/${order.orderNumber}/approve`, { token: ADMIN_TOKEN })).status).toBe(200);
  } else expect(status).toBe('issued');
  return (await download(w.h, order.caReference, 'pem')).text();
}

const sans = (pem: string) =>
  openssl(['x509', '-noout', '-ext', 'subjectAltName'], pem)
    .stdout.split('\n')[1]!
    .split(',')
    .map((s) => s.trim().replace(/^DNS:/, ''))
    .sort();
const subject = (pem: string) => openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).stdout.trim().replace(/^subject=/, '');

describe('a CSR naming fewer host names than the order', () => {
  it('is accepted, the customer is told, and the certificate carries all the order’s names', async () => {
    const domains = ['few.example.org', 'www.few.example.org', 'api.few.example.org'];
    const { csr } = opensslCsr({ key: 'ec', cn: 'few.example.org', sans: ['few.example.org'] });
    const order = await place({ product: 'dv', domains, csr });
    expect(order.notices.map((n) => n.code)).toEqual(['names-added']);
    expect(order.notices[0]!.detail).toContain('www.few.example.org, api.few.example.org');
    const cert = await issue(order);
    expect(sans(cert)).toEqual([...domains].sort());
    expect(subject(cert)).toBe('CN=few.example.org');
    expect(openssl(['x509', '-noout', '-pubkey'], cert).stdout).toBe(openssl(['req', '-noout', '-pubkey'], csr).stdout);
  });

  it('a CSR with only a common name, or with a name the order does not have', async () => {
    const onlyCn = opensslCsr({ key: 'ec', cn: 'cn.example.org', sans: [] }).csr;
    const ok = await place({ product: 'dv', domains: ['cn.example.org', 'www.cn.example.org'], csr: onlyCn });
    expect(sans(await issue(ok))).toEqual(['cn.example.org', 'www.cn.example.org']);

    const foreign = opensslCsr({ key: 'ec', cn: 'cn.example.org', sans: ['cn.example.org', 'evil.example.net'] }).csr;
    const res = await w.h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['cn.example.org', 'www.cn.example.org'], csr: foreign } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/evil\.example\.net is not in the order/);
  });
});

describe('subject fields the Baseline Requirements forbid', () => {
  it('OU and e-mail of an OV order are explained in notices and absent from the certificate', async () => {
    const order = await place({ product: 'ov', domains: ['ou.example.org'], organization: ORG, addWwwVariant: false });
    const left = order.notices.filter((n) => n.code === 'subject-field-left-out');
    expect(left.map((n) => n.field).sort()).toEqual(['organization.email', 'organization.unit']);
    expect(left.find((n) => n.field === 'organization.unit')!.detail).toMatch(/organizational unit “IT”.*forbid.*SC-47/);
    const got = await w.h.request('GET', `/api/v1/orders/${order.orderNumber}`, { token });
    expect(((await got.json()) as { notices: Notice[] }).notices).toEqual(order.notices);

    const cert = await issue(order);
    const s = subject(cert);
    expect(s).toContain('O=Example Trading Ltd');
    expect(s).not.toMatch(/OU=|emailAddress|1\.2\.840\.113549\.1\.9\.1/);
  });

  it('OU, e-mail and organization fields of a DV order’s own CSR are explained too', async () => {
    const { csr } = opensslCsr({
      key: 'ec',
      cn: 'dvsubj.example.org',
      sans: ['dvsubj.example.org'],
      subject: '/CN=dvsubj.example.org/O=Own Org/OU=Web Team/emailAddress=web@example.org/C=DE',
    });
    const order = await place({ product: 'dv', domains: ['dvsubj.example.org'], csr });
    const byField = Object.fromEntries(order.notices.map((n) => [n.field, n]));
    expect(byField['csr.OU']!.detail).toContain('“Web Team”');
    expect(byField['csr.E']!.detail).toContain('web@example.org');
    expect(byField.csr!.code).toBe('subject-from-order');
    expect(byField.csr!.detail).toMatch(/the O, C of your CSR are not put in it/);
    expect(subject(await issue(order))).toBe('CN=dvsubj.example.org');
  });
});
