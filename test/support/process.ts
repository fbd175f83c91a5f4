/** Stopping the servers the tests start as child processes (Unbound, Pebble, the SMTP sink, eabgate). */
import type { ChildProcess } from 'node:child_process';

/**
 * Asks `proc` to stop (SIGTERM, or `ask` for a process that stops otherwise) and kills it after `graceMs`;
 * resolves once it has exited (at once when it already has).
 */
export function stopProcess(proc: ChildProcess, graceMs = 3_000, ask: () => void = () => proc.kill('SIGTERM')): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    kill.unref();
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    ask();
  });
}
