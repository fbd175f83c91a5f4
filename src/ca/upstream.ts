/**
 * What an upstream ACME CA (RFC 8555) exposes beyond issuing, so that the registration authority can carry
 * a customer's order through it: the upstream order with its authorizations and challenges, whose key
 * authorizations are computed with the gateway's upstream account key (its public JWK is given here). The
 * customer publishes them (http-01 file or dns-01 TXT); the gateway checks them with its own VA first, then
 * tells the upstream to validate and follows the result.
 */
import type { JWK } from 'jose';
import type { UpstreamRoute } from '../core/config.js';

import type { UpstreamAuthorization } from '../core/store/upstream.js';

export type { UpstreamAuthorization, UpstreamChallenge, UpstreamChallengeType } from '../core/store/upstream.js';

export interface UpstreamOrderState {
  url: string;
  /** pending | ready | processing | valid | invalid */
  status: string;
  expires?: string;
  authorizations: UpstreamAuthorization[];
  /** The upstream's own words for a failed order. */
  detail?: string;
}

/** The upstream refused (its detail, safe to show) or could not be asked now (try again later). */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: 'refused' | 'unavailable',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * `route` (the order's product, or "caas") picks the upstream when products go to different upstreams
 * (EABGATE_UPSTREAM_<DV|OV|EV|CAAS>_*); an order keeps the route it was opened with.
 */
export interface UpstreamChallenges {
  /** The public JWK of the gateway's upstream account: key authorizations are token "." thumbprint of it. */
  accountJwk(route?: UpstreamRoute): Promise<JWK>;
  /** A new upstream order for these names (DNS names; "*.x" as a wildcard). */
  openOrder(domains: string[], route?: UpstreamRoute): Promise<UpstreamOrderState>;
  /** The order and its authorizations as the upstream has them now. */
  readOrder(url: string, route?: UpstreamRoute): Promise<UpstreamOrderState>;
  /** Tells the upstream that the challenge is ready to be validated (RFC 8555 §7.5.1). */
  answer(challengeUrl: string, route?: UpstreamRoute): Promise<void>;
}

/**
 * Where the gateway publishes the upstream's dns-01 TXT records for delegated names (DNS delegation): on
 * Node its built-in authoritative DNS server, on Workers a DNS provider's HTTP API. `fqdn` is a name in
 * the delegation zone ("<label>.<zone>"); several values may be published at one name at once.
 */
export interface DnsPublisher {
  publish(fqdn: string, value: string): Promise<void>;
  withdraw(fqdn: string, value: string): Promise<void>;
}
