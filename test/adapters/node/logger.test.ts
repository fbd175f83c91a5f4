import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { jsonLogger, LOG_BUFFER_CHARS } from '../../../src/adapters/node/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capture(flushMs = 20) {
  const writes: { stream: 'out' | 'err'; text: string }[] = [];
  const log = jsonLogger({ out: (text) => writes.push({ stream: 'out', text }), err: (text) => writes.push({ stream: 'err', text }), flushMs });
  return { log, writes };
}

describe('jsonLogger', () => {
  it('writes a burst of info lines once, after the flush delay, as JSON lines in order', async () => {
    const { log, writes } = capture();
    for (let i = 0; i < 50; i++) log.info('request', { path: `/p/${i}`, status: 200 });
    expect(writes).toEqual([]);
    await sleep(60);
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).path)).toEqual(Array.from({ length: 50 }, (_, i) => `/p/${i}`));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'request', status: 200 });
    expect(Number.isNaN(Date.parse(JSON.parse(lines[0]!).t))).toBe(false);
  });

  it('writes pending info lines before an error line, and the error at once', () => {
    const { log, writes } = capture(10_000);
    log.info('first');
    log.error('broke', { error: 'TypeError' });
    expect(writes.map((w) => [w.stream, JSON.parse(w.text).msg])).toEqual([
      ['out', 'first'],
      ['err', 'broke'],
    ]);
  });

  it('writes at once when the pending lines reach the buffer size', () => {
    const { log, writes } = capture(10_000);
    const big = 'x'.repeat(1000);
    let n = 0;
    while (writes.length === 0) {
      log.info('big', { big });
      n++;
    }
    expect(writes[0]!.text.length).toBeGreaterThanOrEqual(LOG_BUFFER_CHARS);
    expect(writes[0]!.text.split('\n')).toHaveLength(n + 1);
  });

  it('flushes what is pending when the process exits', () => {
    const code = `
      const { jsonLogger } = await import(${JSON.stringify(new URL('../../../src/adapters/node/logger.ts', import.meta.url).href)});
      const log = jsonLogger({ flushMs: 60_000 });
      log.info('last words', { n: 1 });
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ level: 'info', msg: 'last words', n: 1 });
  });
});
