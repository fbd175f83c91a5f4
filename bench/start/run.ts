/**
 * `npm run bench:start`: how the compiled server starts. Builds dist/node (scripts/build-server.mjs), then
 * starts `node dist/node/server.mjs` BENCH_START_RUNS times (default 5) on a fresh SQLite data dir and once
 * more on that data dir as it was left (the usual restart: keys, CA and database exist), and the same number
 * of times a bare node:http server started the same way (node called directly, so the PID is the server's),
 * eabgate with the node flags of its package.json "start". Per run: wall time from spawn to the first 200 on /healthz, the process's CPU (utime+stime
 * from /proc/<pid>/stat) at that moment, and VmRSS after 2 s idle. Prints medians and the ratio
 * eabgate/bare within this run (the machine is shared: compare ratios, not absolute times).
 * BENCH_START_COMPARE=<checkout with its own dist/node> also starts that build, interleaved, as a third
 * column (e.g. an older commit, for before/after in one run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, statusMb as rssMb } from '../lib/proc.js';
import { startCommand } from '../../test/support/start-command.js';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const IDLE_MS = 2000;
/** The environment and node flags of a checkout's `npm start` (package.json "start": `[NAME=value …] node <flags> <script>`), for its server. */
function startSettings(cwd: string): { env: Record<string, string>; flags: string[] } {
  const start = startCommand(cwd);
  return { env: start?.env ?? {}, flags: start?.flags.filter((w) => w.startsWith('-')) ?? [] };
}
const BARE = "require('http').createServer((q,s)=>s.end('ok')).listen(Number(process.env.EABGATE_PORT),'127.0.0.1')";

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startOnce(args: string[], extraEnv: Record<string, string>, cwd = process.cwd(), dataDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-start-')), keep = false): Promise<Sample> {
  const port = await freePort();
  const env = { ...process.env, ...extraEnv, EABGATE_HOST: '127.0.0.1', EABGATE_PORT: String(port), EABGATE_DATA_DIR: dataDir, EABGATE_BASE_URL: `http://127.0.0.1:${port}` };
  const started = performance.now();
  const proc = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`no healthy /healthz within 60 s: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (r.body?.cancel(), r.ok), () => false);
      if (ok) break;
      await sleep(10);
    }
    const wallMs = performance.now() - started;
    const cpu = cpuMs(proc.pid!);
    await sleep(IDLE_MS);
    return { wallMs, cpuMs: cpu, rssMb: rssMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const COMPARE = process.env.BENCH_START_COMPARE;
const ADMIN = { EABGATE_ADMIN_TOKEN: 'bench-start-admin-token-0123456789abcdef' };
const eabgate: Sample[] = [];
const eabgateAgain: Sample[] = [];
const bare: Sample[] = [];
const other: Sample[] = [];
const otherAgain: Sample[] = [];
/** A fresh start, then a start on the data dir it left. */
async function twice(cwd: string, first: Sample[], again: Sample[]): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-start-'));
  try {
    const start = startSettings(cwd);
    const args = [...start.flags, 'dist/node/server.mjs'];
    const env = { ...start.env, ...ADMIN };
    first.push(await startOnce(args, env, cwd, dataDir, true));
    again.push(await startOnce(args, env, cwd, dataDir, true));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
// Interleaved, so that a change in the machine's load touches both alike.
for (let i = 0; i < RUNS; i++) {
  await twice(process.cwd(), eabgate, eabgateAgain);
  bare.push(await startOnce(['-e', BARE], {}));
  if (COMPARE) await twice(COMPARE, other, otherAgain);
}

const kib = (f: string) => Math.round(statSync(f).size / 1024);
const sizes = spawnSync('sh', ['-c', 'ls dist/node/*.mjs'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
const row = (name: string, pick: (s: Sample) => number, digits = 0, again = false) => {
  const a = median((again ? eabgateAgain : eabgate).map(pick));
  const b = median(bare.map(pick));
  const o = COMPARE ? median((again ? otherAgain : other).map(pick)) : NaN;
  const cmp = COMPARE ? ` ${o.toFixed(digits)} | ${(o / b).toFixed(2)} |` : '';
  return `| ${name} | ${a.toFixed(digits)} | ${b.toFixed(digits)} | ${(a / b).toFixed(2)} |${cmp}`;
};
console.log(`\nbench:start: median of ${RUNS} starts each, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
console.log(`| | eabgate | bare node:http | ratio |${COMPARE ? ` ${COMPARE} | its ratio |` : ''}`);
console.log(`|---|---|---|---|${COMPARE ? '---|---|' : ''}`);
console.log(row('fresh data dir: start to healthy, ms', (s) => s.wallMs));
console.log(row('fresh data dir: server CPU until healthy, ms', (s) => s.cpuMs));
console.log(row('fresh data dir: idle RSS 2 s after healthy, MB', (s) => s.rssMb, 1));
console.log(row('existing data dir: start to healthy, ms', (s) => s.wallMs, 0, true));
console.log(row('existing data dir: server CPU until healthy, ms', (s) => s.cpuMs, 0, true));
console.log(row('existing data dir: idle RSS 2 s after healthy, MB', (s) => s.rssMb, 1, true));
console.log(`\ndist/node: ${sizes.map((f) => `${f.replace('dist/node/', '')} ${kib(f)} KiB`).join(', ')}`);
