/**
 * The node flags of `npm start` (package.json "start") and of the Docker image (Dockerfile CMD) are the same:
 * README "Memory" gives the measurements behind them, and a deployment by either path must run the server
 * as measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../support/start-command.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('node flags of the server', () => {
  it('are the same in package.json "start" and the Dockerfile CMD', () => {
    const start = startCommand(ROOT);
    expect(start).toBeDefined();
    const npmFlags = start!.flags;

    const cmdLine = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('CMD '));
    expect(cmdLine).toBeDefined();
    const cmd = JSON.parse(cmdLine!.slice(4)) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/node/server.mjs');
    expect(cmd.slice(1, -1)).toEqual(npmFlags);
    expect(npmFlags).toContain('--heap-growing-percent=10');
  });
});
