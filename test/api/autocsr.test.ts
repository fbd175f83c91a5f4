/** The AutoCSR journey with the real tools: 7-Zip opens the archive, OpenSSL checks the CSR and the key. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, customer, type Harness } from '../support/harness.js';
import { placeAutoCsr, extractWith7z, readExtracted, ORG, type PlacedOrderJson } from '../support/order.js';
import { openssl, run, sevenZip } from '../support/tools.js';

let h: Harness;
let token: string;
let order: PlacedOrderJson;
let code: string;

beforeAll(async () => {
  h = await harness();
  token = await customer(h, 'alice@example.com');
  order = await placeAutoCsr(h, token);
  const res = await h.request('POST', `/api/v1/orders/${order.orderNumber}/unlock-code`, { token });
  expect(res.status).toBe(200);
  code = ((await res.json()) as { unlockCode: string }).unlockCode;
});
afterAll(() => h.close());

describe('AutoCSR order', () => {
  it('answers 201 with order number, CA Reference, CSR and a key archive, but no unlock code', () => {
    expect(order.orderNumber).toMatch(/^EG-[2-9A-Z]{10}$/);
    expect(order.caReference).toMatch(/^CAR-([2-9A-Z]{4}-){6}[2-9A-Z]{4}$/);
    expect(order.caReference).not.toContain(order.orderNumber);
    expect(order.autoCsr).toBe(true);
    expect(order.status).toBe('pending_validation');
    expect(order.keyArchive?.contentType).toBe('application/zip');
    expect(order.keyArchive?.filename).toMatch(/\.zip$/);
    expect(JSON.stringify(order)).not.toContain(code);
    expect(JSON.stringify(order)).not.toContain('PRIVATE KEY');
  });

  it('adds the www host for a bare domain', () => {
    expect(order.domains).toEqual(['example.com', 'www.example.com']);
  });

  it('holds exactly one entry, AES-256 encrypted (WinZip AE-2)', () => {
    const dir = extractWith7z(order.keyArchive!.data, code).dir;
    const zip = `${dir}/../key.zip`;
    const list = run(sevenZip(), ['l', '-slt', `-p${code}`, zip]).stdout;
    expect(list.match(/^Path = /gm)!.length).toBe(2); // the archive itself and its one entry
    expect(list).toMatch(/Encrypted = \+/);
    expect(list).toMatch(/Method = AES-256/);
  });

  it('opens with the revealed code in 7z, and the key matches the CSR', () => {
    const x = extractWith7z(order.keyArchive!.data, code);
    expect(x.status).toBe(0);
    expect(x.files).toEqual(['example.com.key']);
    const keyPem = readExtracted(x.dir, 'example.com.key');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const keyInfo = openssl(['pkey', '-noout', '-text'], keyPem);
    expect(keyInfo.status).toBe(0);
    expect(keyInfo.stdout).toMatch(/Private-Key: \(2048 bit/);
    const keyPub = openssl(['pkey', '-pubout'], keyPem).stdout;
    const csrPub = openssl(['req', '-noout', '-pubkey'], order.csr).stdout;
    expect(keyPub).not.toBe('');
    expect(keyPub).toBe(csrPub);
  });

  it('fails in 7z with a wrong code (exit code checked, not the empty file 7z leaves)', () => {
    const wrong = code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const x = extractWith7z(order.keyArchive!.data, wrong);
    expect(x.status).toBe(2);
    expect(x.stderr).toMatch(/Wrong password/i);
  });

  it('has a CSR that openssl verifies, with the subject and SANs of the order', () => {
    const verify = openssl(['req', '-noout', '-verify'], order.csr);
    expect(verify.status).toBe(0);
    expect(verify.stdout + verify.stderr).toMatch(/verify OK/i);
    const text = openssl(['req', '-noout', '-text'], order.csr).stdout;
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toMatch(/CN\s*=\s*example\.com/);
    expect(text).toContain(`O = ${ORG.name}`);
    expect(text).toMatch(/C\s*=\s*GB/);
    expect(text).toMatch(/DNS:example\.com, DNS:www\.example\.com/);
  });

  it('gives an unlock code of at least 128 bits in easy-to-type groups', () => {
    expect(code).toMatch(/^([2-9A-HJKMNP-TV-Z]{4}-){6}[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(28 * Math.log2(30)).toBeGreaterThanOrEqual(128);
  });

  it('does not add the counterpart when the order says not to', async () => {
    const o = await placeAutoCsr(h, token, { product: 'dv', domains: ['www.example.org'], addWwwVariant: false, organization: undefined });
    expect(o.domains).toEqual(['www.example.org']);
    const o2 = await placeAutoCsr(h, token, { product: 'dv', domains: ['www.example.org'], organization: undefined });
    expect(o2.domains).toEqual(['www.example.org', 'example.org']);
    const o3 = await placeAutoCsr(h, token, { product: 'dv', domains: ['shop.example.co.uk'], organization: undefined });
    expect(o3.domains).toEqual(['shop.example.co.uk']);
  });

  it('refuses a country that is not ISO 3166-1 alpha-2', async () => {
    const res = await h.request('POST', '/api/v1/orders', { token, json: { product: 'ov', domains: ['example.com'], organization: { ...ORG, country: 'UK' } } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/organization\.country.*ISO 3166-1/);
  });
});
