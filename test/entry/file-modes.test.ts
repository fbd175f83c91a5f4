/**
 * File modes of the data directory on Node (issue 9): the directory 0700, every file in it 0600 — the
 * SQLite database and its -wal/-shm, secret.key, ca/root.pem, upstream-account.sealed — for a new data
 * directory and for one left with loose modes by an older version (tightened at start). The real server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../support/server.js';

const posix = process.platform !== 'win32';
let srv: RunningServer | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every entry under `dir` with its mode, for the failure message. */
function modes(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out[prefix + e.name] = mode(p).toString(8);
    if (e.isDirectory()) Object.assign(out, modes(p, `${prefix}${e.name}/`));
  }
  return out;
}

function expectPrivate(dataDir: string, files: string[]) {
  const seen = modes(dataDir);
  expect(mode(dataDir).toString(8)).toBe('700');
  for (const f of files) expect(seen[f], `${f} in ${JSON.stringify(seen)}`).toBeDefined();
  for (const [name, m] of Object.entries(seen)) {
    const isDir = statSync(join(dataDir, name)).isDirectory();
    expect(`${name} ${m}`).toBe(`${name} ${isDir ? '700' : '600'}`);
  }
}

describe.skipIf(!posix)('data directory modes', () => {
  it('a new data directory: 0700, and every file the server creates 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'eabgate-modes-'));
    const dataDir = join(parent, 'data');
    srv = await startServer({ EABGATE_DATA_DIR: dataDir });
    // Make SQLite write (the WAL grows) before looking.
    const r = await fetch(`${srv.baseUrl}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'modes@example.com', password: 'correct horse battery staple' }),
    });
    expect(r.status).toBe(201);
    expectPrivate(dataDir, ['eabgate.db', 'eabgate.db-wal', 'eabgate.db-shm', 'secret.key', 'ca', 'ca/root.pem']);
    // Served as before.
    expect((await fetch(`${srv.baseUrl}/ca/root.pem`)).status).toBe(200);
  });

  it('an existing data directory with loose modes is tightened at start', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'eabgate-modes-'));
    const dataDir = join(parent, 'data');
    srv = await startServer({ EABGATE_DATA_DIR: dataDir });
    await srv.stop();
    srv = undefined;
    // As an older version (or a careless copy) left it.
    writeFileSync(join(dataDir, 'upstream-account.sealed'), 'v1.x.y\n', { mode: 0o644 });
    mkdirSync(join(dataDir, 'extra'), { mode: 0o755 });
    for (const f of ['eabgate.db', 'secret.key', 'ca/root.pem', 'upstream-account.sealed']) chmodSync(join(dataDir, f), 0o644);
    for (const d of ['', 'ca', 'extra']) chmodSync(join(dataDir, d), 0o755);
    srv = await startServer({ EABGATE_DATA_DIR: dataDir });
    expectPrivate(dataDir, ['eabgate.db', 'eabgate.db-wal', 'eabgate.db-shm', 'secret.key', 'ca/root.pem', 'upstream-account.sealed', 'extra']);
  });
});
