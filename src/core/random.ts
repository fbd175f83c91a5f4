/**
 * Random bytes for the ACME hot path (nonces, challenge tokens, serial numbers), taken from a pool that the
 * platform CSPRNG (crypto.getRandomValues) refills 4 KiB at a time. Each byte is handed out once; the pool
 * holds only bytes not yet handed out. On Node 20 every getRandomValues call costs tens of µs of fixed
 * overhead, more than the bytes themselves; a nonce needs 11. Secrets that live long (keys, unlock codes)
 * still ask getRandomValues directly.
 */
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let at = 0;

/** `n` fresh bytes from the CSPRNG (n ≤ 4096), copied into `into` when given. */
export function randomBytes(n: number, into?: Uint8Array): Uint8Array {
  if (n > POOL_BYTES) throw new RangeError(`randomBytes: at most ${POOL_BYTES} bytes at a time`);
  if (at + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    at = 0;
  }
  const out = into ?? new Uint8Array(n);
  out.set(pool.subarray(at, at + n));
  pool.fill(0, at, at + n);
  at += n;
  return out;
}
