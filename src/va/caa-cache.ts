/**
 * CAA answers kept for as long as DNS lets them be kept, so that the climb of every order's names does not
 * ask the resolver again for parents it asked a moment ago ("example.com", "com": for names under one zone,
 * all but the first label's look-up are the same from one order to the next).
 *
 * What is kept, and for how long (never longer than `maxSeconds`):
 * - a CAA RRset: the smallest TTL of the answer's records (RFC 1035 §3.2.1);
 * - "no CAA here" (NODATA, NXDOMAIN): the negative-caching TTL of RFC 2308 §5, min(SOA TTL, SOA MINIMUM) of
 *   the SOA in the answer's authority section; a negative answer without one is not kept (RFC 2308 §5);
 * - failures (SERVFAIL, timeouts, DNSSEC failures): never, so the next check asks again;
 * - a TTL of 0: not kept (RFC 1035 §3.2.1: the answer is for the transaction in progress).
 * The Baseline Requirements (§3.2.2.8) let a CA rely on a CAA answer for its TTL (or 8 hours, if longer), so
 * honouring the TTL is within them; the cap keeps a record that was just published from waiting that long.
 *
 * The resolver (a local validating Unbound, say) caches as well; this cache saves the round trip to it, which
 * on the ACME hot path cost more CPU than the CAA logic itself. Bounded: the entry stored first goes when full.
 */
import type { CaaRecord, DnsLookup } from './ports.js';
import { CAA_CACHE_SECONDS } from '../core/config.js';
import { systemClock, type Clock } from '../core/clock.js';

/**
 * Most entries are the first name of one order's climb, asked once; the parents they share are put again
 * whenever they expire. A small bound keeps the unique names from holding memory: 2,000 negative answers
 * are about 350 KB of heap (176 bytes each, measured), and at 100 orders a second a parent is evicted at
 * most every 20 s, to be asked once more.
 */
export const CAA_CACHE_ENTRIES = 2_000;

type Answer = DnsLookup<CaaRecord>;

export class CaaCache {
  private readonly entries = new Map<string, { answer: Answer; expires: number }>();

  constructor(
    private readonly maxSeconds: number = CAA_CACHE_SECONDS,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries: number = CAA_CACHE_ENTRIES,
  ) {}

  /** The kept answer for `name` (normalized), if it has not expired. */
  get(name: string): Answer | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    if (this.clock.now().getTime() < e.expires) return e.answer;
    this.entries.delete(name);
    return undefined;
  }

  /** Keeps `answer` when DNS says it may be kept (its `ttl`, in seconds, above 0). */
  put(name: string, answer: Answer): void {
    if (answer.status === 'failed' || !answer.ttl || this.maxSeconds <= 0) return;
    const seconds = Math.min(answer.ttl, this.maxSeconds);
    this.entries.delete(name);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(name, { answer, expires: this.clock.now().getTime() + seconds * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}
