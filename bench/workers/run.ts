/**
 * The Worker's CPU per request (`npm run bench:workers`): complete ACME flows (new account with EAB, new
 * order, http-01 validation, finalize, download; bench/acme/client.ts) one after another against
 * `wrangler dev --local` (workerd over a local D1), the VA answering through a loopback DNS-over-HTTPS
 * responder and http-01 responder (test/support/workers-world.ts).
 *
 * wrangler dev does not show CPU time per request (deployed Workers do: Workers Logs and `wrangler tail`
 * give each invocation's cpuTime), so it is measured from outside: the utime+stime of the workerd
 * processes (/proc/<pid>/stat) before and after the flows, divided by the flows and by the requests they
 * made (counted from the Worker's request log lines). That includes workerd's own HTTP and D1 (SQLite)
 * work, which a deployed Worker's CPU time does not count, so it is an upper bound. BENCH_FLOWS flows (default 30) after BENCH_WARMUP (default 5). Asserts nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { workersWorld } from '../../test/support/workers-world.js';
import { openTarget, prepare, Session } from '../acme/client.js';
import { cpuMs } from '../lib/proc.js';

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: a whole number ≥ 1 is required`);
  return n;
};
const FLOWS = envInt('BENCH_FLOWS', 30);
const WARMUP = envInt('BENCH_WARMUP', 5);

/**
 * The workerd processes in wrangler's process group: wrangler 4 runs two, one for its own proxy workers
 * and one (started with an inspector address) for the Worker itself; the CPU figures are the sum of both
 * (an upper bound), the Worker's own process apart.
 */
function workerdPids(groupLeader: number): { all: number[]; worker: number } {
  const all: number[] = [];
  let worker: number | undefined;
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (comm !== 'workerd' || pgrp !== groupLeader) continue;
      all.push(Number(d));
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('--inspector-addr')) worker = Number(d);
    } catch {
      // gone
    }
  }
  if (!all.length) throw new Error("no workerd process in wrangler's group");
  return { all, worker: worker ?? all[0]! };
}

async function main(): Promise<void> {
  const http = await Http01Responder.start();
  // The bench makes one ACME account per flow: the per-subscription limits would stop it.
  const w = await workersWorld({ httpPort: http.port, secrets: { EABGATE_LIMIT_ACME_ACCOUNTS: 'off', EABGATE_LIMIT_ORDERS: 'off', EABGATE_LIMIT_SIGNUPS: 'off' } });
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  try {
    const eab = await w.provision('bench@example.com', 'enterprise');
    const names = Array.from({ length: WARMUP + FLOWS }, (_, i) => `flow${i}.bench.example.com`);
    for (const n of names) w.dns.set(n, 'A', ['127.0.0.1']);
    const prepared = await prepare(names);
    const target = await openTarget('eabgate-workers', w.directoryUrl, agent, eab, (t, k) => http.setToken(t, k), 20);
    const session = new Session(target, new AbortController().signal);
    for (const p of prepared.slice(0, WARMUP)) await session.flow(p);

    const pids = workerdPids(w.worker.pid);
    const both = () => pids.all.reduce((sum, pid) => sum + cpuMs(pid), 0);
    const own = () => cpuMs(pids.worker);
    const requestsBefore = w.worker.output().split('"msg":"request"').length;
    const cpu0 = both();
    const own0 = own();
    const t0 = performance.now();
    for (const p of prepared.slice(WARMUP)) await session.flow(p);
    const wallMs = performance.now() - t0;
    const cpu = both() - cpu0;
    const ownCpu = own() - own0;
    // The request log lines reach wrangler's output a little later than the responses.
    await new Promise((r) => setTimeout(r, 2000));
    const requests = w.worker.output().split('"msg":"request"').length - requestsBefore;

    // The fixed cost of a request: a static answer, and a nonce (one D1 insert).
    const simple = async (method: string, url: string, n = 200) => {
      const c0 = both();
      const o0 = own();
      for (let i = 0; i < n; i++) await (await fetch(url, { method, dispatcher: agent } as RequestInit)).arrayBuffer();
      return { both: (both() - c0) / n, own: (own() - o0) / n };
    };
    const healthz = await simple('GET', `${w.base}/healthz`);
    // Heavier single requests: a sign-up (argon2id in pure JS) and an AutoCSR order (RSA-2048 key generation).
    const heavy = async (n: number, one: (i: number) => Promise<Response>) => {
      const c0 = both();
      const o0 = own();
      for (let i = 0; i < n; i++) {
        const r = await one(i);
        if (r.status !== 201) throw new Error(`${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
      return { both: (both() - c0) / n, own: (own() - o0) / n };
    };
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${w.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const signup = await heavy(5, (i) => post('/api/v1/accounts', { email: `signup${i}@example.com`, password: 'correct horse battery staple' }));
    const autoCsr = await heavy(10, (i) => post('/api/v1/orders', { product: 'dv', domains: [`autocsr${i}.example.com`] }, eab.customerToken));
    const nonce = await simple('HEAD', `${w.base}/acme/new-nonce`);

    const ms = (x: { both: number; own: number }, digits = 1) => `${x.own.toFixed(digits)} ms (${x.both.toFixed(digits)} ms with wrangler's proxy)`;
    console.log(`Workers (wrangler dev --local, workerd + local D1): ${FLOWS} ACME flows, ${requests} requests; CPU of the Worker's workerd process`);
    console.log(`  flows/s                 ${(FLOWS / (wallMs / 1000)).toFixed(2)}`);
    console.log(`  CPU per ACME flow       ${ms({ own: ownCpu / FLOWS, both: cpu / FLOWS })}`);
    console.log(`  CPU per ACME request    ${ms({ own: ownCpu / requests, both: cpu / requests }, 2)}  (${(requests / FLOWS).toFixed(1)} requests per flow)`);
    console.log(`  GET /healthz            ${ms(healthz, 2)} each (200 requests)`);
    console.log(`  HEAD /acme/new-nonce    ${ms(nonce, 2)} each (200 requests)`);
    console.log(`  POST /api/v1/accounts   ${ms(signup, 0)} each (5 sign-ups: argon2id)`);
    console.log(`  POST /api/v1/orders     ${ms(autoCsr, 0)} each (10 AutoCSR orders: RSA-2048 key generation)`);
  } finally {
    await agent.close();
    await w.close();
    await http.stop();
  }
}

await main();
