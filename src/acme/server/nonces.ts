/**
 * Anti-replay nonces (RFC 8555 §6.5) that cost nothing to hand out and are still single use across
 * instances.
 *
 * A nonce is 33 bytes, 44 base64url characters:
 *
 *   issued-at (6 bytes, ms since the epoch, big-endian) ‖ random (11 bytes) ‖ MAC (16 bytes)
 *
 * The MAC is HMAC-SHA256 under the keyring's lookup key (HKDF-derived from EABGATE_SECRET_KEY, with its
 * own purpose string "acme-nonce"), truncated to 128 bits: any instance with the same secret key can tell
 * its nonces from forgeries without asking the store. Handing one out writes nothing.
 *
 * A nonce is good for NONCE_TTL_MS (10 minutes) after it was issued. Consuming it checks the MAC and the
 * window first (no store access for forged, expired or garbled nonces), then records it in the replay
 * store with insert-or-fail (AcmeNonceStore.markUsed): the first request wins on every instance sharing
 * the database, a replay finds the row. The row is kept until the nonce would have expired anyway (plus
 * the clock-skew allowance between instances), then purged. So the store holds at most one row per
 * request actually made within the last ten minutes, instead of one per response for an hour.
 *
 * Clients are not affected by the shorter life: they use the nonce of the last response within seconds,
 * and every ACME client retries a `badNonce` with the fresh Replay-Nonce the problem response carries.
 */
import type { AcmeServices } from '../../app/context.js';
import type { Keyring } from '../../core/secrets/keyring.js';
import type { Clock } from '../../core/clock.js';
import type { AcmeNonceStore } from '../../core/store/acme.js';
import { fromBase64Url, timingSafeEqual, toBase64Url } from '../../core/encoding.js';
import type { NonceStore } from '../jws/verify.js';
import { randomBytes } from '../../core/random.js';

/** How long a nonce is accepted after it was issued. */
export const NONCE_TTL_MS = 10 * 60 * 1000;
/**
 * How far instances' clocks may disagree: the replay record of a nonce is kept this much longer than its
 * window, so an instance whose clock runs behind cannot accept a nonce whose record another instance, whose
 * clock runs ahead, has purged already.
 */
export const NONCE_CLOCK_SKEW_MS = 60 * 1000;

const TIME_BYTES = 6;
const RANDOM_BYTES = 11;
const MAC_BYTES = 16;
const BODY_BYTES = TIME_BYTES + RANDOM_BYTES;
const NONCE_BYTES = BODY_BYTES + MAC_BYTES;
/** 33 bytes: a multiple of 3, so the base64url text has no spare bits and exactly one spelling. */
export const NONCE_LENGTH = (NONCE_BYTES / 3) * 4;
const NONCE_TEXT = new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`);

const MAC_PURPOSE = 'acme-nonce';

/** The MAC over the nonce's body; with a replay store's `scope` (AcmeNonceStore.scope), good only where that store is. */
function macOf(keyring: Keyring, body: Uint8Array, scope: string | undefined): Uint8Array {
  const text = scope === undefined ? toBase64Url(body) : `${scope}:${toBase64Url(body)}`;
  return keyring.lookupMac(MAC_PURPOSE, text).subarray(0, MAC_BYTES);
}

export interface NonceDeps {
  keyring: Keyring;
  clock: Clock;
  replays: AcmeNonceStore;
}

/** A fresh nonce: stateless, nothing is stored, synchronous. `scope`: the replay store's (AcmeNonceStore.scope). */
export function issueNonce(deps: Pick<NonceDeps, 'keyring' | 'clock'> & { scope?: string }): string {
  const bytes = new Uint8Array(NONCE_BYTES);
  let t = deps.clock.now().getTime();
  for (let i = TIME_BYTES - 1; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  randomBytes(RANDOM_BYTES, bytes.subarray(TIME_BYTES, BODY_BYTES));
  bytes.set(macOf(deps.keyring, bytes.subarray(0, BODY_BYTES), deps.scope), BODY_BYTES);
  return toBase64Url(bytes);
}

/**
 * When `nonce` was issued, if it is one of ours (right length, canonical base64url, MAC verifies);
 * undefined otherwise. Touches no store.
 */
export function nonceIssuedAt(keyring: Keyring, nonce: string, scope?: string): number | undefined {
  if (!NONCE_TEXT.test(nonce)) return undefined;
  const bytes = fromBase64Url(nonce);
  if (bytes.length !== NONCE_BYTES) return undefined;
  const mac = macOf(keyring, bytes.subarray(0, BODY_BYTES), scope);
  if (!timingSafeEqual(mac, bytes.subarray(BODY_BYTES))) return undefined;
  let t = 0;
  for (let i = 0; i < TIME_BYTES; i++) t = t * 256 + bytes[i]!;
  return t;
}

/** Consumes `nonce`: true exactly once, for a genuine nonce within its window, across instances. */
export async function consumeNonce(deps: NonceDeps, nonce: string): Promise<boolean> {
  const issuedAt = nonceIssuedAt(deps.keyring, nonce, deps.replays.scope);
  if (issuedAt === undefined) return false;
  // Only the age is checked: a nonce stamped ahead of this clock (another instance's clock runs ahead, or
  // this one was set back) is ours all the same, and its replay record outlives its window either way.
  if (deps.clock.now().getTime() - issuedAt >= NONCE_TTL_MS) return false;
  return deps.replays.markUsed(nonce, new Date(issuedAt + NONCE_TTL_MS + NONCE_CLOCK_SKEW_MS));
}

/** The server's NonceStore: `issue` is synchronous (it writes nothing), `consume` asks the replay store. */
export interface NonceSource extends NonceStore {
  issue(): string;
}

/**
 * One per services object, made on its first request: every ACME response issues a nonce, and making the
 * deps and closures anew each time was garbage on every request.
 */
const sources = new WeakMap<object, { deps: NonceDeps; source: NonceSource }>();

/** The nonces of these services (the replay store, keyring and clock they hold now), for the pipeline and the HTTP layer. */
export function nonceSource(s: Pick<AcmeServices, 'keyring' | 'clock' | 'store'>): NonceSource {
  const replays = s.store.acme.nonces;
  const known = sources.get(s);
  if (known && known.deps.replays === replays && known.deps.keyring === s.keyring && known.deps.clock === s.clock) return known.source;
  const deps: NonceDeps = { keyring: s.keyring, clock: s.clock, replays };
  const scoped = { keyring: deps.keyring, clock: deps.clock, scope: replays.scope };
  const source: NonceSource = { issue: () => issueNonce(scoped), consume: (nonce) => consumeNonce(deps, nonce) };
  sources.set(s, { deps, source });
  return source;
}
