/**
 * Slows down guessing: failures are counted per key (an account, a client address) in the store, so every
 * instance sees them. Past a free allowance each further failure blocks the key for twice as long as the
 * one before, up to a ceiling; a blocked key is refused before any expensive check runs.
 */
import type { Clock } from './clock.js';
import type { ThrottleStore } from './store/types.js';
import { problems } from './problem.js';

export interface ThrottlePolicy {
  /** Failures allowed in a window before delays start. */
  free: number;
  /** Window after which counting starts again (ms). */
  windowMs: number;
  /** First delay (ms), doubled by each further failure. */
  baseDelayMs: number;
  /** Longest delay (ms). */
  maxDelayMs: number;
}

export class Throttle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly clock: Clock,
  ) {}

  /** Throws 429 with Retry-After when the key is blocked now. */
  async assertOpen(key: string, what: string): Promise<void> {
    const t = await this.store.get(key);
    const now = this.clock.now().getTime();
    if (t?.blockedUntil && t.blockedUntil.getTime() > now) {
      const seconds = Math.max(1, Math.ceil((t.blockedUntil.getTime() - now) / 1000));
      throw problems.tooManyRequests(`Too many failed ${what}; try again in ${seconds} s.`, seconds);
    }
  }

  async recordFailure(key: string, policy: ThrottlePolicy): Promise<void> {
    const now = this.clock.now();
    const prev = await this.store.get(key);
    const fresh = !prev || now.getTime() - prev.windowStart.getTime() > policy.windowMs;
    const failures = fresh ? 1 : prev.failures + 1;
    const over = failures - policy.free;
    const blockedUntil =
      over > 0 ? new Date(now.getTime() + Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(over - 1, 30))) : null;
    await this.store.put({ key, failures, windowStart: fresh ? now : prev.windowStart, blockedUntil });
  }

  async reset(key: string): Promise<void> {
    await this.store.delete(key);
  }
}

/** One account from one address: the lock-out a guesser meets; other addresses are not affected. */
export const LOGIN_PER_ACCOUNT_ADDRESS: ThrottlePolicy = { free: 5, windowMs: 15 * 60_000, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };
/** One account from everywhere: high, a ceiling on guessing spread over many addresses. */
export const LOGIN_PER_ACCOUNT: ThrottlePolicy = { free: 100, windowMs: 15 * 60_000, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };
export const LOGIN_PER_ADDRESS: ThrottlePolicy = { free: 20, windowMs: 15 * 60_000, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };
