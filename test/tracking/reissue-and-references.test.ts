/**
 * Reissue without a CSR: a new archive that opens with its own new code, and the replaced certificate on
 * the published CRL. Wrong CA References all answer alike and are slowed down.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { customer } from '../support/harness.js';
import { placeAutoCsr, extractWith7z, readExtracted } from '../support/order.js';
import { openssl } from '../support/tools.js';
import { opensslCsr } from '../support/csr.js';
import { trackingWorld, hostAt127, track, satisfy, download, writeTemp, type TrackingWorld } from '../support/tracking.js';

let w: TrackingWorld;
let token: string;
beforeAll(async () => {
  w = await trackingWorld();
  token = await customer(w.h, 'reissue@example.com');
});
afterAll(() => w.close());

async function issuedOrder(name: string) {
  hostAt127(w.dns, name);
  const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: [name], organization: undefined, addWwwVariant: false });
  satisfy(w, await track(w.h, order.caReference));
  const v = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
  expect(((await v.json()) as { order: { status: string } }).order.status).toBe('issued');
  return order;
}

const reveal = async (orderNumber: string) =>
  ((await (await w.h.request('POST', `/api/v1/orders/${orderNumber}/unlock-code`, { token })).json()) as { unlockCode: string }).unlockCode;

describe('reissue', () => {
  it('without CSR: new key archive, new unlock code, new certificate; the old serial is on the CRL', async () => {
    const order = await issuedOrder('reissue.example.org');
    const oldCode = await reveal(order.orderNumber);
    const oldSerial = (await track(w.h, order.caReference)).certificate!.serial;

    const res = await w.h.request('POST', '/api/v1/tracking/reissue', { json: { caReference: order.caReference } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: { status: string; certificate: { serial: string } }; keyArchive: { data: string } };
    expect(body.order.status).toBe('issued');
    expect(body.order.certificate.serial).not.toBe(oldSerial);
    expect(JSON.stringify(body)).not.toMatch(/PRIVATE KEY/);

    const newCode = await reveal(order.orderNumber);
    expect(newCode).not.toBe(oldCode);
    expect(extractWith7z(body.keyArchive.data, oldCode).status).toBe(2);
    const x = extractWith7z(body.keyArchive.data, newCode);
    expect(x.status).toBe(0);
    const keyPub = openssl(['pkey', '-pubout'], readExtracted(x.dir, x.files[0]!)).stdout;
    const certPem = await (await download(w.h, order.caReference, 'pem')).text();
    const certPub = openssl(['x509', '-noout', '-pubkey'], certPem).stdout;
    expect(keyPub).toBe(certPub);

    const crlRes = await w.h.request('GET', '/ca/crl');
    expect(crlRes.headers.get('content-type')).toBe('application/pkix-crl');
    const crlFile = writeTemp('ca.crl', new Uint8Array(await crlRes.arrayBuffer()));
    const interFile = writeTemp('inter.pem', await (await w.h.request('GET', '/ca/intermediate.pem')).text());
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', crlFile]).stdout;
    expect(text.toLowerCase().replace(/:/g, '')).toContain(oldSerial.toUpperCase().toLowerCase());
    expect(text).toMatch(/Superseded/);
    expect(text.toLowerCase()).not.toContain(body.order.certificate.serial);
    const verify = openssl(['crl', '-inform', 'DER', '-noout', '-CAfile', interFile, '-in', crlFile]);
    expect(verify.stdout + verify.stderr).toMatch(/verify OK/);
  });

  it('with a CSR: that CSR is used, and no archive is made', async () => {
    const order = await issuedOrder('own.example.org');
    const { csr } = opensslCsr({ key: 'ec', cn: 'own.example.org', sans: ['own.example.org'] });
    const res = await w.h.request('POST', '/api/v1/tracking/reissue', { json: { caReference: order.caReference, csr } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keyArchive?: unknown };
    expect(body.keyArchive).toBeUndefined();
    const cert = await (await download(w.h, order.caReference, 'pem')).text();
    expect(openssl(['x509', '-noout', '-pubkey'], cert).stdout).toBe(openssl(['req', '-noout', '-pubkey'], csr).stdout);
    const bad = opensslCsr({ key: 'ec', cn: 'other.example.org', sans: ['other.example.org'] }).csr;
    const refused = await w.h.request('POST', '/api/v1/tracking/reissue', { json: { caReference: order.caReference, csr: bad } });
    expect(refused.status).toBe(400);
  });
});

describe('CA References', () => {
  it('accept the reference typed in lower case or without dashes', async () => {
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['typed.example.org'], organization: undefined });
    const typed = order.caReference.toLowerCase().replace(/-/g, ' ');
    expect((await track(w.h, typed, '198.51.100.77')).orderNumber).toBe(order.orderNumber);
  });

  it('answer every wrong reference alike, reveal nothing, and slow the address down', async () => {
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['probe.example.org'], organization: undefined });
    const real = order.caReference;
    const flipped = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    const answers: string[] = [];
    for (const ref of [flipped, 'CAR-2222-2222-2222-2222-2222-2222-2222', 'garbage', order.orderNumber]) {
      const res = await w.h.request('POST', '/api/v1/tracking', { json: { caReference: ref }, headers: { 'x-test-client': '203.0.113.9' } });
      expect(res.status).toBe(404);
      answers.push(await res.text());
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toMatch(/probe|EG-/);
    for (let i = 0; i < 10; i++) await w.h.request('POST', '/api/v1/tracking', { json: { caReference: 'nope' }, headers: { 'x-test-client': '203.0.113.9' } });
    const blocked = await w.h.request('POST', '/api/v1/tracking', { json: { caReference: real }, headers: { 'x-test-client': '203.0.113.9' } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // the right reference from another address still works, and shows only its own order
    const view = await track(w.h, real, '203.0.113.10');
    expect(view.orderNumber).toBe(order.orderNumber);
    expect(JSON.stringify(view)).not.toMatch(/typed\.example\.org|reissue\.example\.org/);
  });

  it('never travels in a URL: there is no GET route for tracking', async () => {
    expect((await w.h.request('GET', '/api/v1/tracking')).status).toBe(404);
  });
});
