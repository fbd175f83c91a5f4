/** Starts the real Node server as a child process (node directly, so the PID is the server). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { get as httpsGet } from 'node:https';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './process.js';

/**
 * How the real server is started: the build `npm start` runs (dist/node/server.mjs) when it is newer than
 * every source file, as under `npm test` (its pretest builds it); otherwise the sources through tsx, so a
 * test run straight after an edit never runs stale code.
 */
export function serverArgs(): string[] {
  const built = 'dist/node/server.mjs';
  const newest = (p: string): number => {
    const st = statSync(p);
    return st.isDirectory() ? readdirSync(p).reduce((m, f) => Math.max(m, newest(join(p, f))), st.mtimeMs) : st.mtimeMs;
  };
  if (existsSync(built) && statSync(built).mtimeMs >= newest('src')) return ['--enable-source-maps', built];
  return ['--import', 'tsx', 'src/entry/node.ts'];
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `n` distinct free loopback ports. Every listener stays open until all are chosen: the kernel may hand a port
 * that was just closed out again, and a process given the same port twice fails to bind (Pebble did in CI).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** Start-up probe over HTTPS: the certificate is checked by the tests themselves, not here. */
function httpsProbe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsGet({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

export interface RunningServer {
  baseUrl: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = env.EABGATE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'eabgate-srv-'));
  let out = '';
  const proc = spawn(process.execPath, serverArgs(), {
    env: { ...process.env, EABGATE_HOST: '127.0.0.1', EABGATE_PORT: String(port), EABGATE_DATA_DIR: dataDir, EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const tls = env.EABGATE_TLS === 'auto' || env.EABGATE_TLS_CERT !== undefined;
  const baseUrl = env.EABGATE_BASE_URL ?? (tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${out}`);
    try {
      if (tls ? (await httpsProbe(port)) === 200 : (await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    port,
    dataDir,
    proc,
    output: () => out,
    stop: () => stopProcess(proc, 5_000),
  };
}
