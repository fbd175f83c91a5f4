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
 */
import type { AcmeNonceStore } from './acme.js';

export const MEMORY_NONCES_MAX = 200_000;

export class MemoryNonceStore implements AcmeNonceStore {
  /** nonce → expiresAt (ms); insertion order is the order nonces were used. */
  private readonly used = new Map<string, number>();
  private floor = 0;
  readonly scope = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

  /** `windowMs`: how long after its issue a nonce's `expiresAt` lies (the nonce window plus the clock-skew allowance). */
  constructor(
    private readonly windowMs: number,
    private readonly max = MEMORY_NONCES_MAX,
  ) {}

  async markUsed(nonce: string, expiresAt: Date): Promise<boolean> {
    const until = expiresAt.getTime();
    if (until < this.floor || this.used.has(nonce)) return false;
    this.dropExpired(until - this.windowMs);
    if (this.used.size >= this.max) this.makeRoom();
    this.used.set(nonce, until);
    return true;
  }

  /**
   * Drops the entries, oldest first, that expired before `issuedAt` (the issue time of a nonce being used,
   * so not later than now): they can never be accepted again anyway.
   */
  private dropExpired(issuedAt: number): void {
    for (const [nonce, until] of this.used) {
      if (until > issuedAt) return;
      this.used.delete(nonce);
    }
  }

  async purgeExpired(now: Date): Promise<number> {
    const t = now.getTime();
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
