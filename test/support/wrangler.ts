/**
 * The Workers build served by `wrangler dev --local` (workerd) over a local D1 that wrangler migrated:
 * started from node directly (detached, so the whole process group can be stopped), on 127.0.0.1 and a
 * free port, with the secret key in an env file rather than on the command line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { freePorts } from './server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

/**
 * A local D1 state directory with every migration applied by `wrangler d1 migrations apply --local`, made
 * once per set of migration files and copied for each Worker: wrangler starts workerd once per migration
 * (about 15 s for all of them), which every test file would otherwise pay. Made under a temporary name and
 * renamed, so test files starting at once never see half of one.
 */
function migratedD1(env: NodeJS.ProcessEnv): string {
  const migrations = join(ROOT, 'drizzle');
  const hash = createHash('sha256');
  for (const f of readdirSync(migrations).filter((n) => n.endsWith('.sql')).sort()) hash.update(f).update(readFileSync(join(migrations, f)));
  const template = join(tmpdir(), `eabgate-d1-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(`${template}-building-`);
  const migrate = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', building], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply: ${migrate.status}\n${migrate.stdout}\n${migrate.stderr}`);
  try {
    renameSync(building, template);
  } catch {
    // Another test file made it first.
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

export interface RunningWorker {
  base: string;
  /** wrangler's process (leader of the group that holds workerd). */
  pid: number;
  dir: string;
  secretKey: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `secrets` are added to the env file beside the generated EABGATE_SECRET_KEY; `processEnv` is added to
 * wrangler's own environment (e.g. NODE_EXTRA_CA_CERTS, which workerd's fetch trusts); `testScheduled` exposes
 * `GET /__scheduled` (wrangler's --test-scheduled), which runs the cron handler.
 */
export async function startWrangler(
  opts: { timeoutMs?: number; secrets?: Record<string, string>; processEnv?: Record<string, string>; testScheduled?: boolean } = {},
): Promise<RunningWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-workers-'));
  const state = join(dir, 'state');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_LOG_PATH: join(dir, 'logs'), ...opts.processEnv };

  cpSync(migratedD1(env), state, { recursive: true });

  const secretKey = randomBytes(32).toString('hex');
  const envFile = join(dir, 'secrets.env');
  const lines = Object.entries({ EABGATE_SECRET_KEY: secretKey, EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128', ...opts.secrets }).map(([k, v]) => `${k}=${v}\n`);
  writeFileSync(envFile, lines.join(''), { mode: 0o600 });

  // Its own inspector port too: two wranglers starting at once would both take the default 9229.
  const [port, inspectorPort] = (await freePorts(2)) as [number, number];
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', state, '--env-file', envFile, '--var', `EABGATE_BASE_URL:${base}`, ...(opts.testScheduled ? ['--test-scheduled'] : [])],
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
  return { base, pid: child.pid!, dir, secretKey, output: () => output, stop };
}
