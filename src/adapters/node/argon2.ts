import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Argon2idFn, Argon2Params } from '../../core/secrets/password.js';
import { domainErrors } from '../../core/errors.js';

/**
 * argon2id on Node through hash-wasm (WebAssembly): about 5x faster than pure JS. On the calling thread.
 * hash-wasm is imported on first use: the default (worker threads, argon2-worker.mjs) never needs it here.
 */
export const hashWasmArgon2id: Argon2idFn = async (password, salt, params, dkLen) =>
  (await import('hash-wasm')).argon2id({
    password,
    salt,
    parallelism: params.p,
    iterations: params.t,
    memorySize: params.m,
    hashLength: dkLen,
    outputType: 'binary',
  });

interface Job {
  id: number;
  password: Uint8Array;
  salt: Uint8Array;
  params: Argon2Params;
  dkLen: number;
  resolve: (dk: Uint8Array) => void;
  reject: (err: Error) => void;
}

export interface Argon2PoolOptions {
  /** Worker threads (each hashes one password at a time). */
  size: number;
  /** Jobs waiting for a thread; one more is refused (429 + Retry-After) instead of waiting for ever. */
  maxQueue: number;
  /**
   * How long a thread may sit idle before it is ended (ms; default IDLE_THREAD_MS). An idle thread is not
   * free: its V8 isolate plus the WebAssembly memory argon2id grew to (m = 19 MiB, never shrunk) hold about
   * 35 MB of RSS, for a hash the server needs at a sign-up or a log-in, not on the ACME path.
   */
  idleMs?: number;
}

/** Idle threads end after this long: a burst of log-ins reuses them, a quiet server gives the memory back. */
export const IDLE_THREAD_MS = 5_000;

export const defaultPoolSize = (): number => Math.max(1, Math.min(2, availableParallelism()));

/**
 * argon2id on a bounded pool of worker threads: the event loop keeps answering (health checks, other
 * requests) while passwords are hashed. Same function, same parameters, same output as hashWasmArgon2id.
 * Threads start on first use, never keep the process alive when idle, and end after idleMs without work.
 */
export class Argon2Pool {
  private readonly idle: Worker[] = [];
  private readonly idleTimers = new Map<Worker, ReturnType<typeof setTimeout>>();
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly options: Argon2PoolOptions) {
    if (options.size < 1) throw new Error('Argon2Pool: size must be at least 1');
  }

  /** The pool as an Argon2idFn for argon2idHasher. */
  readonly argon2id: Argon2idFn = (password, salt, params, dkLen) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (this.closed) return reject(new Error('Argon2Pool: closed'));
      const job: Job = { id: this.nextId++, password, salt, params, dkLen, resolve, reject };
      const worker = this.takeIdle() ?? (this.busy.size < this.options.size ? this.spawn() : undefined);
      if (worker) return this.dispatch(worker, job);
      if (this.queue.length >= this.options.maxQueue) {
        return reject(domainErrors.rateLimited('The server is busy checking passwords; try again in a moment.', 1));
      }
      this.queue.push(job);
    });

  /** Threads running now (for tests). */
  get threads(): number {
    return this.idle.length + this.busy.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('Argon2Pool: closed'));
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const all = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    // execArgv []: the worker is plain JavaScript and needs none of the parent's loaders.
    const worker = new Worker(new URL('./argon2-worker.mjs', import.meta.url), { execArgv: [] });
    worker.unref();
    worker.on('message', (msg: { id: number; dk?: Uint8Array; error?: string }) => {
      const job = this.busy.get(worker);
      if (!job || job.id !== msg.id) return;
      this.busy.delete(worker);
      if (msg.dk) job.resolve(new Uint8Array(msg.dk));
      else job.reject(new Error(`argon2id failed: ${msg.error ?? 'unknown error'}`));
      this.release(worker);
    });
    const lost = (err: Error) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.forgetIdle(worker);
      job?.reject(err);
      // A waiting job gets a fresh thread.
      if (!this.closed && this.queue.length) this.dispatch(this.spawn(), this.queue.shift()!);
    };
    worker.on('error', (err) => lost(err));
    worker.on('exit', (code) => {
      if (this.busy.has(worker) || this.idle.includes(worker)) lost(new Error(`argon2id worker exited (${code})`));
    });
    return worker;
  }

  private dispatch(worker: Worker, job: Job): void {
    this.busy.set(worker, job);
    // Kept alive while it works; unref'd again when idle.
    worker.ref();
    worker.postMessage({ id: job.id, password: job.password, salt: job.salt, m: job.params.m, t: job.params.t, p: job.params.p, dkLen: job.dkLen });
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    if (next) return this.dispatch(worker, next);
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => this.retire(worker), this.options.idleMs ?? IDLE_THREAD_MS);
    timer.unref?.();
    this.idleTimers.set(worker, timer);
  }

  /** The most recently used idle thread, its idle timer stopped. */
  private takeIdle(): Worker | undefined {
    const worker = this.idle.pop();
    if (worker) this.stopIdleTimer(worker);
    return worker;
  }

  /** Ends a thread that stayed idle for idleMs; the next job starts a fresh one. */
  private retire(worker: Worker): void {
    this.idleTimers.delete(worker);
    if (!this.idle.includes(worker)) return;
    this.forgetIdle(worker);
    void worker.terminate();
  }

  private forgetIdle(worker: Worker): void {
    this.stopIdleTimer(worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private stopIdleTimer(worker: Worker): void {
    const timer = this.idleTimers.get(worker);
    if (timer !== undefined) clearTimeout(timer);
    this.idleTimers.delete(worker);
  }
}

const shared = new Map<number, Argon2Pool>();

/** One pool per process and size: hashing has no state, so every app in the process can share it. */
export function sharedArgon2Pool(size: number = defaultPoolSize()): Argon2Pool {
  let pool = shared.get(size);
  if (!pool) {
    pool = new Argon2Pool({ size, maxQueue: 16 * size });
    shared.set(size, pool);
  }
  return pool;
}
