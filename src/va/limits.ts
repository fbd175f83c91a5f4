/**
 * Bounds on the VA's outbound work, so one customer's request cannot hold hundreds of sockets: a counting
 * semaphore (the process-wide limit of validations at once) and a bounded map (fan-out per request).
 * Pure, runtime-agnostic.
 */

/** Validations (http-01, dns-01, tls-alpn-01, CAA) in flight at once per process (per isolate on Workers). */
export const MAX_CONCURRENT_VALIDATIONS = 32;

/** Names of one order checked at once (tracking validate; src/ra/caa.ts has its own CAA_CONCURRENCY). */
export const ORDER_VALIDATION_CONCURRENCY = 4;

/** A counting semaphore; waiters are served first come, first served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a semaphore needs a limit of at least 1, got ${limit}`);
  }

  get inUse(): number {
    return this.active;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` only drops when nobody waits.
      if (next) next();
      else this.active--;
    }
  }
}

/** `fn` over `items`, at most `limit` at once; results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
