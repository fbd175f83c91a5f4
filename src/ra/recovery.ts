/**
 * The periodic job of crash recovery (Node timer, Workers cron): finds issuance nobody has moved for a
 * lease, on tracking and ACME orders alike, and hands each to the lifecycle's own recovery, which finishes,
 * resubmits or gives it up. In upstream mode it also opens missing upstream orders and follows answered
 * challenges the upstream validated after "Check now" stopped waiting. A bounded batch per run; each step is a conditional transition, so instances
 * running it at once do not get in each other's way.
 */
import type { RaDeps } from './deps.js';
import { leaseMs } from './deps.js';
import type { TrackingLifecycle } from './tracking/lifecycle.js';
import type { AcmeIssuance } from './acme/issuance.js';

export const RECOVERY_BATCH = 50;

export interface RecoveryReport {
  trackingOrders: number;
  acmeOrders: number;
  /** Tracking orders that got their upstream order now (the upstream was down when they were placed). */
  upstreamOrders: number;
  /** Tracking orders whose answered upstream challenges were followed (issued when the upstream validated them). */
  upstreamFollowed: number;
}

export async function recoverStuck(d: RaDeps, tracking: TrackingLifecycle, acme: AcmeIssuance): Promise<RecoveryReport> {
  const cutoff = new Date(d.clock.now().getTime() - leaseMs(d));
  const t = await d.store.orders.needingRecovery(cutoff, RECOVERY_BATCH);
  for (const o of t) await tracking.current(o);
  const a = await d.store.acme.orders.needingRecovery(cutoff, RECOVERY_BATCH);
  for (const o of a) await acme.current(o);
  const upstreamOrders = await tracking.upstream.recoverMissing(RECOVERY_BATCH);
  const upstreamFollowed = await tracking.followUpstream(RECOVERY_BATCH);
  return { trackingOrders: t.length, acmeOrders: a.length, upstreamOrders, upstreamFollowed };
}
