/**
 * The Worker's CPU per request (`npm run bench:workers`): complete ACME flows (new account with EAB, new
 * order, http-01 validation, finalize, download; bench/acme/client.ts) one after another against
 * `wrangler dev --local` (workerd over a local D1), the VA answering through a loopback DNS-over-HTTPS
 * responder and http-01 responder (test/support/workers-world.ts).
 *
 * wrangler dev does not show CPU time per request (deployed Workers do: Workers Logs and `wrangler tail`
 * give each invocation's cpuTime), so it is measured from outside: the utime+stime of the workerd
 * process (/proc/<pid>/stat) before and after the flows, divided by the flows and by the requests they
 * made (counted from the Worker's request log lines). That includes workerd's own HTTP and D1 (SQLite)
 * work, which a deployed Worker's CPU time does not count, so it is an upper bound. BENCH_FLOWS flows (default 30) after BENCH_WARMUP (default 5). Asserts nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { workersWorld } from '../../test/support/workers-world.js';
import { openTarget, prepare, Session } from '../acme/client.js';

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: a whole number ≥ 1 is required`);
  return n;
};
const FLOWS = envInt('BENCH_FLOWS', 30);
const WARMUP = envInt('BENCH_WARMUP', 5);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** The workerd process in wrangler's process group. */
function workerdPid(groupLeader: number): number {
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (comm === 'workerd' && pgrp === groupLeader) return Number(d);
    } catch {
      // gone
    }
  }
  throw new Error('no workerd process in wrangler’s group');
}

async function main(): Promise<void> {
  const http = await Http01Responder.start();
  // The bench makes one ACME account per flow: the per-subscription limits would stop it.
  const w = await workersWorld({ httpPort: http.port, secrets: { EABGATE_LIMIT_ACME_ACCOUNTS: 'off', EABGATE_LIMIT_ORDERS: 'off' } });
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  try {
    const eab = await w.provision('bench@example.com', 'enterprise');
    const names = Array.from({ length: WARMUP + FLOWS }, (_, i) => `flow${i}.bench.example.com`);
    for (const n of names) w.dns.set(n, 'A', ['127.0.0.1']);
    const prepared = await prepare(names);
    const target = await openTarget('eabgate-workers', w.directoryUrl, agent, eab, (t, k) => http.setToken(t, k), 20);
    const session = new Session(target, new AbortController().signal);
    for (const p of prepared.slice(0, WARMUP)) await session.flow(p);

    const workerd = workerdPid(w.worker.pid);
    const requestsBefore = w.worker.output().split('"msg":"request"').length;
    const cpu0 = cpuMs(workerd);
    const t0 = performance.now();
    for (const p of prepared.slice(WARMUP)) await session.flow(p);
    const wallMs = performance.now() - t0;
    const cpu = cpuMs(workerd) - cpu0;
    // The request log lines reach wrangler's output a little later than the responses.
    await new Promise((r) => setTimeout(r, 2000));
    const requests = w.worker.output().split('"msg":"request"').length - requestsBefore;

    // The fixed cost of a request: a static answer, and a nonce (one D1 insert).
    const simple = async (method: string, url: string, n = 200) => {
      const c0 = cpuMs(workerd);
      for (let i = 0; i < n; i++) await (await fetch(url, { method, dispatcher: agent } as RequestInit)).arrayBuffer();
      return (cpuMs(workerd) - c0) / n;
    };
    const healthz = await simple('GET', `${w.base}/healthz`);
    const nonce = await simple('HEAD', `${w.base}/acme/new-nonce`);

    console.log(`Workers (wrangler dev --local, workerd + local D1): ${FLOWS} ACME flows, ${requests} requests`);
    console.log(`  flows/s                 ${(FLOWS / (wallMs / 1000)).toFixed(2)}`);
    console.log(`  workerd CPU per flow    ${(cpu / FLOWS).toFixed(1)} ms`);
    console.log(`  workerd CPU per request ${(cpu / requests).toFixed(2)} ms  (${(requests / FLOWS).toFixed(1)} requests per flow)`);
    console.log(`  GET /healthz            ${healthz.toFixed(2)} ms CPU each (200 requests)`);
    console.log(`  HEAD /acme/new-nonce    ${nonce.toFixed(2)} ms CPU each (200 requests)`);
  } finally {
    await agent.close();
    await w.close();
    await http.stop();
  }
}

await main();
