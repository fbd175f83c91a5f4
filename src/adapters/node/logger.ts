import type { Logger } from '../../app/context.js';

/** How long an info line may wait for others to share its write, ms. */
export const LOG_FLUSH_MS = 50;
/** Pending info lines are written at once when they reach this size, bytes (UTF-16 code units). */
export const LOG_BUFFER_CHARS = 64 * 1024;

/** The loggers of this process, flushed once when it exits (one 'exit' listener however many apps it runs). */
const loggers = new Set<WeakRef<{ flush(): void }>>();
let exitHooked = false;
function flushAtExit(logger: { flush(): void }): void {
  loggers.add(new WeakRef(logger));
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const ref of loggers) ref.deref()?.flush();
  });
}

export interface JsonLoggerOptions {
  /** Where info lines go (default: stdout). */
  out?: (text: string) => void;
  /** Where error lines go (default: stderr). */
  err?: (text: string) => void;
  flushMs?: number;
}

/**
 * One JSON line per event. Callers pass only non-secret fields.
 *
 * Info lines (one per request) are written together: the first line of a batch starts a LOG_FLUSH_MS timer
 * and the batch goes out in one write when it fires, when it reaches LOG_BUFFER_CHARS, before any error
 * line (so the two streams keep their order when they share a file), and when the process exits. Node
 * writes stdout synchronously to files and pipes, one system call per write: a line per request cost
 * the ACME hot path about 40 µs each, most of it that call. A SIGKILL loses at most LOG_FLUSH_MS of
 * info lines; error lines are written at once.
 */
export function jsonLogger(opts: JsonLoggerOptions = {}): Logger & { flush(): void } {
  const out = opts.out ?? ((text: string) => process.stdout.write(text));
  const err = opts.err ?? ((text: string) => process.stderr.write(text));
  const flushMs = opts.flushMs ?? LOG_FLUSH_MS;
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const line = (level: string, msg: string, fields?: Record<string, unknown>) =>
    JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n';
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    out(text);
  };
  const logger: Logger & { flush(): void } = {
    info(msg, fields) {
      pending += line('info', msg, fields);
      if (pending.length >= LOG_BUFFER_CHARS) flush();
      else if (timer === undefined) {
        timer = setTimeout(flush, flushMs);
        timer.unref?.();
      }
    },
    error(msg, fields) {
      flush();
      err(line('error', msg, fields));
    },
    flush,
  };
  flushAtExit(logger);
  return logger;
}
