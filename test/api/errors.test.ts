/** Bad input gets a problem document naming the field or rule, never a 500. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await harness();
  token = await customer(h, 'errors@example.com');
});
afterAll(() => h.close());

async function expectProblem(res: Response, status: number, detail: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = (await res.json()) as { type: string; title: string; status: number; detail: string };
  expect(p.type).toMatch(/^https:\/\//);
  expect(p.title).toBeTruthy();
  expect(p.status).toBe(status);
  expect(p.detail).toMatch(detail);
  return p;
}

describe('problem documents', () => {
  it('malformed JSON → 400', async () => {
    const p = await expectProblem(await h.request('POST', '/api/v1/orders', { token, body: '{"product": ', headers: { 'content-type': 'application/json' } }), 400, /not valid JSON/);
    expect(p.type).toMatch(/malformed-json$/);
  });

  it('unknown fields → 400 naming them', async () => {
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['example.com'], color: 'red' } }), 400, /unknown field: color/);
    await expectProblem(
      await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['example.com'], organization: { nam: 'x' } } }),
      400,
      /unknown field: organization\.nam/,
    );
  });

  it('wrong types → 400 naming the field', async () => {
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: 'example.com' } }), 400, /^domains: /);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'xl', domains: ['example.com'] } }), 400, /^product: /);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: [1, 2] }), 400, /body|expected object/);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: null }), 400, /./);
  });

  it('oversize body → 400', async () => {
    const big = JSON.stringify({ product: 'dv', domains: ['example.com'], csr: 'A'.repeat(200_000) });
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, body: big, headers: { 'content-type': 'application/json' } }), 400, /exceeds/);
  });

  it('non-JSON content type → 415', async () => {
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, body: 'product=dv', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, /application\/json/);
  });

  it('bad domain names → 400 naming the entry', async () => {
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['example.com', 'bad_name.com'] } }), 400, /domains\[1\]: "bad_name.com" has an invalid label/);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['co.uk'] } }), 400, /public suffix/);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'ev', domains: ['*.example.com'], organization: { name: 'A', locality: 'B', country: 'GB', businessCategory: 'Private Organization', registrationNumber: '1', jurisdictionCountry: 'GB' } } }), 400, /wildcard/);
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: [] } }), 400, /domains/);
  });

  it('EV without the EV Guidelines subject details → 400 naming the field', async () => {
    await expectProblem(
      await h.request('POST', '/api/v1/orders', { token, json: { product: 'ev', domains: ['example.com'], organization: { name: 'A', locality: 'B', country: 'GB' } } }),
      400,
      /organization\.businessCategory: required for EV/,
    );
    await expectProblem(
      await h.request('POST', '/api/v1/orders', { token, json: { product: 'ev', domains: ['example.com'], organization: { name: 'A', locality: 'B', country: 'GB', businessCategory: 'Pirate Ship' } } }),
      400,
      /organization\.businessCategory: must be one of/,
    );
  });

  it('OV without organization details → 400', async () => {
    await expectProblem(await h.request('POST', '/api/v1/orders', { token, json: { product: 'ov', domains: ['example.com'] } }), 400, /organization\.name: required for OV/);
  });

  it('unknown route → 404 problem', async () => {
    await expectProblem(await h.request('GET', '/api/v1/nothing-here'), 404, /No route/);
  });

  it('registration rules: short password, bad email, duplicate', async () => {
    await expectProblem(await h.request('POST', '/api/v1/accounts', { json: { email: 'x@example.com', password: 'short' } }), 400, /^password: must be at least 12/);
    await expectProblem(await h.request('POST', '/api/v1/accounts', { json: { email: 'not-an-email', password: 'long enough password' } }), 400, /^email: /);
    await expectProblem(await h.request('POST', '/api/v1/accounts', { json: { email: 'ERRORS@example.com', password: 'long enough password' } }), 409, /exists already/);
  });

  it('GET /healthz', async () => {
    const res = await h.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
