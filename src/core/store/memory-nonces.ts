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
 * - The store is bounded: when full, the entry recorded first is dropped and a floor on `expiresAt` (which
 *   grows with the nonce's issue time) rises above it, so a dropped nonce is never accepted again; unused
 *   nonces as old as it earn a badNonce and a retry.
 * Expired entries leave as new ones come (those recorded first expire first), and on purgeExpired.
 *
 * Compact, because a busy server holds up to MEMORY_NONCES_MAX entries (one per ACME request of the last
 * eleven minutes): typed arrays outside V8's heap, which no GC walks, 12 bytes per entry in the ring and an
 * index at most half full. Full (200,000 entries) that is 4.4 MB; a Map of 12-character strings took 69 bytes
 * and one heap object per entry (14 MB full; 1.9 MB against 0.6 MB after the 28,000 requests of one
 * `npm run bench:acme`), every one of them walked by each major GC. Hand-written (a ring and an open-addressing index over it) because the store needs insertion
 * order, lookup and deletion on 60-bit keys, and no maintained npm package offers that off the heap.
 * - The key is the nonce's last KEY_CHARS characters as two numbers of five base-65 digits each (60 bits of
 *   the MAC for a nonce of src/acme/server/nonces.ts, which a client cannot choose: the MAC is checked before
 *   a nonce gets here). Two genuine nonces share a key with a chance of about n² / 2⁶¹ (one in 10⁸ when
 *   full); the later one would be refused as used, and the client retries with a fresh nonce.
 * - `expiresAt` is kept in whole seconds (rounded up) from the store's creation. Times compared with it are
 *   rounded up too. So the floor also refuses unused nonces that expire in the same second as the last one
 *   dropped, and an entry may go less than a second before its `expiresAt`: harmless, since a nonce is
 *   refused by its age (src/acme/server/nonces.ts) a clock-skew allowance of a minute before that.
 * - The ring grows by doubling up to MEMORY_NONCES_MAX slots. purgeExpired marks entries in the middle of the
 *   ring dead; their slots come free when the ring's head reaches them.
 */
import type { AcmeNonceStore } from './acme.js';

export const MEMORY_NONCES_MAX = 200_000;

/** Characters at the end of a nonce that make its key: two halves of five. */
const KEY_CHARS = 10;
const HALF = KEY_CHARS / 2;
const FIRST_CAPACITY = 1024;
/** `until` of an entry removed by purgeExpired before the ring's head reached it. */
const DEAD = -0x80000000;

/** 1–64 for the base64url alphabet (0 stands for "no character", so a shorter text is a different key). */
const DIGITS = new Uint8Array(128);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (DIGITS[c.charCodeAt(0)] = i + 1));

/** The characters from..to of `text` as a base-65 number: five digits stay below 2³¹. */
function half(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const c = text.charCodeAt(i);
    // Characters outside the alphabet occur only in tests' made-up nonces: folded onto it.
    v = v * 65 + (c < 128 && DIGITS[c]! > 0 ? DIGITS[c]! : (c % 64) + 1);
  }
  return v;
}

/** Slots of the index for a ring of `capacity`: a power of two, at least twice as many. */
function indexSize(capacity: number): number {
  let size = 2;
  while (size < capacity * 2) size *= 2;
  return size;
}

export class MemoryNonceStore implements AcmeNonceStore {
  // The ring, oldest entry at `head`: the key's two halves and expiresAt (s from `base`, rounded up).
  private hi: Int32Array;
  private lo: Int32Array;
  private until: Int32Array;
  private head = 0;
  /** Entries in the ring, dead ones included. */
  private count = 0;
  private live = 0;
  /** Open addressing with linear probing, at most half full: ring position + 1 of the entry with that key, 0 for none. */
  private slots: Int32Array;
  private readonly base = Date.now();
  /** In the values' seconds: an `expiresAt` below it is refused. (Those seconds are negative for a clock behind the store's start.) */
  private floor = -Infinity;
  readonly scope = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

  /** `windowMs`: how long after its issue a nonce's `expiresAt` lies (the nonce window plus the clock-skew allowance). */
  constructor(
    private readonly windowMs: number,
    private readonly max = MEMORY_NONCES_MAX,
  ) {
    const capacity = Math.min(FIRST_CAPACITY, max);
    [this.hi, this.lo, this.until] = [new Int32Array(capacity), new Int32Array(capacity), new Int32Array(capacity)];
    this.slots = new Int32Array(indexSize(capacity));
  }

  private seconds(ms: number): number {
    return Math.ceil((ms - this.base) / 1000);
  }

  private home(hi: number, lo: number): number {
    return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) & (this.slots.length - 1);
  }

  /** The slot that holds ring position `pos` (which must be live). */
  private slotOf(pos: number): number {
    const mask = this.slots.length - 1;
    let i = this.home(this.hi[pos]!, this.lo[pos]!);
    while (this.slots[i] !== pos + 1) i = (i + 1) & mask;
    return i;
  }

  private has(hi: number, lo: number): boolean {
    const mask = this.slots.length - 1;
    for (let i = this.home(hi, lo); ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === 0) return false;
      if (this.hi[s - 1] === hi && this.lo[s - 1] === lo) return true;
    }
  }

  private index(pos: number): void {
    const mask = this.slots.length - 1;
    let i = this.home(this.hi[pos]!, this.lo[pos]!);
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = pos + 1;
  }

  /** Empties slot `j` and shifts back the entries after it whose probe sequence passes it (no tombstones). */
  private unindex(j: number): void {
    const mask = this.slots.length - 1;
    this.slots[j] = 0;
    for (let k = (j + 1) & mask; this.slots[k] !== 0; k = (k + 1) & mask) {
      const s = this.slots[k]!;
      const h = this.home(this.hi[s - 1]!, this.lo[s - 1]!);
      // The entry stays when its home lies cyclically in (j, k]: moving it to j would put it before its home.
      if (j < k ? j < h && h <= k : j < h || h <= k) continue;
      this.slots[j] = s;
      this.slots[k] = 0;
      j = k;
    }
  }

  private dropHead(): void {
    const pos = this.head;
    if (this.until[pos] !== DEAD) {
      this.unindex(this.slotOf(pos));
      this.live--;
    }
    this.head = (pos + 1) % this.hi.length;
    this.count--;
  }

  /** Doubles the ring (up to `max`) with the live entries from position 0, and rebuilds the index. */
  private grow(): void {
    const capacity = Math.min(this.hi.length * 2, this.max);
    const [hi, lo, until] = [new Int32Array(capacity), new Int32Array(capacity), new Int32Array(capacity)];
    let n = 0;
    for (let k = 0; k < this.count; k++) {
      const pos = (this.head + k) % this.hi.length;
      if (this.until[pos] === DEAD) continue;
      hi[n] = this.hi[pos]!;
      lo[n] = this.lo[pos]!;
      until[n++] = this.until[pos]!;
    }
    [this.hi, this.lo, this.until, this.slots] = [hi, lo, until, new Int32Array(indexSize(capacity))];
    [this.head, this.count, this.live] = [0, n, n];
    for (let pos = 0; pos < n; pos++) this.index(pos);
  }

  async markUsed(nonce: string, expiresAt: Date): Promise<boolean> {
    const until = this.seconds(expiresAt.getTime());
    const end = nonce.length;
    const hi = half(nonce, end - KEY_CHARS, end - HALF);
    const lo = half(nonce, end - HALF, end);
    if (until < this.floor || this.has(hi, lo)) return false;
    this.dropExpired(this.seconds(expiresAt.getTime() - this.windowMs));
    if (this.count === this.hi.length) {
      if (this.hi.length < this.max) this.grow();
      else this.makeRoom();
    }
    const pos = (this.head + this.count) % this.hi.length;
    this.hi[pos] = hi;
    this.lo[pos] = lo;
    this.until[pos] = until;
    this.count++;
    this.live++;
    this.index(pos);
    return true;
  }

  /**
   * Drops the entries from the head, oldest use first, that expired before `issuedAt` (the issue time of a
   * nonce being used, so not later than now; in the values' seconds): they can never be accepted again anyway.
   */
  private dropExpired(issuedAt: number): void {
    while (this.count > 0 && this.until[this.head]! <= issuedAt) this.dropHead();
  }

  async purgeExpired(now: Date): Promise<number> {
    const t = this.seconds(now.getTime());
    let n = 0;
    for (let k = 0; k < this.count; k++) {
      const pos = (this.head + k) % this.hi.length;
      const until = this.until[pos]!;
      if (until === DEAD || until > t) continue;
      this.unindex(this.slotOf(pos));
      this.until[pos] = DEAD;
      this.live--;
      n++;
    }
    while (this.count > 0 && this.until[this.head] === DEAD) this.dropHead();
    return n;
  }

  /** The ring is full at `max`: its oldest entry goes, and the floor rises above it. */
  private makeRoom(): void {
    const until = this.until[this.head]!;
    if (until !== DEAD) this.floor = Math.max(this.floor, until + 1);
    this.dropHead();
  }

  get size(): number {
    return this.live;
  }
}
