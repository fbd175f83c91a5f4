import type { Logger } from '../../app/context.js';

/**
 * Field names that may carry a secret. Callers already pass only non-secret fields; this is the second
 * line: such a field is replaced by "[redacted]" rather than trusted.
 */
const SECRET_FIELD = /pass|secret|token|authori[sz]ation|cookie|private|hmac|^key$|unlock_?code$|ca_?reference|csr|body|headers|query/i;
const MAX_STRING = 200;

/** Keeps primitive values only (no objects, which could hold a request), redacts secret-looking names. */
export function safeFields(fields: Record<string, unknown> = {}): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (typeof v === 'string') out[k] = v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (v !== undefined) out[k] = `[${typeof v}]`;
  }
  return out;
}

/** One JSON line per event on the console (Workers Logs / `wrangler tail`). */
export function consoleLogger(sink: Pick<Console, 'log' | 'error'> = console): Logger {
  const line = (level: string, msg: string, fields?: Record<string, unknown>) =>
    JSON.stringify({ ...safeFields(fields), t: new Date().toISOString(), level, msg });
  return {
    info: (msg, fields) => sink.log(line('info', msg, fields)),
    error: (msg, fields) => sink.error(line('error', msg, fields)),
  };
}
