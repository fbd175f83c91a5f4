/**
 * Sign-up benchmark (`node --import tsx bench/signup/run.ts`): how much password hashing slows everything else down.
 * Prints figures, asserts nothing about time; loopback only; ends by itself (BENCH_TIMEOUT_S, default 180).
 *
 * In one run it starts the service twice as a child process on 127.0.0.1: first with argon2id on the event
 * loop (EABGATE_PASSWORD_HASH_THREADS=0, as before), then on the worker-thread pool (the default). For each
 * it measures GET /healthz one request after another, idle and while BENCH_SIGNUPS (default 20) sign-ups
 * (POST /api/v1/accounts, argon2id m=19 MiB t=2 p=1) run at concurrency BENCH_CONCURRENCY (default 4), and
 * prints p50/p99 of /healthz plus the ratio inline / pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { envInt } from '../lib/proc.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SIGNUPS = envInt('BENCH_SIGNUPS', 20, 1);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1);
const TIMEOUT_S = envInt('BENCH_TIMEOUT_S', 180, 10);
const IDLE_PROBES = 40;

const children = new Set<ChildProcess>();
const deadline = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${TIMEOUT_S} s\n`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}, TIMEOUT_S * 1000);

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function start(threads: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-signup-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      EABGATE_HOST: '127.0.0.1',
      EABGATE_PORT: String(port),
      EABGATE_DATA_DIR: dataDir,
      EABGATE_LOG_REQUESTS: 'false',
      EABGATE_LIMIT_SIGNUPS: 'off',
      EABGATE_PASSWORD_HASH_THREADS: threads,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(proc);
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${err}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop: () =>
      new Promise<void>((ok) => {
        proc.once('exit', () => {
          children.delete(proc);
          rmSync(dataDir, { recursive: true, force: true });
          ok();
        });
        proc.kill('SIGTERM');
      }),
  };
}

async function probe(base: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${base}/healthz`);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`/healthz: ${r.status}`);
  return performance.now() - t0;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

let emails = 0;
async function signup(base: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench${++emails}@example.com`, password: 'correct horse battery staple' }),
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(`sign-up: ${r.status}`);
  return performance.now() - t0;
}

interface Figures {
  idleP50: number;
  p50: number;
  p99: number;
  probes: number;
  signupP50: number;
  wallMs: number;
}

async function measure(threads: string): Promise<Figures> {
  const server = await start(threads);
  try {
    await signup(server.base); // warm-up: WebAssembly compiled, worker threads started
    const idle: number[] = [];
    for (let i = 0; i < IDLE_PROBES; i++) idle.push(await probe(server.base));
    const during: number[] = [];
    const signupTimes: number[] = [];
    let left = SIGNUPS;
    let done = false;
    const t0 = performance.now();
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (left > 0) {
        left--;
        signupTimes.push(await signup(server.base));
      }
    });
    const load = Promise.all(workers).then(() => (done = true));
    while (!done) during.push(await probe(server.base));
    await load;
    const wallMs = performance.now() - t0;
    return { idleP50: pct(idle, 50), p50: pct(during, 50), p99: pct(during, 99), probes: during.length, signupP50: pct(signupTimes, 50), wallMs };
  } finally {
    await server.stop();
  }
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`.padStart(10);

async function main(): Promise<void> {
  process.stdout.write(
    `sign-up bench: ${SIGNUPS} sign-ups at concurrency ${CONCURRENCY}, /healthz probed back to back; ${availableParallelism()} cores\n`,
  );
  const inline = await measure('0');
  const pool = await measure('');
  const row = (name: string, f: Figures) =>
    `${name.padEnd(22)}${fmt(f.idleP50)}${fmt(f.p50)}${fmt(f.p99)}${String(f.probes).padStart(8)}${fmt(f.signupP50)}${fmt(f.wallMs)}\n`;
  process.stdout.write(`${''.padEnd(22)}${'idle p50'.padStart(10)}${'load p50'.padStart(10)}${'load p99'.padStart(10)}${'probes'.padStart(8)}${'sign-up'.padStart(10)}${'all'.padStart(10)}\n`);
  process.stdout.write(row('inline (threads=0)', inline));
  process.stdout.write(row('pool (default)', pool));
  process.stdout.write(
    `/healthz under sign-up load, inline / pool: p50 ${(inline.p50 / pool.p50).toFixed(1)}x, p99 ${(inline.p99 / pool.p99).toFixed(1)}x\n`,
  );
}

main()
  .then(() => {
    clearTimeout(deadline);
  })
  .catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).message}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  });
