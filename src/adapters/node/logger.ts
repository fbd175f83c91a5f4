import type { Logger } from '../../app/context.js';

/** One JSON line per event on stdout/stderr. Callers pass only non-secret fields. */
export function jsonLogger(): Logger {
  const line = (level: string, msg: string, fields?: Record<string, unknown>) =>
    JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields });
  return {
    info: (msg, fields) => process.stdout.write(line('info', msg, fields) + '\n'),
    error: (msg, fields) => process.stderr.write(line('error', msg, fields) + '\n'),
  };
}
