/**
 * The least a request costs each server (`npm run bench:acme:floor`): server CPU per request, in µs, for
 * eabgate and Pebble and, as the baseline, a Node HTTPS server that does nothing but HTTP
 * (floor-baseline.mjs, started with the node flags and environment of package.json's "start"):
 * - GET of the directory: no signature, no database;
 * - POST-as-GET of the account: a JWS (ES256) to check, a nonce to consume and issue, the account to look up,
 *   the least that every signed ACME request costs. The baseline gets the same JWS and does not check it.
 * bench:acme:steps measures the requests of a flow; this separates what the runtime's HTTPS costs from what
 * the server adds. The same client (client.ts) drives all three with the same requests, so its load on the
 * machine, which slows the servers' own arithmetic on this 2-vCPU machine (an ES256 check costs about 50 µs
 * alone and 70–75 µs beside a busy neighbour), is the same for all three.
 *
 * BENCH_FLOOR_B_DIST=<server.mjs> adds a second eabgate, "eabgate B", that runs another compiled build (copy an
 * older dist/node inside this checkout, so that its packages resolve) in the same rotation, and the ratio
 * B / eabgate: the way to compare two builds' floors, since this machine's speed drifts between runs.
 *
 * BENCH_FLOOR_C client workers (16), one account each (made untimed). BENCH_ROUNDS rounds (4) after one
 * settling round: in each, every server runs BENCH_FLOOR_CHUNK requests (2000) of each kind, taking turns in
 * a rotating order (this machine's speed drifts between minutes). A server that completes nothing for
 * BENCH_STALL_SECONDS (30) ends the bench as a setup error. Asserts nothing; exits non-zero only on a setup
 * error; ends by itself; loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once, setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { freePort } from '../../test/support/server.js';
import { startCommand } from '../../test/support/start-command.js';
import { cpuMs, envInt } from '../lib/proc.js';
import { runBench, SetupError } from '../lib/main.js';
import { prepare, Session, type Account, type Target } from './client.js';
import { makeTls, PEBBLE, startEabgate, startPebble, type Server, type Tls } from './run.js';

const C = envInt('BENCH_FLOOR_C', 16);
const CHUNK = envInt('BENCH_FLOOR_CHUNK', 2000);
const ROUNDS = envInt('BENCH_ROUNDS', 4);
const STALL_SECONDS = envInt('BENCH_STALL_SECONDS', 30);
const B_DIST = process.env.BENCH_FLOOR_B_DIST;

const KINDS = ['GET directory', 'POST-as-GET account'] as const;
type Kind = (typeof KINDS)[number];

interface Side {
  name: string;
  pid: number;
  target: Target;
  workers: { session: Session; account: Account }[];
}

/** The baseline server, with npm start's node flags and environment. */
async function startBaseline(tls: Tls): Promise<{ proc: ChildProcess; target: Target }> {
  const start = startCommand();
  if (!start) throw new SetupError('package.json "start" is not a node command');
  const port = await freePort();
  const proc = spawn(process.execPath, [...start.flags, 'bench/acme/floor-baseline.mjs'], {
    env: { ...process.env, ...start.env, FLOOR_CERT: tls.cert, FLOOR_KEY: tls.key, FLOOR_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = once(proc.stdout!, 'data');
  const exited = once(proc, 'exit').then(() => {
    throw new SetupError('the baseline server ended before it listened');
  });
  await Promise.race([listening, exited]);
  exited.catch(() => undefined); // its stop at the end is no error
  const base = `https://127.0.0.1:${port}`;
  const target: Target = {
    name: 'Node HTTPS baseline',
    directoryUrl: `${base}/directory`,
    dir: { newNonce: `${base}/new-nonce`, newAccount: `${base}/new-account`, newOrder: `${base}/new-order` },
    agent: new Agent({ keepAliveTimeout: 60_000, connections: 32, connect: { ca: tls.ca } }),
    eabKid: '',
    eabKey: undefined as unknown as CryptoKey,
    publish: () => undefined,
    pollMs: 10,
  };
  return { proc, target };
}

/** `count` requests of `kind` from all workers at once; the server's CPU for them, ms. */
async function run(side: Side, kind: Kind, count: number, abort: AbortController): Promise<number> {
  let done = 0;
  let seen = -1;
  const watchdog = setInterval(() => {
    if (done === seen) abort.abort(new SetupError(`${side.name}: ${kind}: no request completed for ${STALL_SECONDS} s`));
    seen = done;
  }, STALL_SECONDS * 1000);
  const c0 = cpuMs(side.pid);
  let next = 0;
  try {
    await Promise.all(
      side.workers.map(async ({ session, account }) => {
        while (next++ < count) {
          if (kind === 'GET directory') {
            const r = await request(side.target.directoryUrl, { dispatcher: side.target.agent, signal: abort.signal });
            await r.body.text();
            if (r.statusCode !== 200) throw new SetupError(`${side.name}: GET directory: ${r.statusCode}`);
          } else {
            await session.post(account.key, account.kid, '', { kid: account.kid });
          }
          done++;
        }
      }),
    );
  } catch (err) {
    throw abort.signal.aborted ? abort.signal.reason : err;
  } finally {
    clearInterval(watchdog);
  }
  return cpuMs(side.pid) - c0;
}

/** One ES256 check with node:crypto in this process, µs (the machine otherwise idle): the arithmetic's share. */
function es256CheckMicros(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
  const data = new Uint8Array(400).fill(7);
  const signature = sign('sha256', data, privateKey);
  const n = 3000;
  for (let i = 0; i < 500; i++) verify('sha256', data, key, signature);
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) verify('sha256', data, key, signature);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / n;
}

const us = (ms: number) => (Number.isFinite(ms) ? (ms * 1000).toFixed(0) : '—');

async function main(): Promise<void> {
  if (!existsSync(PEBBLE)) throw new SetupError(`${PEBBLE} is missing; install it with \`bash scripts/install-tools.sh\``);
  if (B_DIST && !existsSync(B_DIST)) throw new SetupError(`BENCH_FLOOR_B_DIST: ${B_DIST} does not exist`);
  const checkMicros = es256CheckMicros();
  const dns = (await TestDnsServer.start()).cacheFor(300);
  const http = await Http01Responder.start();
  const tlsDir = mkdtempSync(join(tmpdir(), 'eabgate-bench-floor-'));
  const abort = new AbortController();
  setMaxListeners(C * 4, abort.signal);
  const servers: Pick<Server, 'name' | 'pid' | 'target' | 'stop'>[] = [];
  const sides: Side[] = [];
  try {
    const tls = makeTls(tlsDir);
    const baseline = await startBaseline(tls);
    servers.push({ name: baseline.target.name, pid: baseline.proc.pid!, target: baseline.target, stop: async () => void baseline.proc.kill('SIGTERM') });
    servers.push(await startEabgate(dns, http, tls));
    servers.push(await startPebble(dns, http, tls));
    if (B_DIST) servers.push(await startEabgate(dns, http, tls, { dist: B_DIST, name: 'eabgate B' }));
    for (const [i, server] of servers.entries()) {
      const keys = await prepare(Array.from({ length: C }, (_, w) => `w${w}.floor${i}.bench.example`));
      const workers = await Promise.all(
        keys.map(async (key, w) => {
          const session = new Session(server.target, abort.signal);
          // The baseline has no accounts: its "account" is a URL, and the JWS goes unchecked.
          const account = i === 0 ? { key, kid: `${server.target.directoryUrl.replace(/\/directory$/, '')}/acct/${w}` } : await session.account(key);
          return { session, account };
        }),
      );
      sides.push({ name: server.name, pid: server.pid, target: server.target, workers });
    }
    const figures = sides.map(() => KINDS.map(() => ({ cpu: 0, requests: 0 })));
    for (let round = -1; round < ROUNDS; round++) {
      for (const [k, kind] of KINDS.entries()) {
        for (let j = 0; j < sides.length; j++) {
          const i = (j + round + 1 + k) % sides.length;
          const cpu = await run(sides[i]!, kind, CHUNK, abort);
          if (round >= 0) {
            figures[i]![k]!.cpu += cpu;
            figures[i]![k]!.requests += CHUNK;
          }
        }
      }
      console.log(round < 0 ? 'settling round done' : `round ${round + 1} done`);
    }
    const per = (i: number, k: number) => figures[i]![k]!.cpu / figures[i]![k]!.requests;
    console.log(
      `\nServer CPU per request, µs (${ROUNDS} rounds of ${CHUNK} requests per server and kind, taking turns; ${C} client workers; ${cpus().length} CPUs)`,
    );
    console.log(`| request | Node HTTPS baseline | eabgate | Pebble |${B_DIST ? ' eabgate B |' : ''} eabgate − baseline | eabgate / Pebble |${B_DIST ? ' B / eabgate |' : ''}`);
    console.log(`|---|---|---|---|---|---|${B_DIST ? '---|---|' : ''}`);
    for (const [k, kind] of KINDS.entries()) {
      const [b, e, p] = [per(0, k), per(1, k), per(2, k)];
      const eb = B_DIST ? per(3, k) : NaN;
      console.log(
        `| ${kind} | ${us(b)} | ${us(e)} | ${us(p)} |${B_DIST ? ` ${us(eb)} |` : ''} ${us(e - b)} | ${(e / p).toFixed(2)} |${B_DIST ? ` ${(eb / e).toFixed(3)} |` : ''}`,
      );
    }
    if (B_DIST) console.log(`\neabgate B: ${B_DIST}`);
    console.log(`\nFor scale: one ES256 check with node:crypto cost ${checkMicros.toFixed(0)} µs of CPU in this process, before the servers started.`);
  } finally {
    abort.abort();
    for (const server of servers) await server.stop().catch(() => undefined);
    await Promise.all([dns.stop(), http.stop()]);
    rmSync(tlsDir, { recursive: true, force: true });
  }
}

runBench('bench:acme:floor', main);
