/**
 * File modes of the data directory on Node: the directory (and its subdirectories) 0700, every file in it
 * 0600 — the SQLite database with its -wal and -shm files, secret.key, upstream-account.sealed and
 * ca/root.pem alike (the root is public, served at /ca/root.pem, but nothing else on the host needs to
 * read the gateway's copy).
 *
 * New files are created with these modes (SQLite's database file is created here, empty, before SQLite
 * opens it: SQLite gives its -wal and -shm files the mode of the database file, so they follow). At start,
 * existing entries are tightened: group and other bits are removed, owner bits kept. Symbolic links are
 * left alone. Not on Windows, where modes mean nothing.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

const enforced = process.platform !== 'win32';

function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes group and other permissions from `path` when it has any (symbolic links untouched). */
export function tighten(path: string): void {
  if (!enforced) return;
  const st = statOf(path);
  if (!st || st.isSymbolicLink()) return;
  if (st.mode & 0o077) chmodSync(path, st.mode & 0o700);
}

/** Creates `dir` (and missing parents, those 0700 too) or tightens it. */
export function secureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  tighten(dir);
}

/** Creates `file` empty with mode 0600 unless it exists (then tightens it). */
export function precreateFile(file: string): void {
  if (enforced) closeSync(openSync(file, 'a', DATA_FILE_MODE));
  tighten(file);
}

/** The data directory and everything in it: directories 0700, files 0600 (group and other bits removed). */
export function secureDataDir(dataDir: string, depth = 3): void {
  secureDir(dataDir);
  if (!enforced) return;
  const walk = (dir: string, left: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      tighten(path);
      if (entry.isDirectory() && left > 0) walk(path, left - 1);
    }
  };
  walk(dataDir, depth);
}
