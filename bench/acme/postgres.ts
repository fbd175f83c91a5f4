/**
 * ACME issuance on the shared database (`npm run bench:acme:pg`): the same complete flows as bench/acme
 * (new account with EAB, new order, http-01, finalize, download; the lean client of ./client.ts), in one
 * run against
 *   - "sqlite ×1": one Node instance on its SQLite file (the embedded default), and
 *   - "postgres ×2": two Node instances on one real PostgreSQL (test/support/postgres.ts, durability off
 *     as in the tests), behind the loopback round-robin balancer of the tests, so consecutive requests of
 *     a flow alternate between the instances.
 * Printed per setup and concurrency: flows per second, p50/p99 latency, and CPU per flow: the gateway
 * processes' (utime+stime from /proc) and, for PostgreSQL, its server processes' (postmaster and
 * backends). BENCH_PG_SINGLE=1 adds one instance on PostgreSQL. Every setup goes through the balancer
 * (one instance: a plain extra hop), which runs in this process and is not counted. Bounded by BENCH_PG_FLOWS_C1,
 * BENCH_PG_FLOWS_C16, BENCH_PG_WARMUP, BENCH_PG_PHASE_SECONDS and BENCH_PG_STALL_SECONDS (a setup that completes no
 * flow for that long is given up on for the cell). Asserts nothing; ends by itself.
 */
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Agent } from 'undici';
import { startServer, type RunningServer } from '../../test/support/server.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { RoundRobin } from '../../test/support/round-robin.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { provision } from '../../test/support/acme.js';
import { BENCH_PLAN, openTarget, prepare, quantile, runFlows, type Prepared, type Target } from './client.js';
import { CLK_TCK, envInt, procStat as stat } from '../lib/proc.js';

const FLOWS = { 1: envInt('BENCH_PG_FLOWS_C1', 30), 16: envInt('BENCH_PG_FLOWS_C16', 200) } as const;
/** Warm-up flows per setup before measuring (two instances share theirs: each gets half). */
const WARMUP = envInt('BENCH_PG_WARMUP', 40);
const PHASE_SECONDS = envInt('BENCH_PG_PHASE_SECONDS', 90);
/** A setup that completes no flow for this long is given up on for that cell. */
const STALL_SECONDS = envInt('BENCH_PG_STALL_SECONDS', 30);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/**
 * CPU of PostgreSQL: the postmaster, its live backends, and the backends that exited (their CPU is added
 * to the postmaster's cutime/cstime when it reaps them: the pool closes idle connections).
 */
function treeCpuMs(root: number): number {
  const r = stat(root);
  let total = (r?.cpuMs ?? 0) + (r?.childrenMs ?? 0);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.ppid === root) total += s.cpuMs;
  }
  return total;
}

interface Setup {
  name: string;
  servers: RunningServer[];
  db?: TestPostgres;
  target: Target;
  lb: RoundRobin;
  agent: Agent;
}

async function setup(name: string, dns: TestDnsServer, http: Http01Responder, db?: TestPostgres, instances = 2): Promise<Setup> {
  const base = {
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(http.port),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    // Every flow registers a new account under the one subscription: the per-subscription limit is off.
    EABGATE_LIMIT_ACME_ACCOUNTS: 'off',
    // ACME flows take no AutoCSR key: no pool filling in the background of the measured phases.
    EABGATE_AUTOCSR_KEY_POOL: '0',
  };
  // Every setup behind the same balancer, so that all pay the same extra hop.
  const lb = await RoundRobin.start();
  const env = { ...base, EABGATE_BASE_URL: lb.url };
  let servers: RunningServer[];
  if (db) {
    const shared = { ...env, EABGATE_DATABASE_URL: await db.database(`bench${instances}`), EABGATE_SECRET_KEY: randomBytes(32).toString('hex') };
    servers = await Promise.all(Array.from({ length: instances }, () => startServer(shared)));
  } else {
    servers = [await startServer(env)];
  }
  lb.targets = servers.map((s) => s.port);
  const baseUrl = lb.url;
  const eab = await provision((u, i) => fetch(u, i), baseUrl, ADMIN_TOKEN, 'bench@example.com', BENCH_PLAN);
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 32 });
  const target = await openTarget(name, `${baseUrl}/acme/directory`, agent, eab, (t, k) => http.setToken(t, k));
  return { name, servers, db, target, lb, agent };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

async function main(): Promise<void> {
  const dns = (await TestDnsServer.start()).cacheFor(300);
  const http = await Http01Responder.start();
  const db = await startPostgres();
  const setups: Setup[] = [];
  try {
    setups.push(await setup('sqlite ×1', dns, http));
    setups.push(await setup('postgres ×2', dns, http, db));
    // BENCH_PG_SINGLE=1: also one instance on PostgreSQL (own database, same balancer path), to tell the
    // driver's cost from the cost of splitting the work between two processes.
    if (process.env.BENCH_PG_SINGLE === '1') setups.push(await setup('postgres ×1', dns, http, db, 1));
    const total = WARMUP + FLOWS[1] + FLOWS[16];
    const prepared = new Map<string, Prepared[]>();
    for (const [i, s] of setups.entries()) {
      const names = Array.from({ length: total }, (_, n) => `f${n}.s${i}.bench.example`);
      for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
      prepared.set(s.name, await prepare(names));
    }
    for (const s of setups) {
      const warm = await runFlows(s.target, prepared.get(s.name)!.slice(0, WARMUP), 4, { budgetS: PHASE_SECONDS, stallS: STALL_SECONDS });
      if (warm.failed) throw new Error(`${s.name} warm-up failed: ${warm.firstError}`);
    }
    const rows: string[] = [];
    const results = new Map<string, { perSecond: number; cpu: number }>();
    for (const c of [1, 16] as const) {
      for (const s of setups) {
        const from = WARMUP + (c === 1 ? 0 : FLOWS[1]);
        const gw0 = s.servers.reduce((t, x) => t + (stat(x.proc.pid!)?.cpuMs ?? 0), 0);
        const db0 = s.db ? treeCpuMs(s.db.postmasterPid()) : 0;
        const req0 = [...s.lb.served.values()].reduce((x, y) => x + y, 0);
        const r = await runFlows(s.target, prepared.get(s.name)!.slice(from, from + FLOWS[c]), c, { budgetS: PHASE_SECONDS, stallS: STALL_SECONDS });
        const gw = s.servers.reduce((t, x) => t + (stat(x.proc.pid!)?.cpuMs ?? 0), 0) - gw0;
        const dbCpu = s.db ? treeCpuMs(s.db.postmasterPid()) - db0 : 0;
        const requests = [...s.lb.served.values()].reduce((x, y) => x + y, 0) - req0;
        const n = r.latencies.length;
        const perSecond = n / r.wallS;
        results.set(`${s.name}|${c}`, { perSecond, cpu: (gw + dbCpu) / n });
        rows.push(
          `${s.name.padEnd(12)} ${String(c).padStart(4)} ${String(n).padStart(6)} ${f1(perSecond).padStart(8)} ${f1(quantile(r.latencies, 0.5)).padStart(7)} ${f1(quantile(r.latencies, 0.99)).padStart(7)} ${f2(gw / n).padStart(14)} ${(s.db ? f2(dbCpu / n) : '—').padStart(10)} ${f1(requests / n).padStart(9)}  ${r.failed ? `${r.failed} failed: ${r.firstError}` : ''}${r.stalled ? ` stalled: no flow for ${STALL_SECONDS} s` : ''}`,
        );
        console.error(`  ${s.name} c=${c}: ${n} flows in ${f1(r.wallS)} s`);
      }
    }
    console.log(`\nACME issuance flows on the shared database — ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
    console.log('setup        conc  flows  flows/s  p50 ms  p99 ms  gateway CPU ms/flow  DB CPU ms/flow  req/flow');
    for (const r of rows) console.log(r);
    console.log('\nratios postgres ×2 / sqlite ×1 (CPU: gateway + database per flow)');
    for (const c of [1, 16]) {
      const p = results.get(`postgres ×2|${c}`)!;
      const q = results.get(`sqlite ×1|${c}`)!;
      console.log(`  c=${String(c).padEnd(2)} flows/s ×${f2(p.perSecond / q.perSecond)}  CPU/flow ×${f2(p.cpu / q.cpu)}`);
    }
    console.log(`\nCPU from /proc/<pid>/stat (utime+stime, ${CLK_TCK} ticks/s); the balancer (in the bench process) is not counted.`);
    console.log('req/flow: HTTP requests the balancer passed per flow (the client polls while validation and issuance run).');
  } finally {
    for (const s of setups) {
      await s.agent.close().catch(() => undefined);
      await Promise.all(s.servers.map((x) => x.stop()));
      await s.lb.stop();
    }
    db.stop();
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
