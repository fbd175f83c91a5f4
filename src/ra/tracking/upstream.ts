/**
 * Upstream mode of tracking orders (an issuer with `upstream`: a public ACME CA that validates the names
 * itself). Each order waiting for validation is carried by one upstream order, opened on the first look at
 * the order (or by the recovery job when the upstream was down then). The customer's instructions are the
 * upstream's own challenges, with key authorizations of the gateway's upstream account. "Check now" checks
 * them with the gateway's VA first (a precise reason, fast), then tells the upstream to validate what was
 * found and follows its answer for a few seconds. A refused (invalid) or expired upstream authorization is
 * kept as the upstream's detail and a new upstream order is opened, so the customer can try again with new
 * instructions. Every write is conditional: the upstream row on the URL it replaces, the order on its status.
 */
import type { JWK } from 'jose';
import type { DomainValidationRecord, OrderRecord } from '../../core/store/types.js';
import type { UpstreamOrderRecord } from '../../core/store/upstream.js';
import { UpstreamError, type UpstreamChallenges, type UpstreamOrderState } from '../../ca/upstream.js';
import { keyAuthorization, dns01TxtValue } from '../../va/key-authorization.js';
import { mapLimit, ORDER_VALIDATION_CONCURRENCY } from '../../va/limits.js';
import { baseDomain, isWildcard } from '../../core/hostname.js';
import { domainErrors } from '../../core/errors.js';
import type { RaDeps } from '../deps.js';
import { checkDomains, restartValidations, type CheckOutcome, type ValidationInstructions } from './validations.js';

export const UPSTREAM_UNREACHABLE =
  'The upstream CA cannot be reached right now. Nothing is lost: the validation instructions appear here once it answers (tried again automatically).';

/** How long "Check now" follows the upstream's validation before answering (ms). */
export const UPSTREAM_CHECK_WAIT_MS = 8_000;

const ALIVE = new Set(['pending', 'ready', 'processing']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class UpstreamTracking {
  private readonly jwks = new Map<string, Promise<JWK>>();

  constructor(
    private readonly d: RaDeps,
    readonly waitMs = UPSTREAM_CHECK_WAIT_MS,
  ) {}

  /** The issuer's upstream, when the issuer is one whose challenges the customer answers. */
  get upstream(): UpstreamChallenges | undefined {
    return this.d.issuer.upstream;
  }

  /** The account key of the order's upstream (its product's, when products go to different upstreams). */
  private accountJwk(order: Pick<OrderRecord, 'product'>): Promise<JWK> {
    let jwk = this.jwks.get(order.product);
    if (!jwk) {
      jwk = this.upstream!.accountJwk(order.product).catch((err: unknown) => {
        this.jwks.delete(order.product);
        throw err;
      });
      this.jwks.set(order.product, jwk);
    }
    return jwk;
  }

  /** An upstream order that can no longer validate or finalize: a new one is needed. */
  isDead(rec: UpstreamOrderRecord): boolean {
    const now = this.d.clock.now().getTime();
    if (!ALIVE.has(rec.status)) return true;
    if (rec.expiresAt && rec.expiresAt.getTime() <= now) return true;
    return rec.authorizations.some((a) => a.status !== 'pending' && a.status !== 'valid');
  }

  /**
   * The upstream order of an order waiting for validation: opened when there is none (or, with `renew`,
   * when the one it has is dead). When the upstream cannot be asked, the order says so and keeps waiting.
   */
  async ensure(order: OrderRecord, opts: { renew?: boolean; carryDetail?: string } = {}): Promise<UpstreamOrderRecord | undefined> {
    const d = this.d;
    const rec = await d.store.upstreamOrders.byOrder(order.id);
    if (rec && !(opts.renew && this.isDead(rec))) return rec;
    let state: UpstreamOrderState;
    try {
      state = await this.upstream!.openOrder(order.domains, order.product);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      const now = d.clock.now();
      if (err.kind === 'refused') {
        // The upstream will not certify these names (its policy): nothing the customer can publish changes that.
        await d.store.orders.transition(order.id, ['pending_validation'], {
          status: 'failed',
          statusReason: `The upstream CA refused the order: ${err.detail}`,
          updatedAt: now,
        });
      } else if (order.statusReason !== UPSTREAM_UNREACHABLE) {
        await d.store.orders.transition(order.id, ['pending_validation'], { statusReason: UPSTREAM_UNREACHABLE, updatedAt: now });
      }
      return rec;
    }
    const now = d.clock.now();
    const row: UpstreamOrderRecord = {
      id: order.id,
      ...this.fields(state),
      detail: opts.carryDetail ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const stored = rec
      ? ((await d.store.upstreamOrders.update(order.id, rec.orderUrl, { ...row, id: undefined } as Partial<UpstreamOrderRecord>)) ??
        (await d.store.upstreamOrders.byOrder(order.id)))
      : await d.store.upstreamOrders.createIfAbsent(row);
    if (order.statusReason === UPSTREAM_UNREACHABLE) {
      await d.store.orders.transition(order.id, ['pending_validation'], { statusReason: null, updatedAt: now }, { statusReason: UPSTREAM_UNREACHABLE });
    }
    return stored;
  }

  /** The row brought up to date with the upstream; unchanged when the upstream cannot be asked. */
  async refresh(rec: UpstreamOrderRecord, order: Pick<OrderRecord, 'product'>): Promise<UpstreamOrderRecord> {
    let state: UpstreamOrderState;
    try {
      state = await this.upstream!.readOrder(rec.orderUrl, order.product);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      this.d.logger.info('upstream ACME order read failed', { orderId: rec.id, kind: err.kind, detail: err.detail });
      return rec;
    }
    const detail = state.detail ?? state.authorizations.map((a) => a.detail && `${a.domain}: ${a.detail}`).find(Boolean) ?? rec.detail;
    const changes = { ...this.fields(state), detail, updatedAt: this.d.clock.now() };
    return (await this.d.store.upstreamOrders.update(rec.id, rec.orderUrl, changes)) ?? (await this.d.store.upstreamOrders.byOrder(rec.id)) ?? rec;
  }

  private fields(state: UpstreamOrderState) {
    return {
      orderUrl: state.url,
      status: state.status,
      expiresAt: state.expires ? new Date(state.expires) : null,
      authorizations: state.authorizations,
    };
  }

  /** For the tracking view: the order's upstream order, opened if missing and re-read while it is being validated. */
  async current(order: OrderRecord): Promise<UpstreamOrderRecord | undefined> {
    if (!this.upstream || order.status !== 'pending_validation') return undefined;
    const before = await this.d.store.upstreamOrders.byOrder(order.id);
    // An expired (or refused) upstream order is replaced at once: the customer sees instructions that can still work.
    const why = before && this.isDead(before) ? (before.detail ?? 'The upstream CA\'s authorization expired; new validation instructions were made.') : undefined;
    const rec = await this.ensure(order, { renew: true, carryDetail: why });
    if (rec && rec.authorizations.some((a) => a.status === 'pending' && a.challenges.some((c) => c.status === 'processing'))) {
      return this.refresh(rec, order);
    }
    return rec;
  }

  /**
   * The customer's instructions for one name: the upstream's challenges while its authorization is pending;
   * undefined (the gateway's own token) when the upstream already holds a valid authorization.
   */
  async instructions(order: Pick<OrderRecord, 'product'>, rec: UpstreamOrderRecord | undefined, v: DomainValidationRecord): Promise<ValidationInstructions | undefined> {
    const authz = rec?.authorizations.find((a) => a.domain === v.domain);
    if (!authz || authz.status === 'valid') return undefined;
    const http = authz.challenges.find((c) => c.type === 'http-01');
    const dns = authz.challenges.find((c) => c.type === 'dns-01');
    if (!dns && !http) return undefined;
    const jwk = await this.accountJwk(order);
    const dns01 = dns
      ? { name: `_acme-challenge.${baseDomain(v.domain)}`, type: 'TXT' as const, value: await dns01TxtValue(await keyAuthorization(dns.token, jwk)) }
      : undefined;
    const http01 =
      http && !isWildcard(v.domain)
        ? { url: `http://${v.domain}/.well-known/acme-challenge/${http.token}`, body: await keyAuthorization(http.token, jwk) }
        : undefined;
    return { ...(http01 ? { http01 } : {}), dns01: dns01 ?? (await ownDns01(v)) };
  }

  /** What the tracking view says of one name: pending while the upstream has not validated it. */
  upstreamStatus(rec: UpstreamOrderRecord | undefined, domain: string): { pending: boolean; said?: string } {
    const authz = rec?.authorizations.find((a) => a.domain === domain);
    if (!authz) return { pending: false };
    if (authz.status === 'valid') return { pending: false };
    const processing = authz.challenges.some((c) => c.status === 'processing');
    return {
      pending: true,
      said: authz.detail ?? (processing ? 'the upstream CA is validating it now' : `the upstream CA's authorization is ${authz.status}`),
    };
  }

  /**
   * "Check now" in upstream mode: what the customer published is checked with the gateway's VA, the
   * upstream told to validate what was found, and followed for up to `waitMs`. A name is valid when the
   * upstream's authorization is (and the gateway's own validation of it stands).
   */
  async check(order: OrderRecord): Promise<CheckOutcome[]> {
    const d = this.d;
    let rec = await this.ensure(order, { renew: true });
    const rows = await d.store.domainValidations.forOrder(order.id);
    if (!rec) return rows.map((v) => ({ domain: v.domain, status: 'pending', found: {} }));
    if (rec.authorizations.some((a) => a.status === 'pending')) rec = await this.refresh(rec, order);
    const jwk = await this.accountJwk(order);
    const answered: string[] = [];
    const local = new Map<string, CheckOutcome>();
    // Names the upstream already holds valid: only the gateway's own validation (its own token) is needed.
    const own = rows.filter((v) => rec!.authorizations.find((a) => a.domain === v.domain)?.status === 'valid' || !rec!.authorizations.some((a) => a.domain === v.domain));
    for (const o of own.length ? await checkDomains(d, order, new Set(own.map((v) => v.domain))) : []) local.set(o.domain, o);

    await mapLimit(
      rows.filter((v) => !local.has(v.domain)),
      ORDER_VALIDATION_CONCURRENCY,
      async (v) => {
        const authz = rec!.authorizations.find((a) => a.domain === v.domain)!;
        const found: CheckOutcome['found'] = {};
        if (authz.status !== 'pending' || authz.challenges.some((c) => c.status === 'processing')) {
          local.set(v.domain, { domain: v.domain, status: 'pending', found });
          return;
        }
        let method: string | undefined;
        for (const type of d.va.challengeTypesFor(v.domain).filter((t) => t !== 'tls-alpn-01')) {
          const challenge = authz.challenges.find((c) => c.type === type);
          if (!challenge) continue;
          const r = await d.va.validate(type, v.domain, challenge.token, jwk);
          if (r.valid) {
            found[type] = 'the expected value was found';
            method = type;
            answered.push(challenge.url);
            break;
          }
          found[type] = r.problem.detail;
        }
        const now = d.clock.now();
        await d.store.domainValidations.update(
          v.id,
          { status: method ? 'valid' : v.status, method: method ?? v.method, lastCheckedAt: now, lastResult: JSON.stringify(found), validatedAt: method ? now : v.validatedAt },
          { token: v.token },
        );
        local.set(v.domain, { domain: v.domain, status: 'pending', method, found });
      },
    );

    // The upstream validates what the gateway found, and is followed for a while.
    let unavailable = false;
    for (const url of answered) {
      try {
        await this.upstream!.answer(url, order.product);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        unavailable ||= err.kind === 'unavailable';
      }
    }
    if (answered.length > 0) {
      const deadline = Date.now() + this.waitMs;
      let wait = 250;
      for (;;) {
        rec = await this.refresh(rec, order);
        const busy = rec.authorizations.some((a) => a.status === 'pending' && a.challenges.some((c) => answered.includes(c.url) || c.status === 'processing'));
        if (!busy || Date.now() + wait > deadline) break;
        await sleep(wait);
        wait = Math.min(wait * 1.5, 1_000);
      }
    }

    const outcomes = rows.map((v): CheckOutcome => {
      const o = local.get(v.domain) ?? { domain: v.domain, status: 'pending', found: {} };
      const authz = rec!.authorizations.find((a) => a.domain === v.domain);
      if (!authz || authz.status === 'valid') return authz ? { ...o, status: o.status === 'valid' || !!o.method ? 'valid' : o.status } : o;
      const said = this.upstreamStatus(rec, v.domain).said;
      return { ...o, status: 'pending', found: { ...o.found, ...(said ? { 'upstream CA': said } : {}) } };
    });
    for (const o of outcomes) {
      if (o.found['upstream CA']) {
        const v = rows.find((x) => x.domain === o.domain)!;
        await d.store.domainValidations.update(v.id, { lastResult: JSON.stringify(o.found) });
      }
    }

    const now = d.clock.now();
    const refused = rec.authorizations.find((a) => a.status !== 'pending' && a.status !== 'valid');
    if (refused || rec.status === 'invalid') {
      // Kept as the upstream said it; a new upstream order gives new instructions to try again with.
      const why = refused
        ? `The upstream CA refused the validation of ${refused.domain}: ${refused.detail ?? `its authorization is ${refused.status}`}`
        : `The upstream CA refused the order: ${rec.detail ?? 'the order became invalid'}`;
      const statusReason = `${why}. New validation instructions were made: publish them, then check again.`.replace('.. ', '. ');
      await d.store.orders.transition(order.id, ['pending_validation'], { statusReason, updatedAt: now });
      await this.ensure({ ...order, statusReason }, { renew: true, carryDetail: why });
      // The gateway's own record of the names the upstream refused starts over with the new instructions.
      const refusedNames = new Set(rec.authorizations.filter((a) => a.status !== 'valid').map((a) => a.domain));
      const restart = (await d.store.domainValidations.forOrder(order.id)).filter((v) => refusedNames.has(v.domain));
      await restartValidations(d.store, d.keyring, order, restart);
    } else if (unavailable) {
      await d.store.orders.transition(order.id, ['pending_validation'], { statusReason: UPSTREAM_UNREACHABLE, updatedAt: now });
    } else if (outcomes.some((o) => o.status !== 'valid' && o.method)) {
      await d.store.orders.transition(order.id, ['pending_validation'], {
        statusReason: 'The upstream CA is validating the names now: check again in a moment.',
        updatedAt: now,
      });
    }
    return outcomes;
  }

  /**
   * Reissue in upstream mode: a new upstream order for the new certificate. Ready at once (the upstream
   * reuses its valid authorizations) → undefined; otherwise the names the upstream wants validated again.
   * The upstream down → a clear error and nothing changed.
   */
  async renewForReissue(order: OrderRecord): Promise<string[]> {
    const rec = await this.d.store.upstreamOrders.byOrder(order.id);
    let state: UpstreamOrderState;
    try {
      state = await this.upstream!.openOrder(order.domains, order.product);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (err.kind === 'refused') throw domainErrors.issuerRefused(`The upstream CA refused a new order for these names: ${err.detail}`);
      throw domainErrors.conflict(`${UPSTREAM_UNREACHABLE.split('.')[0]}: nothing was changed, try the reissue again later.`);
    }
    const now = this.d.clock.now();
    const fields = { ...this.fields(state), detail: null, createdAt: now, updatedAt: now };
    if (rec) await this.d.store.upstreamOrders.update(order.id, rec.orderUrl, fields);
    else await this.d.store.upstreamOrders.createIfAbsent({ id: order.id, ...fields });
    return state.authorizations.filter((a) => a.status !== 'valid').map((a) => a.domain);
  }

  /** The upstream order to finalize at issuance, when the upstream validated it. */
  async readyOrderUrl(orderId: string): Promise<string | undefined> {
    if (!this.upstream) return undefined;
    const rec = await this.d.store.upstreamOrders.byOrder(orderId);
    return rec && (rec.status === 'ready' || rec.status === 'processing' || rec.status === 'valid') ? rec.orderUrl : undefined;
  }

  /** The recovery job's part: orders with a challenge "Check now" answered, to follow (see `decided`). */
  answered(limit: number): Promise<string[]> {
    return this.upstream ? this.d.store.upstreamOrders.answered(limit) : Promise.resolve([]);
  }

  /**
   * Whether the upstream has decided the order's answered challenges (every authorization valid or refused,
   * or the order past pending): then "Check now"'s own path moves the order on. Read without storing, so that
   * path sees the change itself. Undecided, or the upstream unreachable (logged): the row is only marked as
   * read, so the next run's batch starts with others.
   */
  async decided(order: OrderRecord): Promise<boolean> {
    const rec = await this.d.store.upstreamOrders.byOrder(order.id);
    if (!rec || this.isDead(rec)) return false;
    let decided = false;
    try {
      const state = await this.upstream!.readOrder(rec.orderUrl, order.product);
      decided = state.status !== 'pending' || state.authorizations.every((a) => a.status !== 'pending');
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      this.d.logger.info('upstream ACME order read failed', { orderId: rec.id, kind: err.kind, detail: err.detail });
    }
    if (!decided) await this.d.store.upstreamOrders.update(rec.id, rec.orderUrl, { updatedAt: this.d.clock.now() });
    return decided;
  }

  /** The recovery job's part: orders that got no upstream order because the upstream was down. */
  async recoverMissing(limit: number): Promise<number> {
    if (!this.upstream) return 0;
    const ids = await this.d.store.upstreamOrders.missing(limit);
    for (const id of ids) {
      const order = await this.d.store.orders.byId(id);
      if (order) await this.ensure(order);
    }
    return ids.length;
  }
}

async function ownDns01(v: DomainValidationRecord) {
  return { name: `_acme-challenge.${baseDomain(v.domain)}`, type: 'TXT' as const, value: await dns01TxtValue(v.keyAuthorization) };
}
