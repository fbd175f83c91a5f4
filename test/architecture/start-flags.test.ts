/**
 * The environment and node flags of `npm start` (package.json "start") and of the Docker image (Dockerfile
 * ENV and CMD) are the same:
 * README "Memory" gives the measurements behind them, and a deployment by either path must run the server
 * as measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../support/start-command.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('node flags of the server', () => {
  it('are the same in package.json "start" and the Dockerfile ENV and CMD', () => {
    const start = startCommand(ROOT);
    expect(start).toBeDefined();
    const npmFlags = start!.flags;
    const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');

    // `ENV NAME=value NAME=value` lines of the final stage (after its last FROM).
    const stage = lines.slice(lines.findLastIndex((l) => l.startsWith('FROM ')));
    const dockerEnv = Object.fromEntries(
      stage
        .filter((l) => l.startsWith('ENV '))
        .flatMap((l) => l.slice(4).trim().split(/\s+/))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(start!.env).toEqual({ MALLOC_ARENA_MAX: '1' });
    for (const [name, value] of Object.entries(start!.env)) expect(dockerEnv[name]).toBe(value);

    const cmdLine = lines.find((l) => l.startsWith('CMD '));
    expect(cmdLine).toBeDefined();
    const cmd = JSON.parse(cmdLine!.slice(4)) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/node/server.mjs');
    expect(cmd.slice(1, -1)).toEqual(npmFlags);
    expect(npmFlags).toContain('--heap-growing-percent=10');
    expect(npmFlags).toContain('--single-threaded-gc');
    expect(npmFlags).toContain('--no-memory-reducer');
  });
});
