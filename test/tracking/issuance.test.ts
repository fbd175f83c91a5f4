/**
 * From order to certificate: DV over http-01 and dns-01 against the loopback responder and DNS server,
 * OV/EV through an operator's approval; openssl verifies every chain against the embedded root.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { customer } from '../support/harness.js';
import { placeAutoCsr, ORG, EV_ORG } from '../support/order.js';
import { openssl } from '../support/tools.js';
import { trackingWorld, hostAt127, track, satisfy, download, writeTemp, ADMIN_TOKEN, type TrackingWorld } from '../support/tracking.js';

let w: TrackingWorld;
let token: string;
let rootFile: string;

beforeAll(async () => {
  w = await trackingWorld();
  token = await customer(w.h, 'track@example.com');
  rootFile = join(w.h.dataDir, 'ca', 'root.pem');
});
afterAll(() => w.close());

async function validate(caReference: string) {
  const res = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference } });
  expect(res.status).toBe(200);
  return (await res.json()) as { domains: { domain: string; status: string; method?: string; found: Record<string, string> }[]; caa: unknown[]; order: { status: string; statusReason: string | null } };
}

async function verifyChain(caReference: string, hostname: string) {
  const full = await download(w.h, caReference, 'fullchain');
  expect(full.status).toBe(200);
  expect(full.headers.get('content-type')).toBe('application/pem-certificate-chain');
  expect(full.headers.get('content-disposition')).toMatch(/attachment; filename=".+"/);
  const pem = await full.text();
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  expect(blocks.length).toBe(2);
  const leaf = writeTemp('leaf.pem', blocks[0]! + '\n');
  const chain = writeTemp('chain.pem', blocks[1]! + '\n');
  const v = openssl(['verify', '-CAfile', rootFile, '-untrusted', chain, '-purpose', 'sslserver', '-verify_hostname', hostname, leaf]);
  expect(v.stdout + v.stderr).toMatch(/: OK/);
  expect(v.status).toBe(0);
  return openssl(['x509', '-noout', '-text', '-in', leaf]).stdout;
}

describe('DV issuance', () => {
  it('shows both instructions per domain, validates http-01 and dns-01, issues, and openssl verifies the chain', async () => {
    hostAt127(w.dns, 'example.com', 'www.example.com');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['example.com'], organization: ORG });
    const view = await track(w.h, order.caReference);
    expect(view.status).toBe('pending_validation');
    expect(view.validation.map((v) => v.domain)).toEqual(['example.com', 'www.example.com']);
    for (const v of view.validation) {
      expect(v.instructions.http01!.url).toMatch(new RegExp(`^http://${v.domain.replace(/\./g, '\\.')}/\\.well-known/acme-challenge/[A-Za-z0-9_-]{43}$`));
      expect(v.instructions.http01!.body).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(v.instructions.dns01).toEqual({ name: `_acme-challenge.${v.domain}`, type: 'TXT', value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    }
    // Nothing published yet: both methods report what they found.
    const first = await validate(order.caReference);
    expect(first.order.status).toBe('pending_validation');
    expect(first.domains[0]!.found['http-01']).toMatch(/404/);
    expect(first.domains[0]!.found['dns-01']).toMatch(/no TXT record|_acme-challenge\.example\.com/);

    satisfy(w, view, ['example.com']);
    const second = await validate(order.caReference);
    expect(second.domains.map((d) => [d.domain, d.status, d.method])).toEqual([
      ['example.com', 'valid', 'http-01'],
      ['www.example.com', 'valid', 'dns-01'],
    ]);
    expect(second.order.status).toBe('issued');

    const text = await verifyChain(order.caReference, 'www.example.com');
    expect(text).toMatch(/DNS:example\.com, DNS:www\.example\.com/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(/2\.23\.140\.1\.2\.1/);
    expect(text).toMatch(/CA Issuers - URI:http:\/\/127\.0\.0\.1:8080\/ca\/intermediate\.crt/);
    expect(text).toMatch(/URI:http:\/\/127\.0\.0\.1:8080\/ca\/crl/);
    const subject = /Subject: (.*)/.exec(text)![1]!;
    expect(subject).toBe('CN = example.com');
    expect(subject).not.toMatch(/O =/);

    const after = await track(w.h, order.caReference);
    expect(after.certificate!.serial).toMatch(/^[0-9a-f]{16,}$/);
    // 200 days from 2026-03-15: the test clock stands in November 2026
    const days = (Date.parse(after.certificate!.notAfter) - Date.parse(after.certificate!.notBefore)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(200);
    expect(days).toBeGreaterThan(199);

    // every download format
    const der = await download(w.h, order.caReference, 'der');
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    const derFile = writeTemp('c.der', new Uint8Array(await der.arrayBuffer()));
    expect(openssl(['x509', '-inform', 'DER', '-noout', '-subject', '-in', derFile]).stdout).toMatch(/CN ?= ?example\.com/);
    const p7b = await download(w.h, order.caReference, 'p7b');
    const p7File = writeTemp('c.p7b', new Uint8Array(await p7b.arrayBuffer()));
    expect(openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout', '-in', p7File]).stdout.match(/subject=/g)!.length).toBe(2);
    const inter = await download(w.h, order.caReference, 'intermediates');
    expect(await inter.text()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const pem = await download(w.h, order.caReference, 'pem');
    expect((await pem.text()).match(/BEGIN CERTIFICATE/g)!.length).toBe(1);
  });

  it('never bundles a private key with the certificate', async () => {
    const orders = (await (await w.h.request('GET', '/api/v1/orders', { token })).json()) as { orders: unknown[] };
    expect(JSON.stringify(orders)).not.toMatch(/PRIVATE KEY/);
  });
});

describe('OV and EV', () => {
  for (const product of ['ov', 'ev'] as const) {
    it(`${product.toUpperCase()}: validated, waits for approval, then carries the organization`, async () => {
      const name = `${product}.example.net`;
      hostAt127(w.dns, name);
      const order = await placeAutoCsr(w.h, token, { product, domains: [name], organization: product === 'ev' ? EV_ORG : ORG });
      satisfy(w, await track(w.h, order.caReference));
      const v = await validate(order.caReference);
      expect(v.order.status).toBe('pending_approval');
      expect(await (await download(w.h, order.caReference, 'pem')).json()).toMatchObject({ status: 409 });

      const noAuth = await w.h.request('POST', `/api/v1/admin/orders/${order.orderNumber}/approve`, { token: 'wrong-token-000000000' });
      expect(noAuth.status).toBe(401);
      const ok = await w.h.request('POST', `/api/v1/admin/orders/${order.orderNumber}/approve`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { status: string }).status).toBe('issued');
      const text = await verifyChain(order.caReference, name);
      expect(text).toContain(`O = ${ORG.name}`);
      expect(text).toMatch(/C = GB/);
      expect(text).toContain(product === 'ov' ? '2.23.140.1.2.2' : '2.23.140.1.1');
      if (product === 'ev') {
        expect(text).toMatch(/businessCategory = Private Organization/);
        expect(text).toMatch(/jurisdictionC = GB/);
        expect(text).toMatch(/serialNumber = 01234567/);
      }
    });
  }

  it('a rejection records a reason the customer sees', async () => {
    hostAt127(w.dns, 'rejected.example.net');
    const order = await placeAutoCsr(w.h, token, { product: 'ov', domains: ['rejected.example.net'], organization: ORG });
    satisfy(w, await track(w.h, order.caReference));
    await validate(order.caReference);
    const res = await w.h.request('POST', `/api/v1/admin/orders/${order.orderNumber}/reject`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      json: { reason: 'The organization could not be found in the company register.' },
    });
    expect(res.status).toBe(200);
    const view = await track(w.h, order.caReference);
    expect(view.status).toBe('rejected');
    expect(view.statusReason).toBe('The organization could not be found in the company register.');
    const mine = (await (await w.h.request('GET', `/api/v1/orders/${order.orderNumber}`, { token })).json()) as { statusReason: string };
    expect(mine.statusReason).toMatch(/company register/);
  });
});

describe('operator CLI', () => {
  it('lists, approves and rejects OV orders', async () => {
    const { execFileSync } = await import('node:child_process');
    hostAt127(w.dns, 'cli1.example.net', 'cli2.example.net');
    const a = await placeAutoCsr(w.h, token, { product: 'ov', domains: ['cli1.example.net'], organization: ORG, addWwwVariant: false });
    const b = await placeAutoCsr(w.h, token, { product: 'ov', domains: ['cli2.example.net'], organization: ORG, addWwwVariant: false });
    for (const o of [a, b]) {
      satisfy(w, await track(w.h, o.caReference));
      await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: o.caReference } });
    }
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, ['bin/eabgate.mjs', ...args], { env: { ...process.env, EABGATE_DATA_DIR: w.h.dataDir }, encoding: 'utf8' });
    const list = cli('orders', 'list');
    expect(list).toContain(a.orderNumber);
    expect(list).toContain(b.orderNumber);
    expect(cli('orders', 'approve', a.orderNumber)).toMatch(/issued/);
    expect(cli('orders', 'reject', b.orderNumber, '--reason', 'Not in the register')).toMatch(/rejected/);
    expect((await track(w.h, a.caReference)).status).toBe('issued');
    expect((await track(w.h, b.caReference)).statusReason).toBe('Not in the register');
  });
});
