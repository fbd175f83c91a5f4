/** Random identifiers and credentials from the platform CSPRNG. */
import { toBase64Url } from '../encoding.js';
import { v7 as uuidv7 } from 'uuid';
import { randomBytes } from '../random.js';

/**
 * An alphabet for codes people read and type: digits and capitals without look-alikes
 * (no 0/O, 1/I/L, U/V, 5/S, 8/B kept apart by dropping U, O, I, L, 0, 1). 30 symbols ≈ 4.91 bits each.
 */
export const TYPEABLE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Uniform random symbols by rejection sampling (no modulo bias). */
export function randomSymbols(count: number, alphabet = TYPEABLE_ALPHABET): string {
  const n = alphabet.length;
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < count) {
    const buf = crypto.getRandomValues(new Uint8Array(Math.min(65536, (count - out.length) * 2)));
    for (const b of buf) {
      if (b < limit) out += alphabet[b % n];
      if (out.length === count) break;
    }
  }
  return out;
}

/** Splits a code into dash-separated groups of `size` for reading aloud and typing. */
export function group(code: string, size = 4): string {
  return code.match(new RegExp(`.{1,${size}}`, 'g'))!.join('-');
}

export function bitsOf(symbols: number, alphabet = TYPEABLE_ALPHABET): number {
  return symbols * Math.log2(alphabet.length);
}

/** Unlock code of an AutoCSR key archive: 28 symbols (137 bits) in 7 groups of 4. */
export function newUnlockCode(): string {
  return group(randomSymbols(28));
}

/** CA Reference: 28 symbols (137 bits), prefixed so that it is never mistaken for an order number. */
export function newCaReference(): string {
  return `CAR-${group(randomSymbols(28))}`;
}

/** Order number: short and not secret (it is only ever used with a logged-in session). */
export function newOrderNumber(): string {
  return `EG-${randomSymbols(10)}`;
}

/** Opaque bearer token with 256 bits. */
export function newBearerToken(prefix: string): string {
  return `${prefix}_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/**
 * Internal row id (not secret): a UUIDv7 (RFC 9562 §5.7), the creation time in milliseconds then random
 * bits. Ids made one after another sort together, so a new row's primary-key and foreign-key index
 * entries land at the end of their B-trees (one page, rarely a split) instead of at a random page each,
 * as RFC 9562 §6.12 recommends for database keys. Ids that name ACME resources in URLs thus tell when
 * they were made, as Boulder's sequential ids do; nothing here treats an id as a secret.
 */
export function newId(): string {
  const random = randomBytes(16);
  const now = Date.now();
  if (now > idClock.msecs) {
    idClock.msecs = now;
    // RFC 9562 §6.2 method 1 as uuid does it: a counter seeded from random bits, counted up within a millisecond.
    idClock.seq = (((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!) >>> 0;
  } else {
    idClock.seq = (idClock.seq + 1) | 0;
    if (idClock.seq === 0) idClock.msecs++;
  }
  // The random bytes come from the pool (src/core/random.ts): uuid's own draws 16 bytes from
  // crypto.getRandomValues per id, tens of µs on Node 20. Given its bytes, uuid keeps no counter, so it is kept here.
  return uuidv7({ random, msecs: idClock.msecs, seq: idClock.seq });
}

/** newId's clock: the millisecond of the last id and the counter within it. */
const idClock = { msecs: -Infinity, seq: 0 };

/** Normalizes a typed code: upper case, dashes and spaces optional. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}
