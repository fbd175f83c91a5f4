/**
 * The Workers build end to end: migrations applied to a local D1 by wrangler, the Worker served by
 * `wrangler dev --local` (workerd), and a customer's journey over real HTTP. The key archive is opened
 * with the real 7-Zip and the key checked against the CSR with the real openssl.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, run, sevenZip } from '../support/tools.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const PASSWORD = 'correct horse battery staple';

let dir: string;
let base: string;
let wrangler: ChildProcess | undefined;
let output = '';
const secretKey = randomBytes(32).toString('hex');

function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_LOG_PATH: join(dir, 'logs') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (wrangler?.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler?.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer /healthz in time:\n${output}`);
}

async function call(method: string, path: string, opts: { token?: string; json?: unknown; body?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${base}${path}`, { method, headers, body });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eabgate-workers-'));
  const state = join(dir, 'state');

  const migrate = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply: ${migrate.status}\n${migrate.stdout}\n${migrate.stderr}`);

  // The secret goes in an env file rather than --var, so that it is not on the command line.
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, `EABGATE_SECRET_KEY=${secretKey}\n`, { mode: 0o600 });

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  wrangler = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--env-file', envFile, '--var', `EABGATE_BASE_URL:${base}`],
    { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  wrangler.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  wrangler.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitForHealth(Date.now() + 40_000);
}, 90_000);

afterAll(async () => {
  const child = wrangler;
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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
    const zip = join(dir, 'key.zip');
    writeFileSync(zip, archive);

    const wrong = join(dir, 'wrong');
    mkdirSync(wrong);
    expect(run(sevenZip(), ['x', '-y', '-pNOT-THE-CODE', `-o${wrong}`, zip]).status).not.toBe(0);

    const out = join(dir, 'out');
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
    while (!output.includes('"msg":"purge"') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const purgeLine = output.split('\n').find((l) => l.includes('"msg":"purge"') || l.includes('"cron":"17 * * * *"'));
    expect(purgeLine).toMatch(/"unlockCodes":0,"sessions":0,"throttles":0/);
    expect(purgeLine).toMatch(/"cron":"17 \* \* \* \*"/);
  });

  it('keeps secrets out of the logs', () => {
    expect(output).toContain('"msg":"request"');
    for (const secret of [PASSWORD, token, unlockCode, secretKey]) expect(output).not.toContain(secret);
  });
});
