/**
 * A copy of a record with some members changed: `withChanges(order, { status: 'valid' })` where one would
 * write `{ ...order, status: 'valid' }`.
 *
 * Why not the spread: on Node 20's V8 (11.3), an object made by spreading one object and then given more
 * members (`{ ...a, b }`, `{ ...a, ...b }`) gets a hidden class of its own each time, instead of following
 * a transition shared with the copies made before. Each such copy cost about 1.3 µs in a microbenchmark
 * and left a new map and descriptor array for the garbage collector, on requests that made several
 * (record updates, the verified JWS of every ACME request). Object.assign onto a fresh object follows
 * the shared transitions: about 0.2 µs, and no new map after the first. A spread alone (`{ ...a }`) or
 * members first and a spread last (`{ a, ...b }`) are fast already.
 */
export function withChanges<T extends object, C extends object>(record: T, changes: C): Omit<T, keyof C> & C {
  return Object.assign({}, record, changes);
}
