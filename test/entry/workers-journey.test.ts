/**
 * The Workers build end to end: migrations applied to a local D1 by wrangler, the Worker served by
 * `wrangler dev --local` (workerd), and a customer's journey over real HTTP. The key archive is opened
 * with the real 7-Zip and the key checked against the CSR with the real openssl. Then the tracking
 * validation journey: the order's CA Reference shows the instructions, the Worker's VA checks http-01
 * (a loopback responder) and dns-01 (the test DNS server behind a loopback DNS-over-HTTPS responder), the
 * embedded CA issues, and the certificate with its intermediates verifies with openssl against the root.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, run, sevenZip } from '../support/tools.js';
import type { RunningWorker } from '../support/wrangler.js';
import { Http01Responder } from '../support/http01-responder.js';
import { workersWorld, type WorkersWorld } from '../support/workers-world.js';
import { verifyChain, pemBlocks } from '../support/acme-server.js';
import type { TrackingJson } from '../support/tracking.js';

const PASSWORD = 'correct horse battery staple';

let world: WorkersWorld;
let http: Http01Responder;
let worker: RunningWorker;
let base: string;
let secretKey: string;

async function call(method: string, path: string, opts: { token?: string; json?: unknown; body?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${base}${path}`, { method, headers, body });
}

beforeAll(async () => {
  http = await Http01Responder.start();
  world = await workersWorld({ httpPort: http.port });
  worker = world.worker;
  base = worker.base;
  secretKey = worker.secretKey;
}, 180_000);

afterAll(async () => {
  await world?.close();
  await http?.stop();
});

describe('eabgate on workerd with D1 (wrangler dev --local)', () => {
  let token: string;
  let orderNumber: string;
  let csrPem: string;
  let archive: Uint8Array;
  let unlockCode: string;
  let caReference: string;

  it('creates an account and logs in', async () => {
    const created = await call('POST', '/api/v1/accounts', { json: { email: 'ops@example.com', password: PASSWORD } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { email: string }).email).toBe('ops@example.com');

    const login = await call('POST', '/api/v1/sessions', { json: { email: 'ops@example.com', password: PASSWORD } });
    expect(login.status).toBe(201);
    token = ((await login.json()) as { token: string }).token;
    expect(token).toMatch(/^egs_/);
  });

  it('places an AutoCSR order and returns the key archive once', async () => {
    const r = await call('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['example.com'] } });
    expect(r.status).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as {
      orderNumber: string;
      autoCsr: boolean;
      csr: string;
      domains: string[];
      keyArchive: { filename: string; contentType: string; data: string };
    };
    expect(body.autoCsr).toBe(true);
    expect(body.domains).toContain('example.com');
    expect(body.keyArchive.contentType).toBe('application/zip');
    orderNumber = body.orderNumber;
    caReference = (body as unknown as { caReference: string }).caReference;
    expect(caReference).toBeTruthy();
    csrPem = body.csr;
    archive = new Uint8Array(Buffer.from(body.keyArchive.data, 'base64'));
    expect(openssl(['req', '-noout', '-verify'], csrPem).status).toBe(0);
  });

  it('reveals the unlock code', async () => {
    const r = await call('POST', `/api/v1/orders/${orderNumber}/unlock-code`, { token });
    expect(r.status).toBe(200);
    unlockCode = ((await r.json()) as { unlockCode: string }).unlockCode;
    expect(unlockCode.length).toBeGreaterThan(10);
  });

  it('opens the archive with 7-Zip; the key in it belongs to the CSR', () => {
    const zip = join(worker.dir, 'key.zip');
    writeFileSync(zip, archive);

    const wrong = join(worker.dir, 'wrong');
    mkdirSync(wrong);
    expect(run(sevenZip(), ['x', '-y', '-pNOT-THE-CODE', `-o${wrong}`, zip]).status).not.toBe(0);

    const out = join(worker.dir, 'out');
    mkdirSync(out);
    const x = run(sevenZip(), ['x', '-y', `-p${unlockCode}`, `-o${out}`, zip]);
    expect(x.status, x.stdout + x.stderr).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const keyPem = readFileSync(join(out, files[0]!), 'utf8');
    expect(keyPem).toContain('-----BEGIN PRIVATE KEY-----');

    const fromKey = openssl(['pkey', '-pubout'], keyPem);
    const fromCsr = openssl(['req', '-pubkey', '-noout'], csrPem);
    expect(fromKey.status, fromKey.stderr).toBe(0);
    expect(fromCsr.status, fromCsr.stderr).toBe(0);
    expect(fromKey.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    expect(fromKey.stdout).toBe(fromCsr.stdout);
  });

  it('tracks the order by its CA Reference, validates over http-01 and dns-01, issues, and serves the chain', async () => {
    const tracking = async () => {
      const r = await call('POST', '/api/v1/tracking', { json: { caReference } });
      expect(r.status).toBe(200);
      return (await r.json()) as TrackingJson;
    };
    const view = await tracking();
    expect(view.status).toBe('pending_validation');
    const names = view.validation.map((v) => v.domain);
    expect(names).toContain('example.com');

    // Nothing published: the Worker's VA reports what it found, and the order still waits.
    // www.example.com points where nothing listens: the socket's refusal is reported as such.
    for (const n of names) world.dns.set(n, 'A', [n.startsWith('www.') ? '127.0.0.2' : '127.0.0.1']);
    const nothing = await call('POST', '/api/v1/tracking/validate', { json: { caReference } });
    expect(nothing.status).toBe(200);
    const first = (await nothing.json()) as { domains: { domain: string; found: Record<string, string> }[]; order: { status: string } };
    expect(first.order.status).toBe('pending_validation');
    expect(first.domains.find((d) => d.domain === 'example.com')!.found['http-01']).toMatch(/404/);
    expect(first.domains.find((d) => d.domain === 'www.example.com')!.found['http-01']).toMatch(/could not connect to 127\.0\.0\.2:/);

    // example.com over http-01 (the loopback responder), every other name over dns-01 (DoH).
    for (const v of view.validation) {
      if (v.domain === 'example.com') http.setToken(v.instructions.http01!.url.split('/').pop()!, v.instructions.http01!.body);
      else world.dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
    }
    const validated = await call('POST', '/api/v1/tracking/validate', { json: { caReference } });
    expect(validated.status).toBe(200);
    const second = (await validated.json()) as { domains: { domain: string; status: string; method: string }[]; order: { status: string } };
    expect(second.domains.find((d) => d.domain === 'example.com')).toMatchObject({ status: 'valid', method: 'http-01' });
    for (const d of second.domains.filter((x) => x.domain !== 'example.com')) expect(d).toMatchObject({ status: 'valid', method: 'dns-01' });
    expect(second.order.status).toBe('issued');
    expect(http.requests.some((r) => r.host === `example.com:${http.port}` && r.path.startsWith('/.well-known/acme-challenge/'))).toBe(true);
    expect(world.dns.queries.some((q) => q.type === 'TXT' && q.transport === 'doh')).toBe(true);

    const full = await call('POST', '/api/v1/tracking/certificate', { json: { caReference, format: 'fullchain' } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/pem-certificate-chain');
    const blocks = pemBlocks(await full.text());
    expect(blocks).toHaveLength(2);
    const inter = await call('POST', '/api/v1/tracking/intermediates', { json: { caReference } });
    expect(inter.status).toBe(200);
    const intermediates = await inter.text();
    expect(intermediates.trim()).toBe(blocks[1]!.trim());
    const verified = verifyChain(world.rootPem, blocks[0]!, intermediates);
    expect(verified.stdout + verified.stderr).toMatch(/: OK/);
    expect(verified.status).toBe(0);
    // The certificate carries the CSR's key: the one in the archive.
    const certKey = openssl(['x509', '-pubkey', '-noout'], blocks[0]!);
    expect(certKey.stdout).toBe(openssl(['req', '-pubkey', '-noout'], csrPem).stdout);
    const sans = openssl(['x509', '-noout', '-ext', 'subjectAltName'], blocks[0]!).stdout;
    for (const n of names) expect(sans).toContain(`DNS:${n}`);

    const after = await tracking();
    expect(after.status).toBe('issued');
    expect(after.certificate!.serial).toMatch(/^[0-9a-f]{16,}$/);
  });

  it('answers a malformed JSON body with a problem document', async () => {
    const r = await call('POST', '/api/v1/accounts', { body: '{"email": ' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const p = (await r.json()) as { type: string; status: number };
    expect(p.status).toBe(400);
    expect(p.type).toMatch(/malformed-json$/);
  });

  it('runs the purge from the cron trigger', async () => {
    const r = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('17 * * * *')}`);
    expect(r.status).toBe(200);
    await r.text();
    const deadline = Date.now() + 5000;
    while (!worker.output().includes('"msg":"purge"') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const purgeLine = worker.output().split('\n').find((l) => l.includes('"msg":"purge"') || l.includes('"cron":"17 * * * *"'));
    expect(purgeLine).toMatch(/"unlockCodes":0,"sessions":0,"throttles":0/);
    expect(purgeLine).toMatch(/"cron":"17 \* \* \* \*"/);
  });

  it('keeps secrets out of the logs', () => {
    expect(worker.output()).toContain('"msg":"request"');
    for (const secret of [PASSWORD, token, unlockCode, secretKey, caReference]) expect(worker.output()).not.toContain(secret);
  });
});
