/**
 * Server CPU per ACME request, request by request (`npm run bench:acme:steps`), for eabgate and, in the same
 * run, Pebble: where a flow's cost lies and which request costs more than Pebble's. bench:acme measures whole
 * flows; this splits them. Servers, client and DNS as in bench:acme (run.ts, client.ts).
 *
 * Each phase runs BENCH_STEPS_N flows per round of the bench's flow on reused accounts (one per client
 * worker, made untimed), cut short after the k-th request: 1 newOrder; 2 and the authorization; 3 and the http-01 challenge
 * with its validation (eabgate validates within the request, Pebble later: its polls are counted, as they are
 * part of its flow); 4 and finalize with the issuance (Pebble's polls again); 5 and the certificate download,
 * which is the whole flow. Two more phases: newAccount alone (with EAB; the key is new each time), and
 * POST-as-GET of one authorization over and over, the floor that every signed request pays (HTTPS, JWS
 * check, nonce, one look-up, JSON). A request's CPU is the difference between consecutive phases' CPU per
 * flow (utime+stime of the server process, all its threads).
 *
 * BENCH_STEPS_N: flows per phase and round (600). BENCH_STEPS_C: client workers (4 by default: Pebble 2.4
 * hangs more often at 16). BENCH_ROUNDS rounds (3): in each round the phases take turns in chunks of 100
 * flows, and each figure is the CPU summed over all chunks divided by the flows (a request of 0.3 ms then
 * rests on about 54 ticks of /proc's clock); the two servers alternate which goes first. One settling round
 * runs first and is left out (a server that sat idle through the other's warm-up pays for it in its next
 * phases). BENCH_WARMUP flows per server before that (1500, new account per flow, at BENCH_STEPS_C). A chunk
 * in which nothing completes for BENCH_STALL_SECONDS (15) is left out, and Pebble is restarted for the next.
 * The rounds end after BENCH_MAX_SECONDS (900) whatever happens, and the table then says how many ran.
 * BENCH_STEPS_ONLY=<phase>,<phase>: only those phases (by the names of the table, e.g.
 * "newAccount"), for a CPU profile of one request with BENCH_PROFILE_DIR (run.ts).
 * Asserts nothing; exits non-zero only on a setup error; ends by itself; loopback only.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { cpuMs, envInt } from '../lib/proc.js';
import { runBench, SetupError } from '../lib/main.js';
import { prepare, Session, type Account, type Prepared, type Target } from './client.js';
import { makeTls, PEBBLE, startEabgate, startPebble, type Server, type Tls } from './run.js';

const C = envInt('BENCH_STEPS_C', 4);
const N = envInt('BENCH_STEPS_N', 600);
/** Flows per turn of a phase (see main). */
const CHUNK = 100;
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const WARMUP = envInt('BENCH_WARMUP', 1500);
const STALL_SECONDS = envInt('BENCH_STALL_SECONDS', 15);
/** The rounds stop after this many seconds of them, and the table covers what ran (a Pebble that hangs often costs 15 s a chunk). */
const MAX_SECONDS = envInt('BENCH_MAX_SECONDS', 900);

/** Phases: the flow cut after `steps` requests, newAccount alone, or POST-as-GET of one authorization. */
const PHASES = [
  { name: 'newAccount', kind: 'account' },
  { name: 'POST-as-GET', kind: 'get' },
  { name: 'newOrder', kind: 'steps', steps: 1 },
  { name: 'authorization', kind: 'steps', steps: 2 },
  { name: 'challenge + validation', kind: 'steps', steps: 3 },
  { name: 'finalize + issuance', kind: 'steps', steps: 4 },
  { name: 'certificate', kind: 'steps', steps: 5 },
] as const;
type PhaseSpec = (typeof PHASES)[number];
const ONLY = process.env.BENCH_STEPS_ONLY?.split(',').map((s) => s.trim());
if (ONLY?.some((name) => !PHASES.some((p) => p.name === name))) {
  process.stderr.write(`bench:acme:steps: BENCH_STEPS_ONLY names a phase that does not exist; the phases: ${PHASES.map((p) => p.name).join(', ')}\n`);
  process.exit(2);
}
const SETTLE_ROUNDS = 1;

interface Side {
  server: Server;
  restart?: () => Promise<Server>;
  prepared: Prepared[];
  at: number;
}

const take = (side: Side, n: number): Prepared[] => {
  if (side.at + n > side.prepared.length) throw new SetupError(`${side.server.name}: the prepared names ran out`);
  return side.prepared.slice(side.at, (side.at += n));
};

/** The flow of client.ts on `acct`, stopped after `steps` requests (5: all of it). */
async function partialFlow(t: Target, session: Session, acct: Account, p: Prepared, steps: number): Promise<void> {
  const { key: a, kid } = acct;
  const created = await session.post(a, t.dir.newOrder, { identifiers: [{ type: 'dns', value: p.name }] }, { kid });
  if (steps < 2) return;
  const orderUrl = created.headers.location as string;
  const order = JSON.parse(created.body) as { authorizations: string[]; finalize: string };
  const authzUrl = order.authorizations[0]!;
  const authz = JSON.parse((await session.post(a, authzUrl, '', { kid })).body) as { challenges: { type: string; url: string; token: string }[] };
  if (steps < 3) return;
  const ch = authz.challenges.find((c) => c.type === 'http-01')!;
  t.publish(ch.token, `${ch.token}.${a.thumbprint}`);
  const answered = JSON.parse((await session.post(a, ch.url, {}, { kid })).body) as { status: string };
  if (answered.status !== 'valid') await session.poll(a, kid, authzUrl, (b) => b.status === 'valid');
  if (steps < 4) return;
  let fin = JSON.parse((await session.post(a, order.finalize, { csr: p.csr }, { kid })).body) as { status: string; certificate?: string };
  if (!(fin.status === 'valid' && fin.certificate)) fin = (await session.poll(a, kid, orderUrl, (b) => b.status === 'valid' && !!b.certificate)) as typeof fin;
  if (steps < 5) return;
  await session.post(a, fin.certificate!, '', { kid });
}

interface Measured {
  /** CPU ms of the server over the phase; NaN when it stalled. */
  cpu: number;
  cpuPerFlow: number;
  completed: number;
  failed: number;
  firstError?: string;
  stalled: boolean;
}

/** Runs `units` of work through C workers, each with its own Session; a watchdog gives up on a stalled server. */
async function measured(side: Side, units: number, setup: (session: Session, i: number) => Promise<(session: Session, n: number) => Promise<void>>): Promise<Measured> {
  const abort = new AbortController();
  setMaxListeners(C * 8, abort.signal);
  let lastDone = performance.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    if (performance.now() - lastDone > STALL_SECONDS * 1000) {
      stalled = true;
      abort.abort();
    }
  }, 250);
  try {
    const sessions = Array.from({ length: C }, () => new Session(side.server.target, abort.signal));
    const work = await Promise.all(sessions.map((s, i) => setup(s, i)));
    lastDone = performance.now();
    let next = 0;
    let completed = 0;
    let failed = 0;
    let firstError: string | undefined;
    const cpu0 = cpuMs(side.server.pid);
    await Promise.all(
      sessions.map(async (s, i) => {
        while (!abort.signal.aborted && next < units) {
          const n = next++;
          try {
            await work[i]!(s, n);
            completed++;
          } catch (err) {
            if (abort.signal.aborted) break;
            failed++;
            firstError ??= (err as Error).message;
          }
          lastDone = performance.now();
        }
      }),
    );
    const cpu = cpuMs(side.server.pid) - cpu0;
    return { cpu: stalled ? NaN : cpu, cpuPerFlow: !stalled && completed > 0 ? cpu / completed : NaN, completed, failed, firstError, stalled };
  } catch (err) {
    if (stalled) return { cpu: NaN, cpuPerFlow: NaN, completed: 0, failed: 0, stalled };
    throw err;
  } finally {
    clearInterval(watchdog);
  }
}

async function runPhase(side: Side, phase: PhaseSpec, N: number): Promise<Measured> {
  const t = side.server.target;
  if (phase.kind === 'account') {
    const keys = take(side, N);
    return measured(side, N, async () => async (s, n) => void (await s.account(keys[n]!)));
  }
  const accounts = take(side, C);
  if (phase.kind === 'get') {
    return measured(side, N, async (s, i) => {
      const acct = await s.account(accounts[i]!);
      const [p] = take(side, 1);
      const created = await s.post(acct.key, t.dir.newOrder, { identifiers: [{ type: 'dns', value: p!.name }] }, { kid: acct.kid });
      const authzUrl = (JSON.parse(created.body) as { authorizations: string[] }).authorizations[0]!;
      return async (session) => void (await session.post(acct.key, authzUrl, '', { kid: acct.kid }));
    });
  }
  const flows = take(side, N);
  return measured(side, N, async (s, i) => {
    const acct = await s.account(accounts[i]!);
    return (session, n) => partialFlow(t, session, acct, flows[n]!, phase.steps);
  });
}

const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

async function main(): Promise<void> {
  if (!existsSync(PEBBLE)) throw new SetupError(`${PEBBLE} is missing; install it with \`bash scripts/install-tools.sh\``);
  const dns = (await TestDnsServer.start()).cacheFor(300);
  const http = await Http01Responder.start();
  const tlsDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-steps-'));
  const sides: Side[] = [];
  try {
    const tls: Tls = makeTls(tlsDir);
    const perRound = PHASES.length * N + Math.ceil(N / CHUNK) * PHASES.length * 2 * C;
    const total = WARMUP + (SETTLE_ROUNDS + ROUNDS) * perRound;
    const pebbleSide = async (): Promise<Server> => startPebble(dns, http, tls);
    for (const [name, server, restart] of [
      ['eabgate', await startEabgate(dns, http, tls), undefined],
      ['pebble', await pebbleSide(), pebbleSide],
    ] as const) {
      const names = Array.from({ length: total }, (_, i) => `s${i}.${name}.bench.example`);
      for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
      sides.push({ server, restart, prepared: await prepare(names), at: 0 });
    }
    const restartIfStalled = async (side: Side, r: Measured) => {
      if (!r.stalled || !side.restart) return;
      await side.server.stop();
      side.server = await side.restart();
    };
    for (const side of sides) {
      const keys = take(side, WARMUP);
      const r = await measured(side, WARMUP, async () => async (s, n) => void (await s.flow(keys[n]!)));
      console.log(`warm-up ${side.server.name}: ${r.completed} flows${r.stalled ? ' (stalled)' : ''}${r.failed ? ` (${r.failed} failed: ${r.firstError})` : ''}`);
      await restartIfStalled(side, r);
    }
    // Phases take turns in chunks of CHUNK flows, and the sums over all chunks make the figures: this machine's
    // speed drifts by a fifth between minutes, and a phase run whole at one moment would carry that drift
    // into the differences between phases (a first version, which did so, got negative costs for some requests).
    const figures = sides.map(() => PHASES.map(() => ({ cpu: 0, flows: 0, stalled: 0 })));
    const chunks = Math.ceil(N / CHUNK);
    const deadline = performance.now() + MAX_SECONDS * 1000;
    let rounds = 0;
    for (let round = -SETTLE_ROUNDS; round < ROUNDS && performance.now() < deadline; round++) {
      for (let chunk = 0; chunk < chunks && performance.now() < deadline; chunk++) {
        for (const [p, phase] of PHASES.entries()) {
          if (ONLY && !ONLY.includes(phase.name)) continue;
          const order = (round + chunk + p) % 2 === 0 ? [0, 1] : [1, 0];
          for (const i of order) {
            const side = sides[i]!;
            const r = await runPhase(side, phase, Math.min(CHUNK, N - chunk * CHUNK));
            const f = figures[i]![p]!;
            if (r.stalled) {
              f.stalled++;
              console.log(`${side.server.name}: ${phase.name} stalled (restarted; the chunk is left out)`);
            } else if (round >= 0) {
              f.cpu += r.cpu;
              f.flows += r.completed;
            }
            if (r.failed) console.log(`${side.server.name}: ${phase.name}: ${r.failed} failed: ${r.firstError}`);
            await restartIfStalled(side, r);
          }
        }
      }
      const whole = performance.now() < deadline;
      if (round >= 0 && whole) rounds++;
      console.log(`${round < 0 ? 'settling round' : `round ${round + 1}`} ${whole ? 'done' : 'cut short'}`);
    }
    if (rounds < ROUNDS) console.log(`BENCH_MAX_SECONDS=${MAX_SECONDS} reached: ${rounds} whole rounds of ${ROUNDS}, the figures include the chunks that ran`);
    // Per request: the difference between consecutive cut-short flows (the first is newOrder alone).
    const perFlow = (i: number, p: number): number => figures[i]![p]!.cpu / figures[i]![p]!.flows;
    const perRequest = (i: number, p: number): number => {
      const phase = PHASES[p]!;
      if (phase.kind !== 'steps' || phase.steps === 1) return perFlow(i, p);
      return perFlow(i, p) - perFlow(i, p - 1);
    };
    const whole = (i: number) => perFlow(i, PHASES.length - 1);
    const stalls = figures[1]!.reduce((n, f) => n + f.stalled, 0);
    console.log(`\nServer CPU per request, ms (${ROUNDS} rounds of ${N} flows per phase in chunks of ${CHUNK}; ${C} client workers; ${cpus().length} CPUs; Pebble stalled and was restarted ${stalls} times)`);
    console.log('| request | eabgate | Pebble | eabgate / Pebble |');
    console.log('|---|---|---|---|');
    for (const [p, phase] of PHASES.entries()) {
      const [e, pb] = [perRequest(0, p), perRequest(1, p)];
      console.log(`| ${phase.name} | ${f2(e)} | ${f2(pb)} | ${f2(e / pb)} |`);
    }
    const [we, wp] = [whole(0), whole(1)];
    console.log(`| whole flow, account reused | ${f2(we)} | ${f2(wp)} | ${f2(we / wp)} |`);
    const [ne, np] = [we + perRequest(0, 0), wp + perRequest(1, 0)];
    console.log(`| whole flow with a new account (sum) | ${f2(ne)} | ${f2(np)} | ${f2(ne / np)} |`);
  } finally {
    for (const side of sides) await side.server.stop().catch(() => undefined);
    await Promise.all([dns.stop(), http.stop()]);
    rmSync(tlsDir, { recursive: true, force: true });
  }
}

runBench('bench:acme:steps', main);
