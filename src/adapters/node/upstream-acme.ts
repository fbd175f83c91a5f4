/**
 * An upstream ACME CA as the Issuer (EABGATE_ISSUER=acme): the gateway is an ACME client of a commercial or
 * private CA, with External Account Binding when configured. Node only (acme-client).
 *
 * The gateway has already validated the customer's domains itself (http-01/dns-01 and CAA) before it asks.
 * Upstream authorizations that are `valid` (an account the CA has pre-validated for the customers' domains,
 * as reseller accounts with EAB are) need nothing. For `pending` ones the gateway cannot answer a challenge
 * itself: the token would have to be served from the customer's server or DNS. It tells the upstream to
 * go ahead (preferring http-01) and lets the upstream decide: that succeeds with a CA that validates the
 * account by other means (pre-validation, an out-of-band agreement, Pebble's PEBBLE_VA_ALWAYS_VALID=1).
 * An authorization that ends `invalid` fails the order with the upstream's reason.
 *
 * submit() creates the order and follows it for up to `submitWaitMs` (challenges, finalize with the
 * customer's CSR, download); beyond that it answers "pending" and poll() takes over from the handle: the
 * upstream order URL, followed by "#csr=<base64url DER>" while the order still has to be finalized (the
 * CSR is public; the handle stays opaque to callers).
 *
 * Outcomes: the upstream's refusal → "failed" with its detail; a busy upstream (5xx, 429, rateLimited) once
 * the order exists → "pending"; no answer at all, or the gateway's own account refused → thrown (the caller
 * answers a bare internal error; the cause goes to the log here, with no secret in it).
 */
import type { Order } from 'acme-client';
import type { IssueRequest, IssueResult, Issuer } from '../../ca/issuer.js';
import type { DnsPublisher } from '../../ca/upstream.js';
import type { RevocationReason } from '../../ca/revocation.js';
import type { UpstreamConfig } from '../../core/config.js';
import type { Keyring } from '../../core/secrets/keyring.js';
import type { Store } from '../../core/store/types.js';
import type { Logger } from '../../core/logger.js';
import { fromBase64Url, toBase64Url } from '../../core/encoding.js';
import { pemBlocks, toPem } from '../../core/pem.js';
import { loadOrCreateAccountKey, UpstreamAccountError } from './upstream-acme-account.js';
import { UpstreamBusy, UpstreamRefused, UpstreamSession } from './upstream-acme-session.js';
import { issuedFromChain } from './upstream-acme-chain.js';
import { problemDetail, selectChallenge, whyInvalid } from './upstream-acme-authz.js';
import { UpstreamOrderChallenges } from './upstream-acme-challenges.js';

export interface UpstreamAcmeIssuerOptions {
  upstream: UpstreamConfig;
  keyring: Keyring;
  /** Where the sealed account key lives (upstream-account.sealed). */
  dataDir: string;
  logger?: Logger;
  /**
   * The certificate (PEM) with this serial when the upstream issued it, for revocation there (acme-client
   * revokes by certificate). Without it, or for a serial it does not know, revoke() leaves the upstream alone.
   */
  certificateBySerial?: (serialHex: string) => Promise<string | undefined>;
  /** The sealed account key's file in the data dir (upstream-account.sealed by default; one per upstream). */
  accountKeyFile?: string;
  /** DNS delegation: where the upstream's dns-01 TXT records are published (the built-in DNS server). */
  publisher?: DnsPublisher;
  /** How long submit() follows the upstream order before answering "pending" (ms). */
  submitWaitMs?: number;
  /** How long poll() follows it (ms): poll runs inside a customer's or ACME client's request. */
  pollWaitMs?: number;
}

const DEFAULT_RETRY_AFTER_SECONDS = 10;
const CSR_MARK = '#csr=';
const DELEGATION_MARK = '#dlg=';

type Delegation = Record<string, string> | undefined;

function handleOf(orderUrl: string, csrPem: string | undefined, delegation: Delegation): string {
  const dlg = delegation && Object.keys(delegation).length ? `${DELEGATION_MARK}${toBase64Url(new TextEncoder().encode(JSON.stringify(delegation)))}` : '';
  if (!csrPem) return orderUrl + dlg;
  const der = pemBlocks(csrPem, 'CERTIFICATE REQUEST')[0]?.der;
  if (!der) throw new Error('not a CERTIFICATE REQUEST PEM block');
  return `${orderUrl}${dlg}${CSR_MARK}${toBase64Url(der)}`;
}

function parseHandle(handle: string): { orderUrl: string; csrPem: string | undefined; delegation: Delegation } | undefined {
  const at = handle.indexOf(CSR_MARK);
  let orderUrl = at < 0 ? handle : handle.slice(0, at);
  let delegation: Delegation;
  const dl = orderUrl.indexOf(DELEGATION_MARK);
  if (dl >= 0) {
    try {
      delegation = JSON.parse(new TextDecoder().decode(fromBase64Url(orderUrl.slice(dl + DELEGATION_MARK.length)))) as Record<string, string>;
    } catch {
      return undefined;
    }
    orderUrl = orderUrl.slice(0, dl);
  }
  if (!/^https:\/\/\S+$/.test(orderUrl)) return undefined;
  return { orderUrl, delegation, csrPem: at < 0 ? undefined : toPem('CERTIFICATE REQUEST', fromBase64Url(handle.slice(at + CSR_MARK.length))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const failed = (reason: string): IssueResult => ({ state: 'failed', reason });

export class UpstreamAcmeIssuer implements Issuer {
  private account: Promise<{ keyPem: string; url: string }> | undefined;
  private readonly submitWaitMs: number;
  private readonly pollWaitMs: number;
  /** The upstream's orders and challenges, for the customer to answer (tracking orders). */
  readonly upstream: UpstreamOrderChallenges;

  constructor(private readonly opts: UpstreamAcmeIssuerOptions) {
    this.submitWaitMs = opts.submitWaitMs ?? 10_000;
    this.pollWaitMs = opts.pollWaitMs ?? 2_000;
    this.upstream = new UpstreamOrderChallenges(async () => {
      const session = await this.session();
      return { session, accountKeyPem: (await this.account!).keyPem };
    }, opts.logger);
  }

  async submit(request: IssueRequest): Promise<IssueResult> {
    const deadline = Date.now() + this.submitWaitMs;
    return this.logged('submit', async () => {
      const s = await this.session();
      // Upstream mode: the order the customer's validation already made ready at the upstream is finalized.
      if (request.upstreamOrderUrl) return this.follow(s, request.upstreamOrderUrl, request.csrPem, deadline, undefined);
      let order: Order;
      try {
        // IP addresses go upstream as RFC 8738 identifiers: the upstream decides whether it issues for them.
        const identifiers = [
          ...request.domains.map((value) => ({ type: 'dns', value })),
          ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip', value })),
        ];
        order = await s.call('new order', (c) => c.createOrder({ identifiers }));
      } catch (err) {
        // Before the order exists there is no handle to poll: a busy upstream is thrown, the caller retries.
        if (err instanceof UpstreamRefused) return failed(`The upstream CA refused the order: ${err.detail}`);
        throw err;
      }
      return this.follow(s, order.url, request.csrPem, deadline, request.delegation);
    });
  }

  async poll(handle: string): Promise<IssueResult> {
    const parsed = parseHandle(handle);
    if (!parsed) return failed('The upstream order handle is not an order URL.');
    const deadline = Date.now() + this.pollWaitMs;
    return this.logged('poll', async () => this.follow(await this.session(), parsed.orderUrl, parsed.csrPem, deadline, parsed.delegation));
  }

  /**
   * Best effort, never thrown: the gateway has already recorded the revocation (and lists it on its CRL)
   * when this runs, and the order flow must not stop halfway because the upstream said no. Refusals and
   * faults go to the log with the serial.
   */
  async revoke(serialHex: string, reason: RevocationReason): Promise<void> {
    try {
      const pem = await this.opts.certificateBySerial?.(serialHex);
      if (!pem) return;
      const s = await this.session();
      await s.call('revocation', (c) => c.revokeCertificate(pem, { reason: reason as number }));
    } catch (err) {
      if (err instanceof UpstreamRefused && err.problemType === 'alreadyRevoked') return;
      this.opts.logger?.error('upstream revocation failed', { serial: serialHex, error: (err as Error).name, detail: (err as Error).message });
    }
  }

  /** Follows the upstream order until it is issued, refused or the deadline comes. */
  private async follow(s: UpstreamSession, orderUrl: string, csrPem: string | undefined, deadline: number, delegation: Delegation): Promise<IssueResult> {
    const answered = new Set<string>();
    const published: [string, string][] = [];
    let wait = 250;
    const pending = (): IssueResult => ({
      state: 'pending',
      handle: handleOf(orderUrl, csrPem, delegation),
      retryAfterSeconds: Math.min(Math.max(s.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS, 1), 3600),
    });
    const result = await this.followLoop(s, orderUrl, csrPem, deadline, delegation, answered, published, pending, wait);
    // Published while the upstream may still look; withdrawn once the order has left validation.
    if (result.state !== 'pending') for (const [name, value] of published) await this.opts.publisher?.withdraw(name, value).catch(() => undefined);
    return result;
  }

  private async followLoop(
    s: UpstreamSession,
    orderUrl: string,
    csrPem: string | undefined,
    deadline: number,
    delegation: Delegation,
    answered: Set<string>,
    published: [string, string][],
    pending: () => IssueResult,
    wait: number,
  ): Promise<IssueResult> {
    try {
      for (;;) {
        const order = await s.call('order', (c) => c.getOrder({ url: orderUrl } as Order));
        if (order.status === 'valid') {
          return await issuedFromChain(await s.call('certificate download', (c) => c.getCertificate(order)));
        }
        if (order.status === 'invalid') {
          const authzs = await s.call('authorizations', (c) => c.getAuthorizations(order)).catch(() => []);
          return failed(`The upstream CA refused the order: ${problemDetail(order.error) ?? whyInvalid(authzs) ?? 'the order became invalid'}`);
        }
        if (order.status === 'ready') {
          if (!csrPem) return failed('The upstream order is ready, but the CSR to finalize it with is gone.');
          const csr = csrPem;
          await s.call('finalize', (c) => c.finalizeOrder(order, csr));
          csrPem = undefined;
          continue;
        }
        if (order.status === 'pending') {
          const authzs = await s.call('authorizations', (c) => c.getAuthorizations(order));
          const invalid = whyInvalid(authzs);
          if (invalid) return failed(`The upstream CA refused the order: ${invalid}`);
          for (const authz of authzs) {
            const target = delegation?.[authz.identifier.value];
            if (target && this.opts.publisher && authz.status === 'pending') {
              // DNS delegation: the gateway answers the upstream's dns-01 itself, in its delegation zone.
              const dns = authz.challenges.find((c) => c.type === 'dns-01' && c.status === 'pending');
              if (dns && !answered.has(dns.url)) {
                const value = await s.client.getChallengeKeyAuthorization(dns);
                await this.opts.publisher.publish(target, value);
                published.push([target, value]);
                answered.add(dns.url);
                await s.call('challenge', (c) => c.completeChallenge(dns));
              }
              continue;
            }
            const challenge = authz.status === 'pending' ? selectChallenge(authz) : undefined;
            if (challenge && !answered.has(challenge.url)) {
              answered.add(challenge.url);
              await s.call('challenge', (c) => c.completeChallenge(challenge));
            }
          }
        } else if (order.status !== 'processing') {
          return failed(`The upstream order has an unexpected status "${String(order.status)}".`);
        }
        if (Date.now() + wait > deadline) return pending();
        await sleep(wait);
        wait = Math.min(wait * 1.5, 2_000);
      }
    } catch (err) {
      if (err instanceof UpstreamRefused) return failed(`The upstream CA refused the order: ${err.detail}`);
      if (err instanceof UpstreamBusy) {
        this.opts.logger?.error('upstream ACME CA busy', { detail: err.message });
        return pending();
      }
      throw err;
    }
  }

  /** A session with the gateway's upstream account: looked up (or registered) once per process. */
  private async session(): Promise<UpstreamSession> {
    this.account ??= this.register().catch((err: unknown) => {
      this.account = undefined;
      throw err;
    });
    const { keyPem, url } = await this.account;
    return new UpstreamSession({ directoryUrl: this.opts.upstream.directoryUrl, accountKeyPem: keyPem, accountUrl: url });
  }

  private async register(): Promise<{ keyPem: string; url: string }> {
    const { directoryUrl, eab, email } = this.opts.upstream;
    const keyPem = await loadOrCreateAccountKey(this.opts.keyring, this.opts.dataDir, directoryUrl, this.opts.accountKeyFile);
    const s = new UpstreamSession({ directoryUrl, accountKeyPem: keyPem, eab });
    const refused = (err: unknown) =>
      err instanceof UpstreamRefused ? new UpstreamAccountError(`the upstream ACME CA refused the gateway's account: ${err.detail}`) : err;
    try {
      // An account key already registered (an earlier start, another instance): found without spending the EAB.
      await s.call('account look-up', (c) => c.createAccount({ onlyReturnExisting: true }));
    } catch (err) {
      if (!(err instanceof UpstreamRefused && err.problemType === 'accountDoesNotExist')) throw refused(err);
      await s
        .call('account registration', (c) => c.createAccount({ termsOfServiceAgreed: true, contact: email ? [`mailto:${email}`] : undefined }))
        .catch((e: unknown) => Promise.reject(refused(e)));
      this.opts.logger?.info('upstream ACME account registered', { directory: directoryUrl, account: s.client.getAccountUrl(), eab: eab !== undefined });
    }
    return { keyPem, url: s.client.getAccountUrl() };
  }

  /** Faults that are thrown get one log line (class and message: host, code, upstream detail; no secrets). */
  private async logged(op: string, fn: () => Promise<IssueResult>): Promise<IssueResult> {
    try {
      return await fn();
    } catch (err) {
      this.opts.logger?.error(`upstream ACME ${op} failed`, { error: (err as Error).name, detail: (err as Error).message });
      throw err;
    }
  }
}

/**
 * The lookup for revoke(): certificates of this gateway that the embedded CA did not sign (those are
 * revoked on the gateway's own CRL alone).
 */
export function upstreamCertificateLookup(store: Store, embeddedChainPem: string): (serialHex: string) => Promise<string | undefined> {
  const embedded = embeddedChainPem.trim();
  return async (serialHex) => {
    const record = await store.certificates.bySerial(serialHex);
    return record && record.chainPem.trim() !== embedded ? record.certPem : undefined;
  };
}
