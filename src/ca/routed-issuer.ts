/**
 * Upstreams per product (EABGATE_UPSTREAM_<DV|OV|EV|CAAS>_*): one Issuer in front of several, choosing by
 * the order's product (ACME orders: "caas"); a product without its own upstream goes to the default one.
 * A pending handle is prefixed with its route ("ov|…") so that poll() asks the upstream that holds it;
 * handles without a prefix (made before routes were configured) go to the default.
 */
import type { UpstreamRoute } from '../core/config.js';
import type { IssueRequest, IssueResult, Issuer } from './issuer.js';
import type { RevocationReason } from './revocation.js';
import type { UpstreamChallenges } from './upstream.js';
import { withChanges } from '../core/with-changes.js';

const ROUTED = /^(dv|ov|ev|caas)\|([\s\S]*)$/;

export class RoutedIssuer implements Issuer {
  readonly upstream: UpstreamChallenges | undefined;

  constructor(
    private readonly fallback: Issuer,
    private readonly routes: Partial<Record<UpstreamRoute, Issuer>>,
  ) {
    const pick = (route?: UpstreamRoute) => this.pick(route).upstream!;
    this.upstream = fallback.upstream
      ? {
          accountJwk: (route) => pick(route).accountJwk(route),
          openOrder: (domains, route) => pick(route).openOrder(domains, route),
          readOrder: (url, route) => pick(route).readOrder(url, route),
          answer: (url, route) => pick(route).answer(url, route),
        }
      : undefined;
  }

  private pick(route: UpstreamRoute | undefined): Issuer {
    return (route && this.routes[route]) || this.fallback;
  }

  async submit(request: IssueRequest): Promise<IssueResult> {
    const route: UpstreamRoute = request.caas ? 'caas' : request.product;
    const result = await this.pick(route).submit(request);
    return result.state === 'pending' ? withChanges(result, { handle: `${route}|${result.handle}` }) : result;
  }

  poll(handle: string): Promise<IssueResult> {
    const m = ROUTED.exec(handle);
    return m ? this.pick(m[1] as UpstreamRoute).poll(m[2]!) : this.fallback.poll(handle);
  }

  /** Each distinct upstream is asked (each revokes only what it can look up); the first failure is thrown. */
  async revoke(serialHex: string, reason: RevocationReason): Promise<void> {
    for (const issuer of new Set([this.fallback, ...Object.values(this.routes)])) await issuer?.revoke?.(serialHex, reason);
  }
}
