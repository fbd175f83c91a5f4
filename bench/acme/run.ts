/**
 * ACME issuance benchmark (`npm run bench:acme`): complete flows against eabgate and, in the same run,
 * Debian's Pebble 2.4, both over HTTPS (one P-256 certificate made here with openssl serves both), with
 * the same lean client (client.ts: undici keep-alive, ES256 account keys, http-01, P-256 CSRs).
 *
 * - eabgate runs as `npm start` runs it: the compiled build (scripts/build-server.mjs first, then the
 *   node flags and file of package.json's "start" script, started with node directly so the PID measured
 *   is the server's), SQLite in a fresh data dir, EABGATE_TLS_CERT/KEY.
 * - Pebble requires EAB (externalAccountBindingRequired + externalAccountMACKeys), PEBBLE_VA_NOSLEEP=1
 *   (no random validation delay) and PEBBLE_WFE_NONCEREJECT=0 (no random badNonce).
 * - Fairness: both really validate http-01 against the same loopback responder in this process, through
 *   the same loopback DNS server (eabgate: EABGATE_VA_DNS_SERVER, EABGATE_VA_HTTP_PORT and
 *   EABGATE_VA_ALLOW_NETWORKS=127.0.0.0/8; Pebble: -dnsserver and its httpPort). Neither side is told to
 *   skip validation (no PEBBLE_VA_ALWAYS_VALID), neither waits on purpose. The DNS server answers as a real
 *   zone does, with TTL 300 and an SOA in negative answers (TestDnsServer.cacheFor): eabgate keeps CAA answers
 *   within their TTL (src/va/caa-cache.ts), so of the CAA climb of f<i>.<server>.bench.example only the first
 *   name is asked once the parents are known; Pebble checks no CAA at all.
 *
 * Four cells per server: a new account (with EAB) per flow, or one account per client worker reused by
 * all its flows (made before timing), each at concurrency 1 and 16. Per cell: flows/s, p50/p99 flow
 * latency, server CPU ms per flow (utime+stime from /proc/<pid>/stat before and after), peak RSS during
 * the cell (VmHWM, reset through /proc/<pid>/clear_refs before each cell where the kernel allows it).
 * Per server: start to healthy, idle RSS after start and after the load. For eabgate also the time from
 * `npm start` to a healthy /healthz on an existing data dir (npm's own overhead included).
 * Prints the table with the ratios eabgate / Pebble. BENCH_JSON=<file> also writes the figures as JSON.
 *
 * Warm-up: BENCH_WARMUP flows per server first (2000 by default, new account per flow, concurrency 4), run and
 * reported in chunks of BENCH_WARMUP_CHUNK (250) with each chunk's CPU per flow. The cells measure the
 * steady state of a server that has been up for a while: V8 optimizes a function only after it has run many
 * times, so the code run once per flow (finalize, newAccount, the CA) gets its TurboFan version only after
 * hundreds of flows. Measured at 05418f1 (eabgate alone, concurrency 16): 11.8 ms of CPU per flow in the 320
 * flows after a 200-flow warm-up, 8.1 after 840 flows, 7.2–7.7 from about 1,500 on, with about 3.5 s of
 * TurboFan compiling over the first 2,000 flows. The chunks' figures keep that cold cost in the report.
 *
 * Bounded: BENCH_FLOWS_C1 / BENCH_FLOWS_C16 flows and BENCH_PHASE_SECONDS per cell, BENCH_MAX_SECONDS for the whole run; a cell that completes no flow for
 * BENCH_STALL_SECONDS is reported as stalled (a Pebble that hangs is restarted and runs the cell once more, on
 * spare names). BENCH_ROUNDS=N (3 by default) runs the four cells of both servers N times over (each round on fresh names; the
 * two servers' runs of a cell stay back to back, eabgate first in the 1st, 3rd… round, Pebble first in the others): the table then gives each figure's median over the rounds,
 * each ratio as the median of the rounds' own ratios, peak RSS as the highest of any round, and one more line
 * the CPU ratio of every round, because this machine's speed drifts by a fifth or more between minutes.
 * BENCH_PEBBLE_DUMP_DIR=<dir>: a hung Pebble gets SIGQUIT before its restart, and its goroutine dump goes to
 * <dir>/pebble-hang-N.txt. BENCH_PROFILE_DIR writes a V8 CPU profile of eabgate;
 * BENCH_NODE_ARGS adds node flags to it. Asserts nothing; exits non-zero only on a setup error; ends by
 * itself; loopback only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch } from 'undici';
import { freePort, freePorts } from '../../test/support/server.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { provision } from '../../test/support/acme.js';
import { startCommand } from '../../test/support/start-command.js';
import { toBase64Url } from '../../src/core/encoding.js';
import { BENCH_PLAN, openTarget, prepare, quantile, runFlows, Session, type Account, type Prepared, type Target } from './client.js';
import { CLK_TCK, cpuMs, envInt, keepPeak, lifetimePeakMb, resetPeak, statusMb } from '../lib/proc.js';
import { SetupError } from '../lib/main.js';

/** Debian's pebble package (scripts/install-tools.sh installs it). */
export const PEBBLE = '/usr/bin/pebble';

// A CPU profile needs readable names: the build and the server's own freshness check then use the unminified build.
if (process.env.BENCH_PROFILE_DIR) process.env.EABGATE_BUILD = 'no-minify';
// 120 serial flows: about 1.5 s of eabgate's CPU, 150 ticks of /proc's clock, and long enough that a periodic cost
// (a WAL checkpoint, a full GC) weighs on a cell about as often as it does on the load it stands for.
const FLOWS = { 1: envInt('BENCH_FLOWS_C1', 120), 16: envInt('BENCH_FLOWS_C16', 320) } as const;
const WARMUP = envInt('BENCH_WARMUP', 2000);
/** The warm-up runs (and is reported) in chunks of this many flows; at 4 (Pebble 2.4 hangs more often at 16). */
const WARMUP_CHUNK = Math.max(1, envInt('BENCH_WARMUP_CHUNK', 250));
const WARMUP_CONCURRENCY = 4;
/** 3 by default: one round's CPU ratio for a cell moves by half on a 2-core VM, the median of three far less. */
const ROUNDS = Math.max(1, envInt('BENCH_ROUNDS', 3));
/** The whole run's bound: past it, the bench reports what it has and exits. */
const MAX_SECONDS = envInt('BENCH_MAX_SECONDS', 600);
const PHASE_SECONDS = envInt('BENCH_PHASE_SECONDS', 90);
const STALL_SECONDS = envInt('BENCH_STALL_SECONDS', 15);
/** Where a hung Pebble's goroutine dump goes (SIGQUIT), to see what it waits for; unset: not taken. */
const PEBBLE_DUMP_DIR = process.env.BENCH_PEBBLE_DUMP_DIR;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MODES = ['new account per flow', 'account reused'] as const;
type Mode = (typeof MODES)[number];

export { SetupError };

// ---------------------------------------------------------------- process figures

/** Every Pebble process of the run (a hung one is replaced): their peaks make Pebble's peak over the run. */
const pebblePids: number[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- servers

export interface Server {
  name: string;
  pid: number;
  target: Target;
  startMs: number;
  idleRssMb: number;
  /** The tail of its stderr (shown when a cell stalls). */
  log(): string;
  /** Pebble: ends the process with SIGQUIT and writes what it prints then (every goroutine's stack) to `file`. */
  dumpStacks?(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** package.json's "start": its environment, node flags and script (e.g. `MALLOC_ARENA_MAX=1 node … scripts/start.mjs`). */
function startArgs(): { env: Record<string, string>; args: string[] } {
  const start = startCommand();
  if (!start) throw new SetupError('package.json "start" is not a node command');
  return { env: start.env, args: [...start.flags, start.script] };
}

/** "start" as one line, environment first (`MALLOC_ARENA_MAX=1 node … scripts/start.mjs`). */
function startLine(): string {
  const { env, args } = startArgs();
  return [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'node', ...args].join(' ');
}

/** Why each child could not be started (spawn's 'error' event), so that a failed start is a setup error, not a crash. */
const spawnFailures = new WeakMap<ChildProcess, Error>();
/** spawn() with its 'error' event caught: an uncaught one would end the bench without stopping the servers it started. */
function spawnWatched(...args: Parameters<typeof spawn>): ChildProcess {
  const proc = spawn(...args);
  proc.on('error', (e) => spawnFailures.set(proc, e));
  return proc;
}

async function waitHealthy(url: string, agent: Agent, proc: ChildProcess, err: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = spawnFailures.get(proc);
    if (failure) throw new SetupError(`could not be started: ${failure.message}`);
    if (proc.exitCode !== null) throw new SetupError(`exited ${proc.exitCode}: ${err()}`);
    const up = await undiciFetch(url, { dispatcher: agent }).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new SetupError(`not healthy after ${timeoutMs} ms: ${err()}`);
    await sleep(10);
  }
}

function stopProc(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', group = false): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    const kill = (s: NodeJS.Signals) => {
      try {
        if (group) process.kill(-proc.pid!, s);
        else proc.kill(s);
      } catch {
        /* gone */
      }
    };
    kill(signal);
    setTimeout(() => kill('SIGKILL'), 5000).unref();
  });
}

export interface Tls {
  cert: string;
  key: string;
  ca: string;
}

export function makeTls(dir: string): Tls {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2',
  ]);
  if (made.status !== 0) throw new SetupError(`openssl: ${made.stderr}`);
  return { cert, key, ca: readFileSync(cert, 'utf8') };
}

/**
 * `npm start` on an existing data dir, timed to a healthy /healthz, then stopped (its process group).
 * Returns the time and the same for the start script's node command alone, so npm's share shows.
 */
async function timeNpmStart(env: Record<string, string>, port: number, agent: Agent): Promise<number> {
  const t0 = performance.now();
  const proc = spawnWatched('npm', ['start', '--silent'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  try {
    await waitHealthy(`https://127.0.0.1:${port}/healthz`, agent, proc, () => err);
    return performance.now() - t0;
  } finally {
    await stopProc(proc, 'SIGTERM', true);
  }
}

/**
 * eabgate as `npm start` runs it. `opts.dist`: another compiled server.mjs run by node instead of the start
 * script (with the start script's node flags and environment), e.g. an older build copied inside this
 * checkout so that its packages resolve; `opts.name` names it in the tables. That build is neither built nor
 * timed from `npm start` (which starts this checkout's): its `buildMs` and `npmStartMs` are NaN.
 */
export async function startEabgate(
  dns: TestDnsServer,
  http: Http01Responder,
  tls: Tls,
  opts: { dist?: string; name?: string } = {},
): Promise<Server & { npmStartMs: number; buildMs: number }> {
  const b0 = performance.now();
  if (!opts.dist) {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) throw new SetupError('scripts/build-server.mjs failed');
  }
  const buildMs = opts.dist ? NaN : performance.now() - b0;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-'));
  const env = {
    EABGATE_HOST: '127.0.0.1',
    EABGATE_PORT: String(port),
    EABGATE_DATA_DIR: dataDir,
    EABGATE_TLS_CERT: tls.cert,
    EABGATE_TLS_KEY: tls.key,
    EABGATE_BASE_URL: `https://127.0.0.1:${port}`,
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(http.port),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
    // The limits stay on (their counting is part of each request's work), only high enough for the bench.
    EABGATE_LIMIT_ORDERS: 'account=1000000/3600,address=1000000/3600',
    EABGATE_LIMIT_ACME_ACCOUNTS: 'account=1000000/3600,address=1000000/3600',
  };
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32, connect: { ca: tls.ca } });
  const health = `https://127.0.0.1:${port}/healthz`;
  // BENCH_NODE_ARGS: extra node flags for the server (e.g. "--max-semi-space-size=32"), to try tunings. They go
  // after the start script's own flags, so that they override them (V8 takes the last value of a flag).
  const start = startArgs();
  const nodeArgs = [
    ...start.args.slice(0, -1),
    ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []),
    opts.dist ?? start.args.at(-1)!,
  ];
  const spawnServer = () => {
    const proc = spawnWatched(process.execPath, nodeArgs, { env: { ...process.env, ...start.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
    return { proc, err: () => err };
  };
  // First start makes the data dir (keys, CA, database); then `npm start` is timed on it.
  const first = spawnServer();
  await waitHealthy(health, agent, first.proc, first.err);
  await stopProc(first.proc);
  const npmStartMs = opts.dist ? NaN : await timeNpmStart(env, port, agent);

  // The measured server: node with the start script's flags (BENCH_PROFILE_DIR adds --cpu-prof).
  if (process.env.BENCH_PROFILE_DIR) nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`);
  const t0 = performance.now();
  const server = spawnServer();
  await waitHealthy(health, agent, server.proc, server.err);
  const startMs = performance.now() - t0;
  await sleep(2000);
  const idleRssMb = statusMb(server.proc.pid!, 'VmRSS');
  const baseUrl = env.EABGATE_BASE_URL;
  const eab = await provision((u, i) => undiciFetch(u, { ...(i as object), dispatcher: agent }) as unknown as Promise<Response>, baseUrl, ADMIN_TOKEN, 'bench@example.com', BENCH_PLAN);
  const name = opts.name ?? 'eabgate';
  const target = await openTarget(name, `${baseUrl}/acme/directory`, agent, eab, (t, k) => http.setToken(t, k));
  return {
    name,
    pid: server.proc.pid!,
    target,
    startMs,
    idleRssMb,
    npmStartMs,
    buildMs,
    log: server.err,
    async stop() {
      await agent.close();
      await stopProc(server.proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startPebble(dns: TestDnsServer, http: Http01Responder, tls: Tls): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-pebble-'));
  const [port, mgmt, tlsPort] = (await freePorts(3)) as [number, number, number];
  const kid = 'bench-kid';
  const hmacKey = toBase64Url(crypto.getRandomValues(new Uint8Array(32))).replace(/^-/, 'A');
  const config = join(dir, 'pebble.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: tls.cert,
        privateKey: tls.key,
        httpPort: http.port,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: true,
        externalAccountMACKeys: { [kid]: hmacKey },
      },
    }),
  );
  const t0 = performance.now();
  const proc: ChildProcess = spawnWatched(PEBBLE, ['-config', config, '-dnsserver', dns.address], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', ...(process.env.BENCH_PEBBLE_ALWAYS_VALID ? { PEBBLE_VA_ALWAYS_VALID: '1' } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stdout!.on('data', (d) => (err = (err + d).slice(-4000)));
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32, connect: { ca: tls.ca } });
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  await waitHealthy(directoryUrl, agent, proc, () => err, 20_000);
  const startMs = performance.now() - t0;
  pebblePids.push(proc.pid!);
  await sleep(2000);
  const idleRssMb = statusMb(proc.pid!, 'VmRSS');
  const target = await openTarget('Pebble', directoryUrl, agent, { kid, hmacKey }, (t, k) => http.setToken(t, k));
  return {
    name: 'Pebble',
    pid: proc.pid!,
    target,
    startMs,
    idleRssMb,
    log: () => err,
    async dumpStacks(file) {
      keepPeak(proc.pid!);
      const out = createWriteStream(file);
      proc.stdout!.pipe(out);
      proc.stderr!.pipe(out);
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000)]);
      await new Promise((resolve) => out.end(resolve));
    },
    async stop() {
      keepPeak(proc.pid!);
      await agent.close();
      await stopProc(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- phases

interface Phase {
  server: string;
  /** 0-based, of BENCH_ROUNDS. */
  round?: number;
  mode: Mode;
  concurrency: number;
  completed: number;
  failed: number;
  firstError?: string;
  stalled: boolean;
  wallS: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerFlowMs: number;
  /** Of cpuPerFlowMs, the part of the process's main thread (for node: the event loop; the rest is GC helpers, libuv's pool). */
  mainThreadPerFlowMs: number;
  /** cpuPerFlowMs − mainThreadPerFlowMs of the same run (a median of its own over the rounds, not a difference of medians). */
  otherThreadsPerFlowMs: number;
  /** Queries the shared DNS server answered during the cell, per flow (A, AAAA, CAA: the server's validation and CAA look-ups). */
  dnsQueriesPerFlow: number;
  /** The same by query type ("A 1.0, AAAA 1.0, CAA 1.0"). */
  dnsTypesPerFlow: string;
  peakRssMb: number;
}

/** The DNS server both servers ask (set in main), whose query log counts each cell's look-ups. */
let dnsServer: TestDnsServer | undefined;

function typesPerFlow(queries: readonly { type: string }[], flows: number): string {
  const n = new Map<string, number>();
  for (const q of queries) n.set(q.type, (n.get(q.type) ?? 0) + 1);
  return [...n].sort(([a], [b]) => a.localeCompare(b)).map(([t, k]) => `${t} ${(k / flows).toFixed(1)}`).join(', ');
}

async function phase(server: Server, mode: Mode, prepared: Prepared[], concurrency: number, accounts?: Account[]): Promise<Phase> {
  resetPeak(server.pid);
  if (dnsServer) dnsServer.queries.length = 0;
  const cpu0 = cpuMs(server.pid);
  const main0 = cpuMs(server.pid, server.pid);
  const r = await runFlows(server.target, prepared, concurrency, { budgetS: PHASE_SECONDS, stallS: STALL_SECONDS, accounts });
  const cpu1 = cpuMs(server.pid);
  const main1 = cpuMs(server.pid, server.pid);
  const completed = r.latencies.length;
  return {
    server: server.name,
    mode,
    concurrency,
    completed,
    failed: r.failed,
    firstError: r.firstError,
    stalled: r.stalled,
    wallS: r.wallS,
    perSecond: completed / r.wallS,
    p50: quantile(r.latencies, 0.5),
    p99: quantile(r.latencies, 0.99),
    cpuPerFlowMs: completed ? (cpu1 - cpu0) / completed : NaN,
    mainThreadPerFlowMs: completed ? (main1 - main0) / completed : NaN,
    otherThreadsPerFlowMs: completed ? (cpu1 - cpu0 - (main1 - main0)) / completed : NaN,
    dnsQueriesPerFlow: completed && dnsServer ? dnsServer.queries.length / completed : NaN,
    dnsTypesPerFlow: completed && dnsServer ? typesPerFlow(dnsServer.queries, completed) : '',
    peakRssMb: statusMb(server.pid, 'VmHWM'),
  };
}

// ---------------------------------------------------------------- main

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
/** The middle value (the mean of the two middle ones for an even count); NaN when empty. */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  // A setup error, said plainly: a fresh machine has Pebble only once the project's installer has run.
  if (!existsSync(PEBBLE)) {
    console.error(`bench: ${PEBBLE} is missing; install it with \`bash scripts/install-tools.sh\` (npm test runs it too)`);
    process.exit(2);
  }
  const servers: Server[] = [];
  const bound = setTimeout(() => {
    console.error(`bench: stopped after BENCH_MAX_SECONDS=${MAX_SECONDS} s`);
    for (const s of servers) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    process.exit(0);
  }, MAX_SECONDS * 1000);
  bound.unref();
  const dns = (dnsServer = (await TestDnsServer.start()).cacheFor(300));
  const http = await Http01Responder.start();
  const tlsDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-tls-'));
  try {
    const tls = makeTls(tlsDir);
    const eabgate = await startEabgate(dns, http, tls);
    servers.push(eabgate);
    servers.push(await startPebble(dns, http, tls));
    const peakResets = servers.every((s) => resetPeak(s.pid));
    const pebbleIdle = servers[1]!;

    // Names, keys and CSRs for every flow, made before any timing.
    const perMode = FLOWS[1] + FLOWS[16];
    // After the cells' flows: FLOWS[16] more for a cell run again on a restarted Pebble, then the 16 keys of
    // the reused accounts.
    const perRound = MODES.length * perMode;
    const retryFrom = WARMUP + ROUNDS * perRound;
    const total = retryFrom + FLOWS[16] + 16;
    const prepared = new Map<string, Prepared[]>();
    for (const s of servers) {
      const names = Array.from({ length: total }, (_, i) => `f${i}.${s.name.toLowerCase()}.bench.example`);
      for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
      prepared.set(s.name, await prepare(names));
    }

    /** One account per key (per client worker), made untimed before an "account reused" cell. */
    const reusedAccounts = async (target: Target, keys: Prepared[]): Promise<Account[]> => {
      const signal = new AbortController().signal;
      setMaxListeners(64, signal);
      const session = new Session(target, signal);
      return Promise.all(keys.map((k) => session.account(k)));
    };
    const report = (name: string, mode: Mode, c: number, r: Phase) => {
      const note = r.stalled ? `  STALLED: no flow completed for ${STALL_SECONDS} s after ${r.completed} flows; figures up to the last one` : '';
      const errs = r.failed ? `  (${r.failed} failed: ${r.firstError})` : '';
      console.log(`  ${name.padEnd(8)} ${mode.padEnd(21)} c=${String(c).padEnd(2)} ${r.completed} flows in ${f1(r.wallS)} s${note}${errs}`);
    };
    let setupDone = false;
    const results: Phase[] = [];
    const restarts: string[] = [];
    /** CPU ms per flow of each warm-up chunk, per server. */
    const warmups = new Map<string, number[]>();
    try {
      // The warm-up, in chunks whose CPU per flow is reported: how much a cold server costs and when it stops
      // getting cheaper (V8 compiles a function with TurboFan only once it has run often enough, so code run
      // once per flow gets its optimized version after many hundreds of flows).
      for (const [i, first] of servers.entries()) {
        let s = first;
        const chunks: number[] = [];
        for (let from = 0; from < WARMUP; from += WARMUP_CHUNK) {
          const slice = prepared.get(s.name)!.slice(from, Math.min(WARMUP, from + WARMUP_CHUNK));
          const warm = await phase(s, 'new account per flow', slice, WARMUP_CONCURRENCY);
          // Pebble 2.4 can hang under concurrent load (below), in its warm-up too: a fresh instance takes over and
          // the warm-up ends there, since Go compiles ahead of time and a new process has no code to warm.
          if (warm.stalled && !warm.failed && s.name === 'Pebble') {
            await s.stop();
            s = servers[i] = await startPebble(dns, http, tls);
            restarts.push('warm-up');
            console.log(`  Pebble hung in its warm-up after ${from + warm.completed} flows; restarted, and its warm-up ends there`);
            break;
          }
          if (warm.failed || warm.stalled) throw new SetupError(`${s.name} warm-up failed: ${warm.firstError ?? 'stalled'}`);
          chunks.push(warm.cpuPerFlowMs);
        }
        warmups.set(s.name, chunks);
        if (chunks.length) console.log(`  ${s.name.padEnd(8)} warm-up: ${WARMUP} flows, CPU ms/flow per ${WARMUP_CHUNK}: ${chunks.map(f1).join(', ')}`);
      }
      setupDone = true;
      for (let round = 0; round < ROUNDS; round++) {
      if (ROUNDS > 1) console.log(`  round ${round + 1} of ${ROUNDS}`);
      for (const [m, mode] of MODES.entries()) {
        for (const c of [1, 16] as const) {
          // The 2nd, 4th… rounds run Pebble first: a drift of the machine's speed within a cell then favours each server in
          // turn instead of always the same one.
          for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
            const s = servers[i]!;
            const p = prepared.get(s.name)!;
            // "account reused": one account per worker, made (untimed) before the cell.
            const accounts = mode === 'account reused' ? await reusedAccounts(s.target, p.slice(total - c)) : undefined;
            const from = WARMUP + round * perRound + m * perMode + (c === 1 ? 0 : FLOWS[1]);
            let r = await phase(s, mode, p.slice(from, from + FLOWS[c]), c, accounts);
            report(s.name, mode, c, r);
            if (r.stalled) {
              console.log(`    ${s.name} output (tail): ${s.log().slice(-600).replace(/\n/g, '\n    ')}`);
              // Pebble 2.4 deadlocks under concurrent load (its requests stop being answered). Its goroutines
              // at a hang (BENCH_PEBBLE_DUMP_DIR) show a lock-order inversion in its in-memory store: the authz
              // handler (wfe.go Authz) holds the authorization's lock and waits for the store's read lock
              // (getAcctByKey), newOrder's FindValidAuthorization (db/memorystore.go) holds the store's read
              // lock and waits for that authorization's, and a writer (AddChallenge) queued between them lets
              // no new reader in. FindValidAuthorization walks every authorization Pebble holds, so the window
              // widens as a run goes on; upstream's main still locks in both orders. A fresh instance runs the
              // cell once more (its figures would otherwise be those of a few flows) and takes the next cells,
              // so one hang does not blank the table.
              if (s.name === 'Pebble') {
                if (PEBBLE_DUMP_DIR && s.dumpStacks) {
                  const file = join(PEBBLE_DUMP_DIR, `pebble-hang-${restarts.length + 1}.txt`);
                  await s.dumpStacks(file);
                  console.log(`    Pebble's goroutines at the hang: ${file}`);
                }
                await s.stop();
                servers[i] = await startPebble(dns, http, tls);
                restarts.push(`${mode} c=${c}${ROUNDS > 1 ? ` (round ${round + 1})` : ''}`);
                console.log('    Pebble restarted; the cell runs again on it');
                const again = servers[i]!;
                // A fresh Pebble knows no names, keys or accounts: the spare names serve every rerun.
                const retryAccounts = mode === 'account reused' ? await reusedAccounts(again.target, p.slice(total - c)) : undefined;
                r = await phase(again, mode, p.slice(retryFrom, retryFrom + FLOWS[c]), c, retryAccounts);
                report(again.name, mode, c, r);
                if (r.stalled) {
                  await again.stop();
                  servers[i] = await startPebble(dns, http, tls);
                  console.log('    Pebble stalled again; restarted for the next cells');
                }
              }
            }
            results.push({ ...r, round });
          }
        }
      }
      }
    } catch (err) {
      if (!setupDone) throw err;
      console.error(`bench: stopped early: ${(err as Error).message}`);
    }
    await sleep(3000);
    const idleAfter = new Map(servers.map((s) => [s.name, statusMb(s.pid, 'VmRSS')]));

    const runsOf = (server: string, mode: Mode, c: number) => results.filter((r) => r.server === server && r.mode === mode && r.concurrency === c);
    /** One cell's figures over the rounds: medians, the highest peak RSS, stalled/failed if any round was. */
    const cell = (server: string, mode: Mode, c: number): Phase | undefined => {
      const runs = runsOf(server, mode, c);
      if (runs.length <= 1) return runs[0];
      const med = (f: (r: Phase) => number) => median(runs.map(f));
      return {
        ...runs[0]!,
        round: undefined,
        completed: runs.reduce((n, r) => n + r.completed, 0),
        failed: runs.reduce((n, r) => n + r.failed, 0),
        stalled: runs.some((r) => r.stalled),
        wallS: runs.reduce((n, r) => n + r.wallS, 0),
        perSecond: med((r) => r.perSecond),
        p50: med((r) => r.p50),
        p99: med((r) => r.p99),
        cpuPerFlowMs: med((r) => r.cpuPerFlowMs),
        mainThreadPerFlowMs: med((r) => r.mainThreadPerFlowMs),
        otherThreadsPerFlowMs: med((r) => r.otherThreadsPerFlowMs),
        dnsQueriesPerFlow: med((r) => r.dnsQueriesPerFlow),
        peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      };
    };
    /** eabgate / Pebble per round (each round's two runs of the cell were back to back), then the median. */
    const ratios = (mode: Mode, c: number, f: (r: Phase) => number): number[] => {
      const e = runsOf('eabgate', mode, c);
      const p = runsOf('Pebble', mode, c);
      return e.flatMap((r) => {
        const q = p.find((x) => x.round === r.round);
        return q ? [f(r) / f(q)] : [];
      });
    };
    const ratio = (mode: Mode, c: number, f: (r: Phase) => number) => median(ratios(mode, c, f));
    console.log(
      `\nACME issuance flows over HTTPS (new order, http-01, finalize, download; with or without a new account + EAB) — ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log('| mode | C | eabgate flows/s | Pebble flows/s | ratio | eabgate p50/p99 ms | Pebble p50/p99 ms | p99 ratio | eabgate CPU ms/flow | Pebble CPU ms/flow | CPU ratio | eabgate peak RSS MB | Pebble peak RSS MB |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const mode of MODES) {
      for (const c of [1, 16]) {
        const e = cell('eabgate', mode, c);
        const p = cell('Pebble', mode, c);
        if (!e || !p) continue;
        const flag = (r: Phase) => (r.stalled ? ' (stalled)' : r.failed ? ` (${r.failed} failed)` : '');
        console.log(
          `| ${mode} | ${c} | ${f1(e.perSecond)}${flag(e)} | ${f1(p.perSecond)}${flag(p)} | ${f2(ratio(mode, c, (r) => r.perSecond))} | ${f0(e.p50)} / ${f0(e.p99)} | ${f0(p.p50)} / ${f0(p.p99)} | ${f2(ratio(mode, c, (r) => r.p99))} | ${f1(e.cpuPerFlowMs)} | ${f1(p.cpuPerFlowMs)} | ${f2(ratio(mode, c, (r) => r.cpuPerFlowMs))} | ${f0(e.peakRssMb)} | ${f0(p.peakRssMb)} |`,
        );
      }
    }
    if (ROUNDS > 1) {
      console.log(
        `\n${ROUNDS} rounds; figures are medians over them (peak RSS: the highest). CPU ratio of each round: ` +
          MODES.flatMap((mode) => [1, 16].map((c) => `${mode} C=${c} ${ratios(mode, c, (r) => r.cpuPerFlowMs).map(f2).join(', ')}`)).join('; '),
      );
    }
    console.log(
      `\neabgate CPU ms per flow on its main thread (the event loop) / on other threads (V8's GC and compiler helpers, libuv's pool: WebCrypto): ` +
        MODES.flatMap((mode) => [1, 16].map((c) => cell('eabgate', mode, c)))
          .filter((r): r is Phase => r !== undefined)
          .map((r) => `${r.mode} C=${r.concurrency} ${f1(r.mainThreadPerFlowMs)} / ${f1(r.otherThreadsPerFlowMs)}`)
          .join('; '),
    );
    const dnsPerFlow = (server: string) => {
      const perFlow = median(MODES.flatMap((mode) => [1, 16].map((c) => cell(server, mode, c)?.dnsQueriesPerFlow ?? NaN)).filter(Number.isFinite));
      const types = runsOf(server, 'account reused', 1).at(-1)?.dnsTypesPerFlow;
      return `${server} ${f1(perFlow)}${types ? ` (${types})` : ''}`;
    };
    console.log(
      `DNS queries per flow, median over the cells (by type: the last "account reused" C=1 cell; eabgate keeps CAA answers within their TTL): ${dnsPerFlow('eabgate')}; ${dnsPerFlow('Pebble')}`,
    );
    if (WARMUP > 0) {
      console.log(
        `\nWarm-up before the cells: ${WARMUP} flows per server (new account per flow, concurrency ${WARMUP_CONCURRENCY}); CPU ms per flow by chunk of ${WARMUP_CHUNK}: ` +
          [...warmups].map(([name, chunks]) => `${name} ${chunks.map(f1).join(', ')}`).join('; ') +
          '. The first chunks show what a cold server costs.',
      );
    }
    const e = servers[0]!;
    const p = pebbleIdle;
    console.log('\n| | eabgate | Pebble | ratio |');
    console.log('|---|---|---|---|');
    console.log(`| start to healthy (server process), ms | ${f0(e.startMs)} | ${f0(p.startMs)} | ${f2(e.startMs / p.startMs)} |`);
    console.log(`| \`npm start\` to healthy /healthz, existing data dir, ms | ${f0(eabgate.npmStartMs)} | | |`);
    console.log(`| idle RSS after start, MB | ${f0(e.idleRssMb)} | ${f0(p.idleRssMb)} | ${f2(e.idleRssMb / p.idleRssMb)} |`);
    console.log(`| idle RSS after the load, MB | ${f0(idleAfter.get('eabgate')!)} | ${f0(idleAfter.get('Pebble')!)} | ${f2(idleAfter.get('eabgate')! / idleAfter.get('Pebble')!)} |`);
    console.log(`| peak RSS over the run (start, provisioning and warm-up included), MB | ${f0(lifetimePeakMb(e.pid))} | ${f0(Math.max(...pebblePids.map(lifetimePeakMb)))} | |`);
    // A hang in the warm-up ended it (a fresh Pebble then ran all the cells); a hang in a cell ran that cell again.
    if (restarts.includes('warm-up')) console.log('\nPebble hung (stopped answering) in its warm-up: a fresh Pebble ran all the cells.');
    const cellRestarts = restarts.filter((r) => r !== 'warm-up');
    if (cellRestarts.length) {
      console.log(
        `\nPebble hung (stopped answering) in: ${cellRestarts.join('; ')}; a fresh Pebble ran each of those cells again (the table shows that run, marked "stalled" only if it hung too) and the following cells.`,
      );
    }
    console.log(
      `\nratio = eabgate / Pebble (CPU, latency, RSS: lower is better; flows/s: higher is better). CPU from /proc/<pid>/stat (utime+stime, ${CLK_TCK} ticks/s) of each server process.` +
        ` Peak RSS per cell = VmHWM${peakResets ? ' reset before each cell (clear_refs)' : ' over the process lifetime (clear_refs not allowed)'}.` +
        ` eabgate: ${startLine()}${process.env.BENCH_NODE_ARGS ? ` + ${process.env.BENCH_NODE_ARGS}` : ''}.`,
    );
    if (process.env.BENCH_JSON) {
      writeFileSync(
        process.env.BENCH_JSON,
        JSON.stringify({ rounds: ROUNDS, results, cells: MODES.flatMap((mode) => [1, 16].flatMap((c) => ['eabgate', 'Pebble'].map((server) => cell(server, mode, c)))).filter(Boolean), start: { eabgate: e.startMs, pebble: p.startMs, npmStart: eabgate.npmStartMs }, idle: { eabgate: e.idleRssMb, pebble: p.idleRssMb }, idleAfter: Object.fromEntries(idleAfter), warmup: { flows: WARMUP, chunk: WARMUP_CHUNK, cpuPerFlowMs: Object.fromEntries(warmups) } }, null, 2),
      );
    }
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await http.stop();
    await dns.stop();
    rmSync(tlsDir, { recursive: true, force: true });
  }
}

// Run as the bench, not when bench/acme/steps.ts imports the servers from here.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
