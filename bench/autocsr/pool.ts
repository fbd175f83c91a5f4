/**
 * AutoCSR with a warm key pool (`npm run bench:autocsr:pool`): prints figures, asserts nothing.
 *
 * Starts the compiled server (as `npm start` does) with EABGATE_AUTOCSR_KEY_POOL=BENCH_POOL (default 8) on
 * loopback, then:
 *   1. warm: once the pool is full (the server has used no CPU for a second: its refills run on the
 *      server's crypto threads, which /proc/<pid>/stat counts), BENCH_POOL AutoCSR orders one after the
 *      other: each takes a key pair from the pool;
 *   2. dry: BENCH_DRY more orders straight after, while the pool is empty and refilling: each generates its
 *      key at order time (or takes one a refill has just made);
 *   3. the event loop during the refill: /healthz every 20 ms while the pool refills after step 2, its
 *      worst latency (RSA generation runs on WebCrypto's worker threads, not on the event loop);
 *   4. throughput, at concurrency 4: a burst of BENCH_POOL orders from a full pool, and BENCH_SUSTAINED
 *      orders (pool dry most of the time), each against the same count of the operator's pipeline
 *      (openssl req -newkey rsa:2048, then 7-Zip AES-256 ZIP), run right after.
 * Every order's answer is checked to carry its ZIP. Exits non-zero only on a setup error; ends by itself.
 * BENCH_PROFILE_DIR writes a V8 CPU profile of the server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { freePort } from '../../test/support/server.js';
import { newUnlockCode } from '../../src/core/secrets/tokens.js';
import { cpuMs as procCpuMs, envInt } from '../lib/proc.js';

// A CPU profile needs readable names: the build and the server's own freshness check then use the unminified build.
if (process.env.BENCH_PROFILE_DIR) process.env.EABGATE_BUILD = 'no-minify';
const POOL = envInt('BENCH_POOL', 8);
const DRY = envInt('BENCH_DRY', 8);
const SUSTAINED = envInt('BENCH_SUSTAINED', 24);
const MAX_SECONDS = envInt('BENCH_MAX_SECONDS', 300);
const ORG = { name: 'Bench Ltd', locality: 'London', country: 'GB' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time of the process (all threads), or of its main thread (the event loop) with `main`. */
const cpuMs = (pid: number, main = false): number => procCpuMs(pid, main ? pid : undefined);

const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
let baseUrl = '';
let token = '';

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(baseUrl + path, {
    method,
    dispatcher: agent,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

let seq = 0;
async function order(): Promise<number> {
  const t0 = performance.now();
  const res = await call('POST', '/api/v1/orders', { product: 'dv', domains: [`pool${++seq}.bench.example.com`], organization: ORG });
  const ms = performance.now() - t0;
  if (res.status !== 201 || typeof res.json?.keyArchive?.data !== 'string' || !res.json.keyArchive.data.startsWith('UEsDB')) {
    throw new Error(`AutoCSR order answered ${res.status}: ${JSON.stringify(res.json).slice(0, 300)}`);
  }
  return ms;
}

let pipeDir = '';
let pipeSeq = 0;
const sevenZip = ['7zz', '7z', '7za'].find((c) => spawnSync('which', [c]).status === 0);

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function pipelineOrder(): Promise<number> {
  const n = ++pipeSeq;
  const dir = join(pipeDir, `o${n}`);
  const t0 = performance.now();
  mkdirSync(dir);
  const domain = `pipe${n}.bench.example.com`;
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'csr.pem', '-subj', `/CN=${domain}/O=${ORG.name}/L=${ORG.locality}/C=${ORG.country}`, '-addext', `subjectAltName=DNS:${domain}`], dir);
  await run(sevenZip!, ['a', '-tzip', '-mem=AES256', `-p${newUnlockCode()}`, 'key.zip', 'key.pem'], dir);
  return performance.now() - t0;
}

async function burst(count: number, concurrency: number, job: () => Promise<number>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        latencies.push(await job());
      }
    }),
  );
  return { perSecond: count / ((performance.now() - t0) / 1000), latencies };
}

/** Waits until the server has used no CPU for a second (its pool is full and nothing else runs). */
async function untilQuiet(pid: number, limitMs = 60_000): Promise<void> {
  const t0 = performance.now();
  let last = cpuMs(pid);
  for (;;) {
    await sleep(1000);
    const now = cpuMs(pid);
    if (now - last <= 10 || performance.now() - t0 > limitMs) return;
    last = now;
  }
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

async function main(): Promise<void> {
  if (!sevenZip) throw new Error('7-Zip is not installed (7zz, 7z or 7za): `bash scripts/install-tools.sh`');
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build-server.mjs failed');
  const work = mkdtempSync(join(tmpdir(), 'eabgate-pool-'));
  pipeDir = join(work, 'pipeline');
  mkdirSync(pipeDir);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // BENCH_PROFILE_DIR: a V8 CPU profile of the server (read it with bench/profile/top.ts).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const server: ChildProcess = spawn(process.execPath, [...profile, 'dist/node/server.mjs'], {
    env: {
      ...process.env,
      EABGATE_HOST: '127.0.0.1',
      EABGATE_PORT: String(port),
      EABGATE_DATA_DIR: join(work, 'data'),
      EABGATE_AUTOCSR_KEY_POOL: String(POOL),
      EABGATE_LIMIT_ORDERS: 'account=100000/3600,address=100000/3600',
      EABGATE_LOG_REQUESTS: 'false',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  server.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const bound = setTimeout(() => {
    console.error(`bench: stopped after BENCH_MAX_SECONDS=${MAX_SECONDS} s`);
    server.kill('SIGKILL');
    process.exit(0);
  }, MAX_SECONDS * 1000);
  bound.unref();
  try {
    for (let i = 0; ; i++) {
      if (server.exitCode !== null) throw new Error(`server exited: ${err}`);
      if ((await call('GET', '/healthz').catch(() => ({ status: 0 }))).status === 200) break;
      if (i > 600) throw new Error(`server did not start: ${err}`);
      await sleep(50);
    }
    const email = `pool-${Date.now()}@example.com`;
    const password = `bench-${crypto.randomUUID()}`;
    if ((await call('POST', '/api/v1/accounts', { email, password })).status !== 201) throw new Error('sign-up failed');
    const sess = await call('POST', '/api/v1/sessions', { email, password });
    if (sess.status !== 201) throw new Error('log-in failed');
    token = sess.json.token as string;
    const pid = server.pid!;

    // Warm-up (JIT, first requests), then a full pool.
    for (let i = 0; i < 2; i++) await order();
    await untilQuiet(pid);

    // 1 + 2: the pool's keys, then dry.
    const seqLatencies: number[] = [];
    const main0 = cpuMs(pid, true);
    for (let i = 0; i < POOL; i++) seqLatencies.push(await order());
    const warmMainCpu = (cpuMs(pid, true) - main0) / POOL;
    for (let i = 0; i < DRY; i++) seqLatencies.push(await order());
    const warm = seqLatencies.slice(0, POOL);
    const dry = seqLatencies.slice(POOL);

    // 3: the event loop while the pool refills.
    const health: number[] = [];
    const refillT0 = performance.now();
    const cpu0 = cpuMs(pid);
    while (performance.now() - refillT0 < 3000) {
      const t0 = performance.now();
      await call('GET', '/healthz');
      health.push(performance.now() - t0);
      await sleep(20);
    }
    const refillCpu = cpuMs(pid) - cpu0;
    await untilQuiet(pid);

    // 4: throughput at concurrency 4.
    const burstService = await burst(POOL, 4, order);
    const burstPipe = await burst(POOL, 4, pipelineOrder);
    await untilQuiet(pid);
    const sustainedService = await burst(SUSTAINED, 4, order);
    const sustainedPipe = await burst(SUSTAINED, 4, pipelineOrder);

    console.log(`\nAutoCSR orders with a warm key pool of ${POOL} (RSA-2048) — ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
    console.log(`order latencies one after the other (ms): ${seqLatencies.map(f0).join(' ')}`);
    console.log('| phase | orders | p50 ms | max ms |');
    console.log('|---|---|---|---|');
    console.log(`| warm (key from the pool) | ${warm.length} | ${f1(p50(warm))} | ${f1(max(warm))} |`);
    console.log(`| dry (pool empty, refilling) | ${dry.length} | ${f1(p50(dry))} | ${f1(max(dry))} |`);
    console.log(`\nevent-loop (main thread) CPU per warm order: ${f1(warmMainCpu)} ms`);
    console.log(`\n/healthz while the pool refills (3 s, ${health.length} requests): p50 ${f1(p50(health))} ms, max ${f1(max(health))} ms; server CPU meanwhile ${f0(refillCpu)} ms (key generation on the crypto threads)`);
    console.log('\n| throughput, concurrency 4 | orders | service orders/s | openssl+7z orders/s | ratio |');
    console.log('|---|---|---|---|---|');
    console.log(`| burst from a full pool | ${POOL} | ${f1(burstService.perSecond)} | ${f1(burstPipe.perSecond)} | ${f2(burstService.perSecond / burstPipe.perSecond)} |`);
    console.log(`| sustained (pool dry most of the time) | ${SUSTAINED} | ${f1(sustainedService.perSecond)} | ${f1(sustainedPipe.perSecond)} | ${f2(sustainedService.perSecond / sustainedPipe.perSecond)} |`);
  } finally {
    await new Promise<void>((resolve) => {
      if (server.exitCode !== null) return resolve();
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
      setTimeout(() => server.kill('SIGKILL'), 5000).unref();
    });
    await agent.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
