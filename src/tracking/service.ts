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
import { renderCertificate, type CertificateDownload, type CertificateFormat } from '../ca/formats.js';
import { loadX509 } from '../core/x509-lazy.js';
import { checkCsr } from '../csr/check.js';
import { autoCsrPackage } from '../autocsr/package.js';
import type { KeyArchive } from '../autocsr/key-archive.js';
import type { OrderService } from '../orders/service.js';
import type { RegistrationAuthority } from '../ra/index.js';
import type { ValidateOutcome } from '../ra/tracking/lifecycle.js';

export const TRACKING_PER_ADDRESS: ThrottlePolicy = { free: 10, windowMs: 15 * 60_000, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 };

export interface TrackingDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  orders: OrderService;
  ra: RegistrationAuthority;
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
    const current = await this.deps.ra.tracking.current(order);
    const validations = await this.deps.ra.tracking.validations(current);
    const cert = await this.deps.store.certificates.latestForOrder(current.id);
    return {
      orderNumber: current.orderNumber,
      status: current.status,
      statusReason: current.statusReason,
      product: current.product,
      domains: current.domains,
      autoCsr: current.autoCsr,
      validation: validations.map(({ validation: v, instructions }) => ({
        domain: v.domain,
        status: v.status,
        method: v.method,
        lastCheckedAt: v.lastCheckedAt?.toISOString() ?? null,
        lastResult: v.lastResult ? (JSON.parse(v.lastResult) as Record<string, string>) : null,
        instructions,
      })),
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

  /** Approver e-mail validation (BR 3.2.2.4.4): a Random Value mailed to admin@, administrator@, webmaster@, hostmaster@ or postmaster@ the name. */
  sendApproverEmail(order: OrderRecord, domain: string, approver: string): Promise<{ to: string; expiresAt: Date }> {
    return this.deps.ra.tracking.sendApproverEmail(order, domain, approver);
  }

  /** The approver's confirmation with the mailed value; no CA Reference needed (the approver is not the customer). */
  confirmApprover(value: string): Promise<OrderRecord> {
    return this.deps.ra.tracking.confirmApproverEmail(value);
  }

  /** Checks the domains now and moves the order on when they are valid (the registration authority decides). */
  validate(order: OrderRecord): Promise<ValidateOutcome> {
    return this.deps.ra.tracking.validate(order);
  }

  async certificate(order: OrderRecord, format: CertificateFormat): Promise<CertificateDownload> {
    // While a reissue waits for validation, the certificate it will replace is still valid and served.
    const cert = await this.deps.store.certificates.latestForOrder(order.id);
    if (!cert || (order.status !== 'issued' && (cert.revokedAt !== null || order.replacesCertificateId !== cert.id))) {
      throw problems.conflict(`The certificate is not issued yet (order status: ${order.status}).`, { orderStatus: order.status });
    }
    await loadX509();
    return renderCertificate(format, { certificatePem: cert.certPem, chainPem: cert.chainPem }, order.domains[0]!);
  }

  /**
   * A new certificate for the same order: with a CSR, that one (checked against the order); without, a
   * new AutoCSR key pair with its own archive and unlock code (readable for 7 days, as before). The
   * registration authority decides: reissued at once, back to validation when the validations are too old
   * to reuse, or just the new CSR for an order not issued yet.
   */
  async reissue(order: OrderRecord, csr: string | undefined): Promise<{ order: OrderRecord; keyArchive?: KeyArchive }> {
    if (order.status === 'rejected' || order.status === 'revoked') {
      throw problems.conflict(`An order in status ${order.status} cannot be reissued.`, { orderStatus: order.status });
    }
    const now = this.deps.clock.now();
    if (csr !== undefined) {
      const csrPem = (await checkCsr(csr, order.domains, { fewerNames: true })).pem;
      return { order: await this.deps.ra.tracking.reissue(order, { csrPem, autoCsr: false }) };
    }
    // The key pair is made before the claim; the unlock code is stored only by the request that wins it.
    const made = await autoCsrPackage({
      domains: order.domains,
      organization: order.organization,
      orderNumber: order.orderNumber,
      now,
      fileSuffix: now.toISOString().slice(0, 10),
      keyPair: this.deps.orders.keyPair,
    });
    const updated = await this.deps.ra.tracking.reissue(order, { csrPem: made.csrPem, autoCsr: true }, async (claimed) => {
      await this.deps.orders.storeUnlockCode(claimed.id, made.unlockCode, now);
    });
    return { order: updated, keyArchive: made.keyArchive };
  }
}

