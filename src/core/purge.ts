/** Deletes what has expired: sealed unlock codes, sessions, stale throttle counters, ACME nonces. */
import type { Clock } from './clock.js';
import { DAY_MS } from './clock.js';
import type { Store } from './store/types.js';

export interface PurgeReport {
  unlockCodes: number;
  sessions: number;
  throttles: number;
  acmeNonces: number;
}

export async function purgeExpired(store: Store, clock: Clock): Promise<PurgeReport> {
  const now = clock.now();
  return {
    unlockCodes: await store.unlockCodes.purgeExpired(now),
    sessions: await store.sessions.purgeExpired(now),
    throttles: await store.throttles.purgeBefore(new Date(now.getTime() - DAY_MS)),
    acmeNonces: await store.acme.nonces.purgeExpired(now),
  };
}
