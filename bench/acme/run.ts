/**
 * ACME issuance benchmark (`node --import tsx bench/acme/run.ts`): complete flows (new account with EAB,
 * new order, http-01 validation, finalize, download) against eabgate (the real Node server, SQLite) and,
 * in the same run, Debian's Pebble 2.4 (EAB required, PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0),
 * at concurrency 1 and 16, with the same lean client (client.ts). Everything on loopback: one DNS server
 * and one http-01 responder in this process serve both.
 *
 * Printed per server and concurrency: flows per second, p50/p99 flow latency, the server's CPU time per
 * flow (utime+stime of its process from /proc/<pid>/stat, before and after), its peak RSS (VmHWM), and
 * the ratios eabgate / Pebble. A phase that completes no flow for BENCH_STALL_SECONDS is reported as
 * stalled and abandoned. Bounded: BENCH_FLOWS_C1 / BENCH_FLOWS_C16 flows and BENCH_PHASE_SECONDS per
 * phase, BENCH_WARMUP flows per server before measuring (at concurrency 4), BENCH_MAX_SECONDS for the
 * whole run. BENCH_PROFILE_DIR writes a V8 CPU profile of eabgate; BENCH_NODE_ARGS adds node flags to it.
 * Asserts nothing; ends by itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { freePort } from '../../test/support/server.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { provision } from '../../test/support/acme.js';
import { toBase64Url } from '../../src/core/encoding.js';
import { openTarget, prepare, Session, type Prepared, type Target } from './client.js';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: a whole number ≥ 1 is required, got "${v}"`);
  return n;
}

const FLOWS = { 1: envInt('BENCH_FLOWS_C1', 40), 16: envInt('BENCH_FLOWS_C16', 320) } as const;
const WARMUP = envInt('BENCH_WARMUP', 40);
/** The whole run's bound: past it, the bench reports what it has and exits. */
const MAX_SECONDS = envInt('BENCH_MAX_SECONDS', 600);
const PHASE_SECONDS = envInt('BENCH_PHASE_SECONDS', 90);
const STALL_SECONDS = envInt('BENCH_STALL_SECONDS', 15);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// ---------------------------------------------------------------- process figures

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": field 3 is state, so utime (14) and stime (15) are at indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// ---------------------------------------------------------------- servers

interface Server {
  name: string;
  pid: number;
  target: Target;
  stop(): Promise<void>;
}

/** The real Node server, spawned as `node [nodeArgs] --import tsx src/entry/node.ts` (so its PID is the server). */
async function spawnEabgate(env: Record<string, string>, nodeArgs: string[]) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-'));
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/entry/node.ts'], {
    env: { ...process.env, EABGATE_HOST: '127.0.0.1', EABGATE_PORT: String(port), EABGATE_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`eabgate exited ${proc.exitCode}: ${err}`);
    const up = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`eabgate did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    dataDir,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

async function startEabgate(dns: TestDnsServer, http: Http01Responder): Promise<Server> {
  const server = await spawnEabgate(
    {
      EABGATE_VA_DNS_SERVER: dns.address,
      EABGATE_VA_HTTP_PORT: String(http.port),
      EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      EABGATE_CAA_IDENTITIES: 'eabgate.test',
      EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
    },
    // BENCH_PROFILE_DIR: write a V8 CPU profile of the server there when it stops.
    [
      ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
      // BENCH_NODE_ARGS: extra node flags for the server (e.g. "--max-semi-space-size=32"), to try tunings.
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []),
    ],
  );
  const eab = await provision((u, i) => fetch(u, i), server.baseUrl, ADMIN_TOKEN, 'bench@example.com', 'enterprise');
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32 });
  const target = await openTarget('eabgate', `${server.baseUrl}/acme/directory`, agent, eab, (t, k) => http.setToken(t, k));
  return {
    name: 'eabgate',
    pid: server.proc.pid!,
    target,
    async stop() {
      await agent.close();
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

async function startPebble(dns: TestDnsServer, http: Http01Responder): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-pebble-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2',
  ]);
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  const [port, mgmt, tls] = [await freePort(), await freePort(), await freePort()];
  const kid = 'bench-kid';
  const hmacKey = toBase64Url(crypto.getRandomValues(new Uint8Array(32))).replace(/^-/, 'A');
  const config = join(dir, 'pebble.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: cert,
        privateKey: key,
        httpPort: http.port,
        tlsPort: tls,
        ocspResponderURL: '',
        externalAccountBindingRequired: true,
        externalAccountMACKeys: { [kid]: hmacKey },
      },
    }),
  );
  const proc: ChildProcess = spawn('/usr/bin/pebble', ['-config', config, '-dnsserver', dns.address], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32, connect: { ca: readFileSync(cert, 'utf8') } });
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const deadline = Date.now() + 20_000;
  let target: Target | undefined;
  while (!target) {
    if (proc.exitCode !== null) throw new Error(`pebble exited ${proc.exitCode}: ${err}`);
    try {
      target = await openTarget('Pebble', directoryUrl, agent, { kid, hmacKey }, (t, k) => http.setToken(t, k));
    } catch {
      if (Date.now() > deadline) throw new Error(`pebble did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name: 'Pebble',
    pid: proc.pid!,
    target,
    async stop() {
      await agent.close();
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- phases

interface Phase {
  server: string;
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
  peakRssMb: number;
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

async function runFlows(server: Server, prepared: Prepared[], concurrency: number, budgetS: number) {
  const abort = new AbortController();
  setMaxListeners(concurrency * 4, abort.signal);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stalled = false;
  let lastDone = performance.now();
  const started = performance.now();
  const watchdog = setInterval(() => {
    if (performance.now() - lastDone > STALL_SECONDS * 1000) {
      stalled = true;
      abort.abort();
    }
  }, 250);
  const worker = async () => {
    const session = new Session(server.target, abort.signal);
    while (!abort.signal.aborted && next < prepared.length && performance.now() - started < budgetS * 1000) {
      const p = prepared[next++]!;
      const t0 = performance.now();
      try {
        await session.flow(p);
        latencies.push(performance.now() - t0);
        lastDone = performance.now();
      } catch (err) {
        if (abort.signal.aborted) break;
        failed++;
        firstError ??= (err as Error).message;
        lastDone = performance.now();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(watchdog);
  return { latencies, failed, firstError, stalled, wallS: (performance.now() - started) / 1000 };
}

async function phase(server: Server, prepared: Prepared[], concurrency: number): Promise<Phase> {
  const cpu0 = cpuMs(server.pid);
  const r = await runFlows(server, prepared, concurrency, PHASE_SECONDS);
  const cpu1 = cpuMs(server.pid);
  const completed = r.latencies.length;
  return {
    server: server.name,
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
    peakRssMb: peakRssMb(server.pid),
  };
}

// ---------------------------------------------------------------- main

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

async function main(): Promise<void> {
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
    process.exit(2);
  }, MAX_SECONDS * 1000);
  bound.unref();
  const dns = await TestDnsServer.start();
  const http = await Http01Responder.start();
  try {
    servers.push(await startEabgate(dns, http));
    servers.push(await startPebble(dns, http));

    // Names, keys and CSRs for every flow, made before any timing.
    const total = WARMUP + FLOWS[1] + FLOWS[16];
    const prepared = new Map<string, Prepared[]>();
    for (const s of servers) {
      const names = Array.from({ length: total }, (_, i) => `f${i}.${s.name.toLowerCase()}.bench.example`);
      for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
      prepared.set(s.name, await prepare(names));
    }

    const results: Phase[] = [];
    for (const s of servers) {
      const p = prepared.get(s.name)!;
      const warm = await runFlows(s, p.slice(0, WARMUP), 4, 60);
      if (warm.failed || warm.stalled) throw new Error(`${s.name} warm-up failed: ${warm.firstError ?? 'stalled'}`);
    }
    for (const c of [1, 16] as const) {
      for (const s of servers) {
        const p = prepared.get(s.name)!;
        const from = WARMUP + (c === 1 ? 0 : FLOWS[1]);
        const r = await phase(s, p.slice(from, from + FLOWS[c]), c);
        results.push(r);
        const note = r.stalled ? `  STALLED: no flow completed for ${STALL_SECONDS} s after ${r.completed} flows` : '';
        const errs = r.failed ? `  (${r.failed} failed: ${r.firstError})` : '';
        console.log(`  ${s.name.padEnd(8)} c=${String(c).padEnd(2)} ${r.completed} flows in ${f1(r.wallS)} s${note}${errs}`);
      }
    }

    console.log(`\nACME issuance flows (new account + EAB, new order, http-01, finalize, download) — ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
    console.log('server    conc  flows  flows/s  p50 ms  p99 ms  CPU ms/flow  peak RSS MB  note');
    for (const r of results) {
      console.log(
        `${r.server.padEnd(9)} ${String(r.concurrency).padStart(4)} ${String(r.completed).padStart(6)} ${f1(r.perSecond).padStart(8)} ${f1(r.p50).padStart(7)} ${f1(r.p99).padStart(7)} ${f2(r.cpuPerFlowMs).padStart(12)} ${f1(r.peakRssMb).padStart(12)}  ${r.stalled ? 'stalled' : r.failed ? `${r.failed} failed` : ''}`,
      );
    }
    console.log('\nratios eabgate / Pebble');
    for (const c of [1, 16]) {
      const e = results.find((r) => r.server === 'eabgate' && r.concurrency === c)!;
      const p = results.find((r) => r.server === 'Pebble' && r.concurrency === c)!;
      const pebbleNote = p.stalled ? ' (Pebble stalled: its figures cover the flows before the stall)' : '';
      console.log(
        `  c=${String(c).padEnd(2)} flows/s ×${f2(e.perSecond / p.perSecond)}  p50 ×${f2(e.p50 / p.p50)}  p99 ×${f2(e.p99 / p.p99)}  CPU/flow ×${f2(e.cpuPerFlowMs / p.cpuPerFlowMs)}  peak RSS ×${f2(e.peakRssMb / p.peakRssMb)}${pebbleNote}`,
      );
    }
    console.log(`\nCPU time from /proc/<pid>/stat (utime+stime, ${CLK_TCK} ticks/s) of each server process; peak RSS = VmHWM over its lifetime.`);
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await http.stop();
    await dns.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
