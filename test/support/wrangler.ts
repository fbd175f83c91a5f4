/**
 * The Workers build served by `wrangler dev --local` (workerd) over a local D1 that wrangler migrated:
 * started from node directly (detached, so the whole process group can be stopped), on 127.0.0.1 and a
 * free port, with the secret key in an env file rather than on the command line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export interface RunningWorker {
  base: string;
  dir: string;
  secretKey: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `secrets` are added to the env file beside the generated EABGATE_SECRET_KEY; `testScheduled` exposes
 * `GET /__scheduled` (wrangler's --test-scheduled), which runs the cron handler.
 */
export async function startWrangler(opts: { timeoutMs?: number; secrets?: Record<string, string>; testScheduled?: boolean } = {}): Promise<RunningWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-workers-'));
  const state = join(dir, 'state');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_LOG_PATH: join(dir, 'logs') };

  const migrate = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply: ${migrate.status}\n${migrate.stdout}\n${migrate.stderr}`);

  const secretKey = randomBytes(32).toString('hex');
  const envFile = join(dir, 'secrets.env');
  const lines = Object.entries({ EABGATE_SECRET_KEY: secretKey, EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128', ...opts.secrets }).map(([k, v]) => `${k}=${v}\n`);
  writeFileSync(envFile, lines.join(''), { mode: 0o600 });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--env-file', envFile, '--var', `EABGATE_BASE_URL:${base}`, ...(opts.testScheduled ? ['--test-scheduled'] : [])],
    { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  const stop = async () => {
    if (child.pid && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    try {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, dir, secretKey, output: () => output, stop };
}
