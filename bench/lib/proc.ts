/**
 * What the benches and campaigns read about processes: their settings from the environment, and CPU time
 * and memory from Linux's /proc (the figures they print are ratios within one run, so /proc's tick
 * resolution is enough).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** A whole-number setting from the environment, at least `min`; the fallback when unset or empty. */
export function envInt(name: string, fallback: number, min = 1): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: a whole number ≥ ${min} is required, got "${v}"`);
  return n;
}

/** Clock ticks per second of /proc's CPU times. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface ProcStat {
  ppid: number;
  /** utime + stime, all threads (or the one thread asked for), in ms. */
  cpuMs: number;
  /** cutime + cstime: reaped children, in ms. */
  childrenMs: number;
}

/** A process's (or with `thread`, one thread's) figures from /proc/<pid>/stat; undefined when it is gone. */
export function procStat(pid: number | 'self', thread?: number): ProcStat | undefined {
  try {
    const text = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // After "pid (comm) " (comm may hold spaces and parentheses): state, ppid, …; utime, stime, cutime,
    // cstime are fields 14-17, at indexes 11-14.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ms = (i: number) => (Number(f[i]) * 1000) / CLK_TCK;
    return { ppid: Number(f[1]), cpuMs: ms(11) + ms(12), childrenMs: ms(13) + ms(14) };
  } catch {
    return undefined;
  }
}

/** CPU time in ms of a process (all threads), or of one of its threads; NaN when it is gone. */
export function cpuMs(pid: number | 'self', thread?: number): number {
  return procStat(pid, thread)?.cpuMs ?? NaN;
}

/** Memory in MiB from /proc/<pid>/status: VmRSS (now) or VmHWM (peak); NaN when the process is gone. */
export function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  if (pid === undefined) return NaN;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Per process, the highest VmHWM seen before a reset or before it ended (MB). */
const keptPeaks = new Map<number, number>();

/** The peak RSS of a process over its whole life so far, resets included (MB); after it ended, the last one kept. */
export function lifetimePeakMb(pid: number): number {
  const sinceReset = statusMb(pid, 'VmHWM');
  return Math.max(keptPeaks.get(pid) ?? 0, Number.isNaN(sinceReset) ? 0 : sinceReset);
}

/** Keeps the process's peak so far (call before it is stopped, so lifetimePeakMb still knows it after). */
export function keepPeak(pid: number): void {
  keptPeaks.set(pid, lifetimePeakMb(pid));
}

/**
 * Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes), keeping the peak before it for
 * lifetimePeakMb; false where the kernel does not allow it (VmHWM then covers the process's life).
 */
export function resetPeak(pid: number): boolean {
  keepPeak(pid);
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
