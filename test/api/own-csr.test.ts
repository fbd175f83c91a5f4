/** Orders that bring their own CSR: checked and used as is; every fault is a 400 with its own detail. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';
import { opensslCsr, corruptSignature } from '../support/csr.js';
import { ORG } from '../support/order.js';

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await harness();
  token = await customer(h, 'csr@example.com');
});
afterAll(() => h.close());

const order = (csr: string, domains = ['shop.example.com', 'api.example.com']) =>
  h.request('POST', '/api/v1/orders', { token, json: { product: 'ov', domains, organization: ORG, csr } });

async function problem(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { type: string; title: string; detail: string; rule?: string };
}

describe('own CSR', () => {
  it('accepts a good RSA-2048 CSR and uses it as is: no archive, no unlock code', async () => {
    const { csr } = opensslCsr({ key: 'rsa:2048', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] });
    const res = await order(csr);
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.autoCsr).toBe(false);
    expect(body.keyArchive).toBeUndefined();
    expect(body.unlockCode).toBeNull();
    expect((body.csr as string).replace(/\s+/g, '')).toBe(csr.replace(/\s+/g, ''));
    expect(body.domains).toEqual(['shop.example.com', 'api.example.com']);
    const code = await h.request('POST', `/api/v1/orders/${body.orderNumber}/unlock-code`, { token });
    expect(code.status).toBe(404);
  });

  it('accepts a good P-256 CSR', async () => {
    const ec = opensslCsr({ key: 'ec', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] });
    expect((await order(ec.csr)).status).toBe(201);
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const { csr } = opensslCsr({ key: 'rsa:2048', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] });
    const p = await problem(await order(corruptSignature(csr)));
    expect(p.type).toMatch(/bad-csr$/);
    expect(p.detail).toMatch(/signature does not verify/);
  });

  it('refuses a 1024-bit RSA key', async () => {
    const { csr } = opensslCsr({ key: 'rsa:1024', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] });
    const p = await problem(await order(csr));
    expect(p.detail).toMatch(/RSA key of 1024 bits/);
  });

  it('refuses names that differ from the order', async () => {
    const { csr } = opensslCsr({ key: 'rsa:2048', cn: 'shop.example.com', sans: ['shop.example.com', 'evil.example.net'] });
    const p = await problem(await order(csr));
    expect(p.detail).toMatch(/differ from the order's domains/);
  });

  it('refuses garbage', async () => {
    const p = await problem(await order('hello, I am not a CSR'));
    expect(p.detail).toMatch(/not a PEM-encoded PKCS#10/);
    const p2 = await problem(await order('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'));
    expect(p2.detail).toMatch(/does not hold a valid PKCS#10/);
  });

  it('gives each fault a distinct detail', async () => {
    const good = opensslCsr({ key: 'rsa:2048', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] }).csr;
    const details = await Promise.all(
      [
        corruptSignature(good),
        opensslCsr({ key: 'rsa:1024', cn: 'shop.example.com', sans: ['shop.example.com', 'api.example.com'] }).csr,
        opensslCsr({ key: 'rsa:2048', cn: 'other.example.com', sans: ['other.example.com'] }).csr,
        'garbage',
      ].map(async (c) => (await problem(await order(c))).detail),
    );
    expect(new Set(details).size).toBe(4);
  });
});
