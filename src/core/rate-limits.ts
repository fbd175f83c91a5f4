/**
 * Rate limits on what costs the gateway work whether or not it succeeds: sign-ups (an argon2id hash each),
 * new orders (an RSA key pair with AutoCSR), domain checks ("Check now": DNS and HTTP to the customer's
 * names) and new ACME accounts. Each family counts per account (where there is one: the customer, or the
 * ACME subscription) and per client address, in fixed windows kept in the store (the throttles table,
 * one atomic upsert per count), so every instance sees the same counts. Over a limit: the domain error
 * `rateLimited` with the seconds until the window ends (429 + Retry-After at every edge).
 *
 * Settings (one per family): "account=<count>/<seconds>,address=<count>/<seconds>", either part may be
 * left out (no limit of that kind), or "off".
 */
import type { Clock } from './clock.js';
import type { ThrottleStore } from './store/types.js';
import { domainErrors } from './errors.js';
import { parseIpAddress } from './ip.js';

export type LimitFamily = 'signups' | 'orders' | 'validate' | 'acmeAccounts';

export interface Limit {
  count: number;
  windowSeconds: number;
}

export interface FamilyLimits {
  account?: Limit;
  address?: Limit;
}

export type RateLimitConfig = Record<LimitFamily, FamilyLimits>;

/** The families: their setting, what "account" means, and the defaults. */
export const LIMIT_FAMILIES: Record<LimitFamily, { variable: string; accountPhrase: string | null; what: string; defaults: FamilyLimits }> = {
  signups: { variable: 'EABGATE_LIMIT_SIGNUPS', accountPhrase: null, what: 'sign-ups', defaults: { address: { count: 20, windowSeconds: 3600 } } },
  orders: {
    variable: 'EABGATE_LIMIT_ORDERS',
    accountPhrase: 'for this account',
    what: 'new orders',
    defaults: { account: { count: 100, windowSeconds: 3600 }, address: { count: 200, windowSeconds: 3600 } },
  },
  validate: {
    variable: 'EABGATE_LIMIT_VALIDATE',
    accountPhrase: "for this order's account",
    what: 'domain checks',
    defaults: { account: { count: 120, windowSeconds: 3600 }, address: { count: 120, windowSeconds: 3600 } },
  },
  acmeAccounts: {
    variable: 'EABGATE_LIMIT_ACME_ACCOUNTS',
    accountPhrase: 'for this subscription',
    what: 'new ACME accounts',
    defaults: { account: { count: 20, windowSeconds: 3600 }, address: { count: 50, windowSeconds: 3600 } },
  },
};

/** Windows end within a day: the purge drops counters whose window started more than a day ago. */
export const MAX_WINDOW_SECONDS = 86_400;

/** Parses one family's setting; throws an Error whose message says what is wrong. */
export function parseFamilyLimits(value: string, accountAllowed: boolean): FamilyLimits {
  const v = value.trim();
  if (/^(off|none)$/i.test(v)) return {};
  const out: FamilyLimits = {};
  for (const part of v.split(',').map((s) => s.trim())) {
    const m = /^(account|address)=(\d{1,9})\/(\d{1,6})$/.exec(part);
    if (!m) throw new Error(`expected "account=<count>/<seconds>,address=<count>/<seconds>" or "off", got "${part.slice(0, 60)}"`);
    const scope = m[1] as 'account' | 'address';
    if (scope === 'account' && !accountAllowed) throw new Error('only "address=<count>/<seconds>" applies here (there is no account yet)');
    if (out[scope]) throw new Error(`"${scope}" is given twice`);
    const count = Number(m[2]);
    const windowSeconds = Number(m[3]);
    if (count < 1) throw new Error(`${scope}: the count must be at least 1 (leave the part out for no limit)`);
    if (windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) throw new Error(`${scope}: the window must be 1–${MAX_WINDOW_SECONDS} seconds`);
    out[scope] = { count, windowSeconds };
  }
  return out;
}

export const defaultRateLimits = (): RateLimitConfig => ({
  signups: LIMIT_FAMILIES.signups.defaults,
  orders: LIMIT_FAMILIES.orders.defaults,
  validate: LIMIT_FAMILIES.validate.defaults,
  acmeAccounts: LIMIT_FAMILIES.acmeAccounts.defaults,
});

/**
 * The key of a client address in counters: an IPv6 address counts as its /64 (one customer line usually
 * has a whole /64, so single addresses would be free to rotate); IPv4 as itself.
 */
export function addressKey(address: string): string {
  const ip = parseIpAddress(address);
  if (!ip || ip.version === 4) return address;
  const hex = Array.from(ip.bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.replace(/(.{4})/g, '$1:')}:/64`;
}

export class RateLimits {
  constructor(
    private readonly store: ThrottleStore,
    private readonly clock: Clock,
    private readonly config: RateLimitConfig,
  ) {}

  /**
   * Counts one request of the family for the account and the address; throws `rateLimited` (with the
   * seconds to the end of the fuller window) when either is over its limit.
   */
  async consume(family: LimitFamily, who: { account?: string; address?: string }): Promise<void> {
    const limits = this.config[family];
    const checks: [Limit, string][] = [];
    if (limits.account && who.account !== undefined) checks.push([limits.account, `limit:${family}:account:${who.account}`]);
    if (limits.address && who.address !== undefined) checks.push([limits.address, `limit:${family}:address:${addressKey(who.address)}`]);
    let retryAfter = 0;
    let per = '';
    const now = this.clock.now();
    // Every key counted in one unit: one commit for the account's and the address's counters.
    const hits = checks.map(([limit, key]) => ({ limit, key, windowMs: limit.windowSeconds * 1000 }));
    const counted = await this.store.hitAll(hits, now);
    for (const [i, { limit, key, windowMs }] of hits.entries()) {
      const { count, windowStart } = counted[i]!;
      if (count > limit.count) {
        const seconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
        if (seconds > retryAfter) {
          retryAfter = seconds;
          per = key.includes(':account:') ? (LIMIT_FAMILIES[family].accountPhrase ?? 'for this account') : 'from this address';
        }
      }
    }
    if (retryAfter > 0) {
      const what = LIMIT_FAMILIES[family].what;
      throw domainErrors.rateLimited(`Too many ${what} ${per}; try again in ${retryAfter} s.`, retryAfter);
    }
  }
}
