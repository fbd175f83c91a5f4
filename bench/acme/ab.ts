/**
 * A/B benchmark of two eabgate servers in one run (`npm run bench:acme:ab`): the same ACME flows as
 * `npm run bench:acme` (client.ts), against two servers that differ only in what the environment says, so
 * that a change of a few percent can be told from this machine's drift. bench:acme compares eabgate with
 * Pebble; this compares eabgate with itself.
 *
 * - BENCH_AB_A_DIST / BENCH_AB_B_DIST: each server's compiled entry (default: dist/node/server.mjs of this
 *   checkout; build the other one in a `git worktree` with `node scripts/build-server.mjs`).
 * - BENCH_AB_A_ARGS / BENCH_AB_B_ARGS: node flags after those of package.json's "start" (V8 takes the last
 *   value of a flag). BENCH_AB_A_ENV / BENCH_AB_B_ENV: "NAME=value NAME=value" for the server's environment,
 *   over that of package.json's "start" (e.g. EABGATE_DATA_DIR=<a prepared data dir>, MALLOC_ARENA_MAX=2).
 * - BENCH_AB_SERVER_LOG=<dir>: each server's stdout and stderr go to <dir>/A.log and <dir>/B.log (for node
 *   flags that print, such as --trace-gc); otherwise they are dropped.
 * - Both start on fresh data dirs (unless the environment names one), take BENCH_WARMUP flows (1500 by
 *   default, new account per flow, concurrency 4), then BENCH_ROUNDS rounds (6 by default) of four short
 *   cells: new account per flow and account reused, at concurrency 16 (240 flows × BENCH_AB_SCALE) and 1
 *   (80 × BENCH_AB_SCALE). Within a round each cell runs on A and B back to back, A first in odd rounds and B
 *   first in even ones, so that a drift of the machine's speed falls on both. The warm-up alternates between
 *   the two in slices of 250 flows, and one settling round runs before the counted ones and is left out.
 * - Per cell: CPU ms per flow of each (utime+stime of the server process, all its threads), B/A as the ratio
 *   of the sums over the rounds and as the median of the rounds' ratios with each round's ratio, the
 *   peak RSS of each (VmHWM reset before each cell), and the medians of each one's flows/s and p99 latency
 *   (this machine runs the client too, so these two move with its load more than CPU per flow does).
 *
 * How exact: an A/A run (the same build on both sides, 6 rounds) gave B/A of 0.95–1.05 in the four cells on
 * this 2-core VM, single rounds 0.87–1.13. A difference under about 5% is noise here.
 * Asserts nothing; exits non-zero only on a setup error; ends by itself; loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Agent, fetch as undiciFetch } from 'undici';
import { freePort } from '../../test/support/server.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { provision } from '../../test/support/acme.js';
import { startCommand } from '../../test/support/start-command.js';
import { BENCH_PLAN, openTarget, prepare, quantile, runFlows, Session, type Prepared, type Target } from './client.js';
import { cpuMs, envInt, resetPeak, statusMb } from '../lib/proc.js';
import { runBench, SetupError } from '../lib/main.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const ROUNDS = envInt('BENCH_ROUNDS', 6);
const WARMUP = envInt('BENCH_WARMUP', 1500);
const SCALE = envInt('BENCH_AB_SCALE', 1);
const CELLS = [
  { label: 'new account per flow, C=16', flows: 240 * SCALE, c: 16, reused: false },
  { label: 'account reused, C=16', flows: 240 * SCALE, c: 16, reused: true },
  { label: 'new account per flow, C=1', flows: 80 * SCALE, c: 1, reused: false },
  { label: 'account reused, C=1', flows: 80 * SCALE, c: 1, reused: true },
] as const;
/** Rounds run before the counted ones and left out of the figures: see main(). */
const SETTLE_ROUNDS = 1;
const PER_SERVER = WARMUP + (SETTLE_ROUNDS + ROUNDS) * CELLS.reduce((n, cell) => n + cell.flows + cell.c, 0);

/** The environment and node flags of package.json's "start" (without its script). */
function startSettings(): { env: Record<string, string>; flags: string[] } {
  const start = startCommand();
  if (!start) throw new SetupError('package.json "start" is not a node command');
  return start;
}

const pairs = (text: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (text ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => {
        const at = kv.indexOf('=');
        if (at < 1) throw new SetupError(`expected NAME=value, got ${JSON.stringify(kv)}`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );

interface Side {
  tag: 'A' | 'B';
  proc: ChildProcess;
  pid: number;
  target: Target;
  take(n: number): Prepared[];
}

async function startSide(tag: 'A' | 'B', dir: string, dns: TestDnsServer, http: Http01Responder, ca: string, agents: Agent[]): Promise<Side> {
  const port = await freePort();
  const start = startSettings();
  const env = {
    ...start.env,
    EABGATE_HOST: '127.0.0.1',
    EABGATE_PORT: String(port),
    EABGATE_DATA_DIR: join(dir, `data-${tag}`),
    EABGATE_TLS_CERT: join(dir, 'cert.pem'),
    EABGATE_TLS_KEY: join(dir, 'key.pem'),
    EABGATE_BASE_URL: `https://127.0.0.1:${port}`,
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(http.port),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
    EABGATE_LIMIT_ORDERS: 'account=1000000/3600,address=1000000/3600',
    EABGATE_LIMIT_ACME_ACCOUNTS: 'account=1000000/3600,address=1000000/3600',
    ...pairs(process.env[`BENCH_AB_${tag}_ENV`]),
  };
  const dist = process.env[`BENCH_AB_${tag}_DIST`] ?? 'dist/node/server.mjs';
  const args = [...start.flags, ...(process.env[`BENCH_AB_${tag}_ARGS`] ?? '').split(/\s+/).filter(Boolean), dist];
  const logDir = process.env.BENCH_AB_SERVER_LOG;
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', logDir ? 'pipe' : 'ignore', 'pipe'] });
  if (logDir) {
    const log = createWriteStream(join(logDir, `${tag}.log`));
    proc.stdout!.pipe(log);
    proc.stderr!.pipe(log);
  }
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  proc.on('error', (e) => (err += `\n${e.message}`));
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32, connect: { ca } });
  agents.push(agent);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new SetupError(`server ${tag} (node ${args.join(' ')}) did not become healthy:\n${err}`);
    const ok = await undiciFetch(`https://127.0.0.1:${port}/healthz`, { dispatcher: agent }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const eab = await provision((u, i) => undiciFetch(u, { ...(i as object), dispatcher: agent }) as unknown as Promise<Response>, env.EABGATE_BASE_URL, ADMIN_TOKEN, 'bench@example.com', BENCH_PLAN);
  const target = await openTarget(`eabgate ${tag}`, `${env.EABGATE_BASE_URL}/acme/directory`, agent, eab, (t, k) => http.setToken(t, k));
  const names = Array.from({ length: PER_SERVER }, (_, i) => `${tag.toLowerCase()}${i}.eabgate.bench.example`);
  for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
  const prepared = await prepare(names);
  let at = 0;
  return { tag, proc, pid: proc.pid!, target, take: (n) => prepared.slice(at, (at += n)) };
}

async function cell(side: Side, flows: number, c: number, reused: boolean) {
  let accounts;
  if (reused) {
    const signal = new AbortController().signal;
    setMaxListeners(64, signal);
    const session = new Session(side.target, signal);
    accounts = await Promise.all(side.take(c).map((k) => session.account(k)));
  }
  // Where the kernel refuses the reset, peak RSS covers the process's life so far.
  resetPeak(side.pid);
  const cpu0 = cpuMs(side.pid);
  const run = await runFlows(side.target, side.take(flows), c, { budgetS: 120, stallS: 15, accounts });
  const done = run.latencies.length;
  if (done === 0) throw new SetupError(`server ${side.tag} completed no flow (${run.failed} failed; first: ${run.firstError ?? 'none'})`);
  return { cpu: (cpuMs(side.pid) - cpu0) / done, peak: statusMb(side.pid, 'VmHWM'), failed: run.failed, rate: done / run.wallS, p99: quantile(run.latencies, 0.99) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((p, q) => p + q, 0);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-bench-ab-'));
  const dns = (await TestDnsServer.start()).cacheFor(300);
  const http = await Http01Responder.start();
  const agents: Agent[] = [];
  const sides: Side[] = [];
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    for (const tag of ['A', 'B'] as const) sides.push(await startSide(tag, dir, dns, http, ca, agents));
    const [a, b] = sides as [Side, Side];
    // The warm-up alternates between the servers in slices, and one round runs uncounted after it. With A's
    // warm-up whole before B's, A sat idle through B's (V8's memory reducer shrank its heap meanwhile) and
    // paid for that in round 1: B/A of round 1 was 0.63–0.79 in every run, whatever B was.
    for (let done = 0; done < WARMUP; done += 250) for (const side of sides) await cell(side, Math.min(250, WARMUP - done), 4, false);
    console.log(`warm-up done (${WARMUP} flows each); idle RSS A ${statusMb(a.pid).toFixed(0)} MB, B ${statusMb(b.pid).toFixed(0)} MB`);
    const results = CELLS.map(() => ({ a: [] as number[], b: [] as number[], ratio: [] as number[], peakA: 0, peakB: 0, failed: 0, rateA: [] as number[], rateB: [] as number[], p99A: [] as number[], p99B: [] as number[] }));
    for (let round = -SETTLE_ROUNDS; round < ROUNDS; round++) {
      for (const [i, { label, flows, c, reused }] of CELLS.entries()) {
        const order = round % 2 === 0 ? [a, b] : [b, a];
        const got = new Map<Side, Awaited<ReturnType<typeof cell>>>();
        for (const side of order) got.set(side, await cell(side, flows, c, reused));
        const [ra, rb] = [got.get(a)!, got.get(b)!];
        if (round < 0) {
          console.log(`settling round ${label}: A ${ra.cpu.toFixed(2)}, B ${rb.cpu.toFixed(2)} ms/flow (not counted)`);
          continue;
        }
        const r = results[i]!;
        r.a.push(ra.cpu);
        r.b.push(rb.cpu);
        r.ratio.push(rb.cpu / ra.cpu);
        r.peakA = Math.max(r.peakA, ra.peak);
        r.peakB = Math.max(r.peakB, rb.peak);
        r.failed += ra.failed + rb.failed;
        r.rateA.push(ra.rate);
        r.rateB.push(rb.rate);
        r.p99A.push(ra.p99);
        r.p99B.push(rb.p99);
        console.log(`round ${round + 1} ${label}: A ${ra.cpu.toFixed(2)}, B ${rb.cpu.toFixed(2)} ms/flow (B/A ${(rb.cpu / ra.cpu).toFixed(3)})`);
      }
    }
    console.log(`\neabgate A/B — ${cpus().length} CPUs, ${ROUNDS} rounds after ${WARMUP} warm-up flows each`);
    for (const tag of ['A', 'B'] as const) {
      const what = [process.env[`BENCH_AB_${tag}_DIST`] ?? 'dist/node/server.mjs', process.env[`BENCH_AB_${tag}_ARGS`], process.env[`BENCH_AB_${tag}_ENV`]].filter(Boolean).join(' · ');
      console.log(`${tag}: ${what}`);
    }
    console.log('| cell | A CPU ms/flow (median) | B CPU ms/flow (median) | B/A of the sums | B/A median (each round) | A peak RSS MB | B peak RSS MB | flows/s A / B (median) | p99 ms A / B (median) | failed flows |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const [i, { label }] of CELLS.entries()) {
      const r = results[i]!;
      console.log(
        `| ${label} | ${median(r.a).toFixed(2)} | ${median(r.b).toFixed(2)} | ${(sum(r.b) / sum(r.a)).toFixed(3)} | ${median(r.ratio).toFixed(3)} (${r.ratio.map((x) => x.toFixed(2)).join(', ')}) | ${r.peakA.toFixed(0)} | ${r.peakB.toFixed(0)} | ${median(r.rateA).toFixed(0)} / ${median(r.rateB).toFixed(0)} | ${median(r.p99A).toFixed(0)} / ${median(r.p99B).toFixed(0)} | ${r.failed} |`,
      );
    }
  } finally {
    for (const side of sides) side.proc.kill('SIGTERM');
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all([dns.stop(), http.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('bench:acme:ab', main);
