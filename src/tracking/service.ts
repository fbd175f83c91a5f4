/**
 * Tracking by CA Reference: whoever holds the reference may see the order's status and validation
 * instructions, check the domains, download the certificate and reissue it. The reference is only ever
 * compared as a keyed digest; wrong ones are slowed down per client address and all answer alike.
 */
import type { Clock } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Store, OrderRecord } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import { Throttle, type ThrottlePolicy } from '../core/throttle.js';
import type { ValidationAuthority } from '../va/va.js';
import type { Issuer } from '../ca/issuer.js';
import { renderCertificate, type CertificateDownload, type CertificateFormat } from '../ca/formats.js';
import { checkCsr } from '../csr/check.js';
import { autoCsrPackage } from '../autocsr/package.js';
import type { KeyArchive } from '../autocsr/key-archive.js';
import type { OrderService } from '../orders/service.js';
import { checkDomains, instructionsFor, type CheckOutcome } from './validations.js';
import { issueOrder, pollOrder } from '../issuance/order-issuance.js';

export const TRACKING_PER_ADDRESS: ThrottlePolicy = { free: 10, windowMs: 15 * 60_000, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 };

export interface TrackingDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  va: ValidationAuthority;
  issuer: Issuer;
  orders: OrderService;
}

/** A CA Reference as typed: case and spaces do not matter, dashes are restored. */
export function canonicalReference(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '');
  const m = /^CAR([2-9A-HJKMNP-TV-Z]{28})$/.exec(s);
  if (!m) return undefined;
  return `CAR-${m[1]!.match(/.{4}/g)!.join('-')}`;
}

export class TrackingService {
  private readonly throttle: Throttle;
  constructor(private readonly deps: TrackingDeps) {
    this.throttle = new Throttle(deps.store.throttles, deps.clock);
  }

  /** The order a reference proves the right to; one answer for every kind of wrong reference. */
  async find(reference: string, clientAddress: string): Promise<OrderRecord> {
    const key = `tracking:address:${clientAddress}`;
    await this.throttle.assertOpen(key, 'CA Reference look-ups from this address');
    const canonical = canonicalReference(reference);
    const order = canonical
      ? await this.deps.store.orders.byCaReferenceDigest(await this.deps.keyring.lookupDigest('ca-reference', canonical))
      : undefined;
    if (!order) {
      await this.throttle.recordFailure(key, TRACKING_PER_ADDRESS);
      throw problems.notFound('caReference: no order matches this CA Reference.', { field: 'caReference' });
    }
    return order;
  }

  async view(order: OrderRecord) {
    const current = await pollOrder(this.deps, order);
    const validations = await this.deps.store.domainValidations.forOrder(current.id);
    const cert = await this.deps.store.certificates.latestForOrder(current.id);
    return {
      orderNumber: current.orderNumber,
      status: current.status,
      statusReason: current.statusReason,
      product: current.product,
      domains: current.domains,
      autoCsr: current.autoCsr,
      validation: await Promise.all(
        validations.map(async (v) => ({
          domain: v.domain,
          status: v.status,
          method: v.method,
          lastCheckedAt: v.lastCheckedAt?.toISOString() ?? null,
          lastResult: v.lastResult ? (JSON.parse(v.lastResult) as Record<string, string>) : null,
          instructions: await instructionsFor(v),
        })),
      ),
      certificate: cert
        ? {
            serial: cert.serialHex,
            notBefore: cert.notBefore.toISOString(),
            notAfter: cert.notAfter.toISOString(),
            issuer: cert.issuer,
            revoked: cert.revokedAt !== null,
          }
        : null,
    };
  }

  /**
   * Checks the domains now. When every one is valid, CAA is checked and the order moves on: DV is issued at
   * once, OV/EV waits for an operator's approval.
   */
  async validate(order: OrderRecord): Promise<{ order: OrderRecord; domains: CheckOutcome[]; caa: { domain: string; ok: boolean; detail?: string }[] }> {
    if (order.status !== 'pending_validation') {
      return { order, domains: await checkDomains(this.deps, order), caa: [] };
    }
    const domains = await checkDomains(this.deps, order);
    if (domains.some((d) => d.status !== 'valid')) return { order, domains, caa: [] };

    // RFC 8657: a record limited to some validation methods authorizes only the method that validated.
    const methodOf = new Map(domains.map((d) => [d.domain, d.method]));
    const caa = await Promise.all(
      order.domains.map(async (domain) => {
        const r = await this.deps.va.checkCaa(domain, { method: methodOf.get(domain) });
        return r.ok ? { domain, ok: true } : { domain, ok: false, detail: r.problem.detail };
      }),
    );
    const now = this.deps.clock.now();
    const refused = caa.find((c) => !c.ok);
    if (refused) {
      const statusReason = `CAA forbids issuance for ${refused.domain}: ${refused.detail}`;
      await this.deps.store.orders.update(order.id, { statusReason, updatedAt: now });
      return { order: { ...order, statusReason }, domains, caa };
    }
    if (order.product !== 'dv') {
      const changes = { status: 'pending_approval' as const, statusReason: 'Domains validated; waiting for organization validation by an operator.', updatedAt: now };
      await this.deps.store.orders.update(order.id, changes);
      return { order: { ...order, ...changes }, domains, caa };
    }
    return { order: await issueOrder(this.deps, order), domains, caa };
  }

  async certificate(order: OrderRecord, format: CertificateFormat): Promise<CertificateDownload> {
    const cert = await this.deps.store.certificates.latestForOrder(order.id);
    if (!cert || order.status !== 'issued') {
      throw problems.conflict(`The certificate is not issued yet (order status: ${order.status}).`, { orderStatus: order.status });
    }
    return renderCertificate(format, { certificatePem: cert.certPem, chainPem: cert.chainPem }, order.domains[0]!);
  }

  /**
   * A new certificate for the same order: with a CSR, that one (checked against the order); without, a
   * new AutoCSR key pair with its own archive and unlock code (readable for 7 days, as before). An issued
   * order gets its new certificate at once and the replaced one is revoked; an order not issued yet just
   * takes the new CSR.
   */
  async reissue(order: OrderRecord, csr: string | undefined): Promise<{ order: OrderRecord; keyArchive?: KeyArchive }> {
    if (order.status === 'rejected' || order.status === 'revoked') {
      throw problems.conflict(`An order in status ${order.status} cannot be reissued.`, { orderStatus: order.status });
    }
    const now = this.deps.clock.now();
    let csrPem: string;
    let keyArchive: KeyArchive | undefined;
    if (csr !== undefined) {
      csrPem = (await checkCsr(csr, order.domains)).pem;
    } else {
      const made = await autoCsrPackage({
        domains: order.domains,
        organization: order.organization,
        orderNumber: order.orderNumber,
        now,
        fileSuffix: now.toISOString().slice(0, 10),
      });
      ({ csrPem, keyArchive } = made);
      await this.deps.orders.storeUnlockCode(order.id, made.unlockCode, now);
    }
    const changes = { csrPem, autoCsr: csr === undefined, updatedAt: now };
    await this.deps.store.orders.update(order.id, changes);
    let updated: OrderRecord = { ...order, ...changes };
    if (order.status === 'issued' || order.status === 'failed') {
      const previous = await this.deps.store.certificates.latestForOrder(order.id);
      updated = await issueOrder(this.deps, updated, previous && !previous.revokedAt ? previous : undefined);
    }
    return { order: updated, keyArchive };
  }
}

