/**
 * The Workers build end to end: migrations applied to a local D1 by wrangler, the Worker served by
 * `wrangler dev --local` (workerd), and a customer's journey over real HTTP. The key archive is opened
 * with the real 7-Zip and the key checked against the CSR with the real openssl.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, run, sevenZip } from '../support/tools.js';
import { startWrangler, type RunningWorker } from '../support/wrangler.js';

const PASSWORD = 'correct horse battery staple';

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
  worker = await startWrangler({ timeoutMs: 40_000 });
  base = worker.base;
  secretKey = worker.secretKey;
}, 90_000);

afterAll(async () => worker?.stop());

describe('eabgate on workerd with D1 (wrangler dev --local)', () => {
  let token: string;
  let orderNumber: string;
  let csrPem: string;
  let archive: Uint8Array;
  let unlockCode: string;

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
    for (const secret of [PASSWORD, token, unlockCode, secretKey]) expect(worker.output()).not.toContain(secret);
  });
});
