/** Deletes what has expired: sealed unlock codes, sessions, stale throttle counters, ACME nonces. */
import type { Clock } from './clock.js';
import { DAY_MS } from './clock.js';
import type { Store } from './store/types.js';

export interface PurgeReport {
  unlockCodes: number;
  sessions: number;
  throttles: number;
  acmeNonces: number;
  mailTokens: number;
  mailOutbox: number;
}

export async function purgeExpired(store: Store, clock: Clock): Promise<PurgeReport> {
  const now = clock.now();
  return {
    unlockCodes: await store.unlockCodes.purgeExpired(now),
    sessions: await store.sessions.purgeExpired(now),
    throttles: await store.throttles.purgeBefore(new Date(now.getTime() - DAY_MS)),
    acmeNonces: await store.acme.nonces.purgeExpired(now),
    mailTokens: await store.mail.purgeTokens(now),
    // Sent and given-up mails (their messages are wiped at once) are kept 30 days as a record of what went out.
    mailOutbox: await store.mail.purgeBefore(new Date(now.getTime() - 30 * DAY_MS)),
  };
}
