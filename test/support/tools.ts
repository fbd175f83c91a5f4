/** Real command-line tools the tests drive: 7-Zip and OpenSSL (installed by scripts/install-tools.sh). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function sevenZip(): string {
  for (const bin of ['7zz', '7z']) {
    if (spawnSync('which', [bin]).status === 0) return bin;
  }
  throw new Error('7-Zip is not installed: run scripts/install-tools.sh');
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string | Uint8Array): Run {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function openssl(args: string[], input?: string): Run {
  return run('openssl', args, input);
}

export const hasTool = (p: string) => existsSync(p);
