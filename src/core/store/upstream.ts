/** Storage of upstream mode: the upstream ACME order carrying each tracking order (src/db/schema/upstream.ts). */

export interface UpstreamOrderRecord {
  /** The tracking order's id. */
  id: string;
  orderUrl: string;
  status: string;
  expiresAt: Date | null;
  authorizations: UpstreamAuthorization[];
  detail: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UpstreamOrderStore {
  byOrder(orderId: string): Promise<UpstreamOrderRecord | undefined>;
  /** Stores the first upstream order of a tracking order; of two at once the first wins and is returned. */
  createIfAbsent(r: UpstreamOrderRecord): Promise<UpstreamOrderRecord>;
  /** Updates the row while it still carries `orderUrl` (a replacement meanwhile wins); undefined when it did not. */
  update(orderId: string, orderUrl: string, changes: Partial<Omit<UpstreamOrderRecord, 'id'>>): Promise<UpstreamOrderRecord | undefined>;
  /** Tracking orders waiting for validation without an upstream order yet (the upstream was down): for recovery. */
  missing(limit: number): Promise<string[]>;
  /**
   * Tracking orders waiting for validation, with a live upstream order, and a name the gateway found published
   * (so "Check now" answered the upstream's challenge of it): for the recovery job to follow. Least recently
   * read first, so a batch limit does not keep the same ones in front.
   */
  answered(limit: number): Promise<string[]>;
}

export type UpstreamChallengeType = 'http-01' | 'dns-01';

export interface UpstreamChallenge {
  type: UpstreamChallengeType;
  url: string;
  token: string;
  /** pending | processing | valid | invalid */
  status: string;
}

export interface UpstreamAuthorization {
  /** The name as the gateway's order has it ("*.example.com" for a wildcard authorization). */
  domain: string;
  url: string;
  /** pending | valid | invalid | deactivated | expired | revoked */
  status: string;
  /** ISO time after which the authorization is expired at the upstream, when it said. */
  expires?: string;
  challenges: UpstreamChallenge[];
  /** The upstream's own words for a failed challenge. */
  detail?: string;
}

