/**
 * The ACME server on the Workers build: `wrangler dev --local` (workerd) over a local D1 migrated by
 * wrangler. Same code path as Node (Drizzle over D1, prepared statements, nonces in D1): directory without
 * tls-alpn-01, nonces single use, newAccount with EAB, newOrder with authorizations, the orders list,
 * deactivation. Validation needs DNS over HTTPS to the Internet on Workers, so no certificate here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server.js';
import { AcmeTestClient, provision, type Fetcher, type Provisioned } from '../../support/acme.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const ADMIN_TOKEN = 'workers-admin-token-0123456789';

let dir: string;
let base: string;
let wrangler: ChildProcess | undefined;
let output = '';
const fetcher: Fetcher = (u, i) => fetch(u, i);

function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_LOG_PATH: join(dir, 'logs') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eabgate-acme-workers-'));
  const state = join(dir, 'state');
  const migrate = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply: ${migrate.status}\n${migrate.stdout}\n${migrate.stderr}`);
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, `EABGATE_SECRET_KEY=${randomBytes(32).toString('hex')}\nEABGATE_ADMIN_TOKEN=${ADMIN_TOKEN}\n`, { mode: 0o600 });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  wrangler = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--env-file', envFile, '--var', `EABGATE_BASE_URL:${base}`],
    { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  wrangler.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  wrangler.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode}):\n${output}`);
    const up = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

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

describe('the ACME server on workerd with D1', () => {
  let eab: Provisioned;
  let c: AcmeTestClient;

  it('serves the directory; tls-alpn-01 is not offered on Workers', async () => {
    c = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    expect(c.dir.newAccount).toBe(`${base}/acme/new-account`);
    expect(c.dir.meta).toMatchObject({ externalAccountRequired: true, challengeTypes: ['http-01', 'dns-01'] });
  });

  it('registers with EAB, refuses a replayed nonce, orders with http-01 and dns-01 authorizations', async () => {
    eab = await provision(fetcher, base, ADMIN_TOKEN, 'workers@example.com', 'business');
    expect((await c.register(undefined)).body.type).toBe('urn:ietf:params:acme:error:externalAccountRequired');
    const created = await c.register(eab);
    expect(created.status, created.text).toBe(201);
    expect((await c.register(undefined)).status).toBe(200);

    const nonce = await c.freshNonce();
    expect((await c.get(c.kid!, { nonce })).status).toBe(200);
    const replay = await c.get(c.kid!, { nonce });
    expect(replay.body.type).toBe('urn:ietf:params:acme:error:badNonce');
    expect(replay.headers.get('replay-nonce')).toBeTruthy();

    const o = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'workers.example.com' }, { type: 'dns', value: '*.workers.example.com' }] });
    expect(o.status, o.text).toBe(201);
    const [plain, wild] = await Promise.all((o.body.authorizations as string[]).map((u) => c.get(u)));
    expect((plain!.body.challenges as { type: string }[]).map((x) => x.type)).toEqual(['http-01', 'dns-01']);
    expect((wild!.body.challenges as { type: string }[]).map((x) => x.type)).toEqual(['dns-01']);
    const list = await c.get((await c.get(c.kid!)).body.orders as string);
    expect(list.body.orders).toEqual([o.headers.get('location')]);
  });

  it('binds no more accounts than the plan allows (the conditional insert on D1)', async () => {
    const one = await provision(fetcher, base, ADMIN_TOKEN, 'workers-one@example.com', { preset: 'starter', maxAccountsPerCredential: 1 });
    const first = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    expect((await first.register(one)).status).toBe(201);
    const second = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    const refused = await second.register(one);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/maximum of 1 ACME account/);
  });

  it('deactivates the account', async () => {
    expect((await c.post(c.kid!, { status: 'deactivated' })).body.status).toBe('deactivated');
    expect((await c.get(c.kid!)).body.type).toBe('urn:ietf:params:acme:error:unauthorized');
  });
});
