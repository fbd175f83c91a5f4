/**
 * The upstream order as the customer answers it (UpstreamChallenges): orders, authorizations and
 * challenges read through acme-client with the gateway's upstream account, and the three kinds of failure
 * of UpstreamSession folded into the two the registration authority acts on: refused (the upstream's
 * detail, shown to the customer) and unavailable (no answer, busy, or the gateway's own account unusable:
 * nothing changes, try again later).
 */
import { createPublicKey } from 'node:crypto';
import type { Authorization, Order } from 'acme-client';
import type { JWK } from 'jose';
import { UpstreamError, type UpstreamAuthorization, type UpstreamChallenges, type UpstreamOrderState } from '../../ca/upstream.js';
import { UpstreamRefused, type UpstreamSession } from './upstream-acme-session.js';
import { problemDetail } from './upstream-acme-authz.js';
import type { Logger } from '../../core/logger.js';

const TYPES = new Set(['http-01', 'dns-01']);

function authorizationState(a: Authorization & { url?: string }): UpstreamAuthorization {
  const detail = a.challenges.map((c) => problemDetail(c.error)).find(Boolean);
  return {
    domain: `${a.wildcard ? '*.' : ''}${a.identifier.value}`,
    url: a.url ?? '',
    status: a.status,
    expires: a.expires,
    challenges: a.challenges
      .filter((c) => TYPES.has(c.type))
      .map((c) => ({ type: c.type as 'http-01' | 'dns-01', url: c.url, token: (c as { token: string }).token, status: c.status })),
    ...(detail ? { detail } : {}),
  };
}

export class UpstreamOrderChallenges implements UpstreamChallenges {
  constructor(
    private readonly session: () => Promise<{ session: UpstreamSession; accountKeyPem: string }>,
    private readonly logger?: Logger,
  ) {}

  async accountJwk(): Promise<JWK> {
    const { accountKeyPem } = await this.guard('account', () => this.session());
    const { kty, crv, x, y, n, e } = createPublicKey(accountKeyPem).export({ format: 'jwk' });
    return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined)) as JWK;
  }

  async openOrder(domains: string[]): Promise<UpstreamOrderState> {
    return this.guard('new order', async () => {
      const { session } = await this.session();
      const order = await session.call('new order', (c) => c.createOrder({ identifiers: domains.map((value) => ({ type: 'dns', value })) }));
      return this.state(session, order);
    });
  }

  async readOrder(url: string): Promise<UpstreamOrderState> {
    return this.guard('order', async () => {
      const { session } = await this.session();
      const order = await session.call('order', (c) => c.getOrder({ url } as Order));
      return this.state(session, order);
    });
  }

  async answer(challengeUrl: string): Promise<void> {
    await this.guard('challenge', async () => {
      const { session } = await this.session();
      // acme-client posts {} to the challenge URL (RFC 8555 §7.5.1); it needs only the URL.
      await session.call('challenge', (c) => c.completeChallenge({ url: challengeUrl } as Authorization['challenges'][number]));
    });
  }

  private async state(session: UpstreamSession, order: Order): Promise<UpstreamOrderState> {
    const authzs = await session.call('authorizations', (c) => c.getAuthorizations(order));
    const detail = problemDetail(order.error);
    return {
      url: order.url,
      status: order.status,
      expires: order.expires,
      authorizations: authzs.map(authorizationState),
      ...(detail ? { detail } : {}),
    };
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (err instanceof UpstreamRefused) throw new UpstreamError('refused', err.detail);
      // No answer, busy, or the gateway's own account unusable: logged for the operator, "later" for the customer.
      this.logger?.error(`upstream ACME ${what} failed`, { error: (err as Error)?.name, detail: (err as Error)?.message });
      throw new UpstreamError('unavailable', `the upstream CA cannot be reached right now (${(err as Error)?.name ?? 'error'})`);
    }
  }
}
