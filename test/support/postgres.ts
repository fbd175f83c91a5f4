/**
 * A real PostgreSQL for tests: Debian's `postgresql` package (scripts/install-tools.sh), a fresh cluster
 * made by `initdb` in a temp dir and run by `pg_ctl`, listening on 127.0.0.1 on a free port (its Unix
 * socket in the temp dir too). PostgreSQL refuses to run as root: under root the cluster belongs to the
 * unprivileged `postgres` user and every tool runs through `runuser -u postgres`. Trust authentication on
 * loopback only, durability off (fsync, synchronous_commit): a test cluster, thrown away at `stop()`.
 *
 * `stopServer()`/`startServer()` take the server down and up again on the same port and data, for the
 * outage test; `database(name)` creates an empty database and returns its URL.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './server.js';

export interface TestPostgres {
  port: number;
  /** URL of the default database `eabgate`. */
  url: string;
  /** Creates database `name` (empty) and returns its URL. */
  database(name: string): Promise<string>;
  /** pg_ctl stop -m fast: every connection is cut. */
  stopServer(): void;
  startServer(): void;
  stop(): void;
  /** The postmaster's PID (its backends are its children): for CPU figures in benches. */
  postmasterPid(): number;
}

const POSTGRES_LIB = '/usr/lib/postgresql';

/** Where Debian put initdb and pg_ctl (the newest major version installed), or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(POSTGRES_LIB)) return undefined;
  const versions = readdirSync(POSTGRES_LIB)
    .filter((v) => existsSync(join(POSTGRES_LIB, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(POSTGRES_LIB, versions[0], 'bin');
}

export function postgresMissing(): string | undefined {
  return postgresBin() ? undefined : 'postgresql is not installed: run scripts/install-tools.sh';
}

const isRoot = () => process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(`${bin.split('/').pop()} ${args[0]}: exit ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const live = new Set<() => void>();
process.once('exit', () => {
  for (const stop of live) stop();
});

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresMissing());
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-pg-'));
  if (isRoot()) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'eabgate', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = [
    `-c listen_addresses=127.0.0.1`,
    `-c port=${port}`,
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const pgCtl = join(bin, 'pg_ctl');
  const startServer = () => void run(pgCtl, ['start', '-w', '-t', '30', '-D', data, '-l', join(dir, 'log'), '-o', options]);
  const stopServer = () => void run(pgCtl, ['stop', '-w', '-m', 'fast', '-D', data]);
  startServer();
  const stop = () => {
    live.delete(stop);
    try {
      run(pgCtl, ['stop', '-w', '-m', 'immediate', '-D', data]);
    } catch {
      /* already down */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(stop);
  const urlOf = (db: string) => `postgres://eabgate@127.0.0.1:${port}/${db}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: urlOf('postgres') });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin('create database eabgate');
  return {
    port,
    url: urlOf('eabgate'),
    async database(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}`);
      await admin(`create database ${name}`);
      return urlOf(name);
    },
    stopServer,
    startServer,
    stop,
    postmasterPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
  };
}

/** How many migrations drizzle-pg/ holds: a database migrated once has exactly this many rows in drizzle.__drizzle_migrations. */
export function pgMigrationCount(): number {
  const journal = JSON.parse(readFileSync(new URL('../../drizzle-pg/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}
