import { describe, expect, it } from 'vitest';
import { consoleLogger, safeFields } from '../../../src/adapters/workers/logger.js';

describe('Workers console logger', () => {
  it('keeps plain fields and redacts secret-looking ones', () => {
    expect(
      safeFields({ method: 'POST', status: 201, ms: 3, unlockCodes: 2, password: 'hunter2', token: 'egs_x', unlockCode: 'AAAA', caReference: 'r' }),
    ).toEqual({ method: 'POST', status: 201, ms: 3, unlockCodes: 2, password: '[redacted]', token: '[redacted]', unlockCode: '[redacted]', caReference: '[redacted]' });
  });

  it('never serialises objects, which could hold a request', () => {
    expect(safeFields({ req: { headers: { authorization: 'Bearer x' } }, list: ['a'] })).toEqual({ req: '[object]', list: '[object]' });
  });

  it('writes one JSON line; level and msg cannot be overridden by fields', () => {
    const lines: string[] = [];
    const log = consoleLogger({ log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) });
    log.info('request', { path: '/x', msg: 'spoofed', level: 'error' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'request', path: '/x' });
  });
});
