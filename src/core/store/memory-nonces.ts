/**
 * The replay store of ACME nonces (AcmeNonceStore) held in this process's memory, for a deployment that is
 * one process: Node on its SQLite file. Consuming a nonce then writes nothing to the database; on the hot
 * path that was one insert per ACME request, the most frequent write of the service. Shared databases
 * (PostgreSQL for several instances, D1 behind many Workers isolates) keep the table, which is what makes a
 * nonce single use across instances.
 *
 * Single use still holds when this memory is not the whole story:
 * - `scope`, random per store, goes into every nonce's MAC (src/acme/server/nonces.ts). A nonce handed out
 *   by an earlier run of the process (whose use this memory never saw), or by another process on the same
 *   SQLite file, fails its MAC here: `badNonce`, and the client retries with the fresh nonce of that answer,
 *   as RFC 8555 §6.5 expects. Never a second acceptance.
 * - The map is bounded: when full, the entry recorded first is dropped and a floor on `expiresAt` (which
 *   grows with the nonce's issue time) rises above it, so a dropped nonce is never accepted again; unused
 *   nonces as old as it earn a badNonce and a retry.
 * Expired entries leave as new ones come (those recorded first expire first), and on purgeExpired.
 *
 * Compact, because a busy server holds up to MEMORY_NONCES_MAX entries (one per ACME request of the last
 * eleven minutes) in V8's heap, where every major GC walks them: 69 bytes and one object per entry instead
 * of 116 bytes and two (measured with 200,000 entries), so about 14 MB rather than 23 MB when full.
 * - The key is the nonce's last KEY_CHARS characters, a fresh 12-character string: for a nonce of
 *   src/acme/server/nonces.ts, 72 bits of its MAC, which a client cannot choose (the MAC is checked before a
 *   nonce gets here) and which two genuine nonces share with a chance of about n² / 2⁷³. The whole 44-character
 *   string would be kept otherwise.
 * - The value is `expiresAt` in whole seconds (rounded up) from the store's creation: a small integer, which
 *   V8 keeps inline, where milliseconds since the epoch need a heap number each. Times compared with it are
 *   rounded up too. So the floor also refuses unused nonces that expire in the same second as the last one
 *   dropped, and an entry may go less than a second before its `expiresAt`: harmless, since a nonce is
 *   refused by its age (src/acme/server/nonces.ts) a clock-skew allowance of a minute before that.
 */
import type { AcmeNonceStore } from './acme.js';

export const MEMORY_NONCES_MAX = 200_000;

/** Characters of a nonce kept as its key (under 13: V8 copies such a substring instead of pointing into the nonce). */
const KEY_CHARS = 12;

export class MemoryNonceStore implements AcmeNonceStore {
  /** key → expiresAt (s from `base`, rounded up); insertion order is the order nonces were used. */
  private readonly used = new Map<string, number>();
  private readonly base = Date.now();
  /** In the values' seconds: an `expiresAt` below it is refused. (Those seconds are negative for a clock behind the store's start.) */
  private floor = -Infinity;
  readonly scope = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

  /** `windowMs`: how long after its issue a nonce's `expiresAt` lies (the nonce window plus the clock-skew allowance). */
  constructor(
    private readonly windowMs: number,
    private readonly max = MEMORY_NONCES_MAX,
  ) {}

  private seconds(ms: number): number {
    return Math.ceil((ms - this.base) / 1000);
  }

  async markUsed(nonce: string, expiresAt: Date): Promise<boolean> {
    const until = this.seconds(expiresAt.getTime());
    const key = nonce.length > KEY_CHARS ? nonce.slice(-KEY_CHARS) : nonce;
    if (until < this.floor || this.used.has(key)) return false;
    this.dropExpired(this.seconds(expiresAt.getTime() - this.windowMs));
    if (this.used.size >= this.max) this.makeRoom();
    this.used.set(key, until);
    return true;
  }

  /**
   * Drops the entries, oldest first, that expired before `issuedAt` (the issue time of a nonce being used,
   * so not later than now; in the values' seconds): they can never be accepted again anyway.
   */
  private dropExpired(issuedAt: number): void {
    for (const [nonce, until] of this.used) {
      if (until > issuedAt) return;
      this.used.delete(nonce);
    }
  }

  async purgeExpired(now: Date): Promise<number> {
    const t = this.seconds(now.getTime());
    let n = 0;
    for (const [nonce, until] of this.used) {
      if (until > t) continue;
      this.used.delete(nonce);
      n++;
    }
    return n;
  }

  private makeRoom(): void {
    const [nonce, until] = this.used.entries().next().value!;
    this.used.delete(nonce);
    this.floor = Math.max(this.floor, until + 1);
  }

  get size(): number {
    return this.used.size;
  }
}
