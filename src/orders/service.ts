/**
 * Orders: with the customer's own CSR (checked, used as is) or AutoCSR (key pair, CSR, key archive and a
 * sealed unlock code). The private key and the archive exist only in the returned value.
 */
import { loadPsl } from '../core/psl.js';
import type { Clock } from '../core/clock.js';
import { DAY_MS } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Store, OrderRecord, Organization, Product, CustomerRecord } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import { isCountryCode } from '../core/countries.js';
import { newCaReference, newId, newOrderNumber } from '../core/secrets/tokens.js';
import { checkDomains, withWwwCounterparts } from '../csr/names.js';
import { checkCsr } from '../csr/check.js';
import { autoCsrPackage } from '../autocsr/package.js';
import { buildValidations, instructionsFor } from '../ra/tracking/validations.js';
import type { Config } from '../core/config.js';
import type { UnlockCodeRecord } from '../core/store/types.js';
import { composeMail } from '../mail/outbox.js';
import { orderUrl, shipment } from '../mail/messages.js';
import type { KeyArchive } from '../autocsr/key-archive.js';
import type { KeyPool } from '../autocsr/key-pool.js';
import type { RegistrationAuthority } from '../ra/index.js';

export const UNLOCK_CODE_TTL_MS = 7 * DAY_MS;
export const MAX_DOMAINS = 100;

export interface NewOrder {
  product: Product;
  domains: string[];
  organization?: Organization;
  csr?: string;
  /** AutoCSR only: add the www host for a bare domain and the bare domain for a www host (default true). */
  addWwwVariant?: boolean;
}

export interface PlacedOrder {
  order: OrderRecord;
  caReference: string;
  keyArchive?: KeyArchive;
}

export interface OrderDeps {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  /** Warm AutoCSR key pairs; without one each order generates its key. */
  keyPool?: KeyPool;
  /** The registration authority: renewals go through it. */
  ra?: RegistrationAuthority;
  /** With mail settings, a shipment notice is written with each order (src/mail/). */
  config?: Partial<Pick<Config, 'mail' | 'baseUrl'>>;
}

/** What a renewal keeps: a new AutoCSR key pair (default), or the CSR (and so the key) of the renewed order. */
export type RenewalKey = 'autocsr' | 'same-csr';

export interface PlacedRenewal extends PlacedOrder {
  renews: OrderRecord;
}

const sealContext = (id: string) => ({ table: 'unlock_codes', id, purpose: 'unlock-code' });

function checkOrganization(product: Product, org: Organization): Organization {
  const clean: Organization = {};
  for (const [k, v] of Object.entries(org) as [keyof Organization, string | undefined][]) {
    if (v === undefined) continue;
    const t = v.trim();
    if (t.length === 0) continue;
    if (t.length > 64 && k !== 'email') throw problems.validation(`organization.${k}: at most 64 characters`, { field: `organization.${k}` });
    if (/[\u0000-\u001f\u007f]/.test(t)) throw problems.validation(`organization.${k}: control characters are not allowed`, { field: `organization.${k}` });
    clean[k] = t;
  }
  if (clean.country !== undefined) {
    clean.country = clean.country.toUpperCase();
    if (!isCountryCode(clean.country)) {
      throw problems.validation(`organization.country: "${clean.country}" is not an ISO 3166-1 alpha-2 country code`, {
        field: 'organization.country',
      });
    }
  }
  if (clean.email !== undefined && (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(clean.email) || clean.email.length > 128)) {
    throw problems.validation('organization.email: not an email address', { field: 'organization.email' });
  }
  if (clean.jurisdictionCountry !== undefined) {
    clean.jurisdictionCountry = clean.jurisdictionCountry.toUpperCase();
    if (!isCountryCode(clean.jurisdictionCountry)) {
      throw problems.validation(`organization.jurisdictionCountry: "${clean.jurisdictionCountry}" is not an ISO 3166-1 alpha-2 country code`, {
        field: 'organization.jurisdictionCountry',
      });
    }
  }
  if (product === 'ev') {
    for (const k of ['businessCategory', 'registrationNumber', 'jurisdictionCountry'] as const) {
      if (!clean[k]) throw problems.validation(`organization.${k}: required for EV certificates (EV Guidelines §7.1.4.2)`, { field: `organization.${k}` });
    }
  }
  if (product !== 'dv') {
    for (const k of ['name', 'country'] as const) {
      if (!clean[k]) throw problems.validation(`organization.${k}: required for ${product.toUpperCase()} certificates`, { field: `organization.${k}` });
    }
    if (!clean.locality && !clean.state) {
      throw problems.validation(`organization.locality: a locality or a state is required for ${product.toUpperCase()} certificates`, {
        field: 'organization.locality',
      });
    }
  }
  return clean;
}

export class OrderService {
  constructor(private readonly deps: OrderDeps) {}

  /** Where AutoCSR key pairs come from: the warm pool when there is one. */
  get keyPair(): (() => Promise<CryptoKeyPair>) | undefined {
    const pool = this.deps.keyPool;
    return pool ? () => pool.take() : undefined;
  }

  async place(customer: CustomerRecord, req: NewOrder): Promise<PlacedOrder> {
    if (this.deps.config?.mail && (await this.deps.store.mail.settings(customer.id)).verifiedAt === null) {
      // The shipment notice carries the tracking credentials: it goes only to an address shown to be the customer's.
      throw problems.forbidden(
        'email: confirm your e-mail address first: open the link mailed to you at sign-up, or ask for a new one (POST /api/v1/accounts/verification, or the portal).',
        { field: 'email' },
      );
    }
    const organization = checkOrganization(req.product, req.organization ?? {});
    await loadPsl(); // checkDomains' public-suffix check
    let domains = checkDomains(req.domains, 'domains', req.product !== 'ev');
    const auto = req.csr === undefined;
    if (auto && req.addWwwVariant !== false) domains = withWwwCounterparts(domains);
    if (domains.length > MAX_DOMAINS) {
      throw problems.validation(`domains: at most ${MAX_DOMAINS} names per order (${domains.length} given)`, { field: 'domains' });
    }

    const now = this.deps.clock.now();
    const fresh = await this.freshRecord(customer, req.product, domains, organization, now);
    let keyArchive: KeyArchive | undefined;
    let unlockCode: string | undefined;
    if (auto) {
      let csrPem: string;
      ({ csrPem, keyArchive, unlockCode } = await autoCsrPackage({ domains, organization, orderNumber: fresh.order.orderNumber, now, keyPair: this.keyPair }));
      fresh.order.csrPem = csrPem;
    } else {
      fresh.order.csrPem = (await checkCsr(req.csr!, domains, { fewerNames: true })).pem;
      fresh.order.autoCsr = false;
    }
    const order = fresh.order;
    const validations = await buildValidations(this.deps.keyring, order);
    const unlock = unlockCode !== undefined ? await this.unlockCodeRow(order.id, unlockCode, now) : undefined;
    // The order, its validations, its unlock code and its shipment notice: all or nothing.
    await this.deps.store.mail.placeOrder(
      { order, validations, unlockCode: unlock },
      await this.shipmentNotice(customer, order, fresh.caReference, validations, unlock),
    );
    return { order, caReference: fresh.caReference, keyArchive };
  }

  /**
   * Renews one of the customer's orders: a new order with the same product, names and organization, and a
   * new CA Reference. `autocsr` makes a new key pair (a new key archive and unlock code); `same-csr` signs the
   * renewed order's CSR again (checked again against today's policy), so the key on the server stays. The
   * renewed certificate is not touched: it stays valid until it expires. The registration authority places
   * it (one renewal per order, however many clicks).
   */
  async renew(customer: CustomerRecord, orderNumber: string, key: RenewalKey = 'autocsr'): Promise<PlacedRenewal> {
    const ra = this.deps.ra;
    if (!ra) throw new Error('OrderService.renew: no registration authority wired');
    const previous = await this.ownOrder(customer, orderNumber);
    await ra.renewal.assertRenewable(previous);
    const now = this.deps.clock.now();
    const fresh = await this.freshRecord(customer, previous.product, previous.domains, previous.organization, now);
    let made: Awaited<ReturnType<typeof autoCsrPackage>> | undefined;
    if (key === 'same-csr') {
      if (!previous.csrPem) {
        throw problems.gone('The CSR of this order was deleted with its personal data (retention period): renew with a new AutoCSR key, or order with a new CSR.');
      }
      fresh.order.csrPem = (await checkCsr(previous.csrPem, previous.domains, { fewerNames: true })).pem;
      // The key of this CSR is the customer's (or the earlier archive's): no new archive, nothing to unlock.
      fresh.order.autoCsr = false;
    } else {
      // The key pair is made before the claim; only the winning request stores the unlock code.
      made = await autoCsrPackage({
        domains: previous.domains,
        organization: previous.organization,
        orderNumber: fresh.order.orderNumber,
        now,
        keyPair: this.keyPair,
      });
      fresh.order.csrPem = made.csrPem;
    }
    // A renewal is a new order: its unlock code and its shipment notice are written with it.
    const order = await ra.renewal.place(previous, fresh.order, async (placed, validations) => {
      const unlockCode = made ? await this.unlockCodeRow(placed.id, made.unlockCode, now) : undefined;
      return { unlockCode, mails: await this.shipmentNotice(customer, placed, fresh.caReference, validations, unlockCode) };
    });
    return { order, caReference: fresh.caReference, keyArchive: made?.keyArchive, renews: previous };
  }

  /** A new order's record before its CSR is known: new id, order number and CA Reference. */
  private async freshRecord(customer: CustomerRecord, product: Product, domains: string[], organization: Organization, now: Date) {
    const caReference = newCaReference();
    const order: OrderRecord = {
      id: newId(),
      orderNumber: newOrderNumber(),
      customerId: customer.id,
      caReferenceDigest: await this.deps.keyring.lookupDigest('ca-reference', caReference),
      product,
      domains,
      organization,
      csrPem: '',
      autoCsr: true,
      status: 'pending_validation',
      statusReason: null,
      issuerHandle: null,
      issuanceId: null,
      issuanceStartedAt: null,
      issuanceLeaseAt: null,
      replacesCertificateId: null,
      approvedAt: null,
      renewsOrderId: null,
      createdAt: now,
      processedAt: now,
      updatedAt: now,
    };
    return { order, caReference };
  }

  /** The shipment notice of a new order (none without mail settings). */
  private async shipmentNotice(
    customer: CustomerRecord,
    order: OrderRecord,
    caReference: string,
    validations: Awaited<ReturnType<typeof buildValidations>>,
    unlock: UnlockCodeRecord | undefined,
  ) {
    const mail = this.deps.config?.mail;
    const base = this.deps.config?.baseUrl;
    if (!mail || !base) return [];
    // The reseller's practice: the notice carries the tracking credentials, so a customer who closed the tab
    // finds the CA Reference in the mailbox. The operator (EABGATE_MAIL_CA_REFERENCE=omit) or the account may keep it out.
    const omit = mail.caReference === 'omit' || (await this.deps.store.mail.settings(customer.id)).omitCaReference;
    const content = shipment({
      orderNumber: order.orderNumber,
      product: order.product,
      domains: order.domains,
      caReference: omit ? undefined : caReference,
      validations: await Promise.all(
        validations.map(async (v) => {
          const i = await instructionsFor(v);
          return { domain: v.domain, http01: i.http01, dns01: { name: i.dns01.name, value: i.dns01.value } };
        }),
      ),
      unlockCodeUntil: unlock?.expiresAt,
      orderUrl: orderUrl(base, order.orderNumber),
    });
    return [await composeMail(this.deps, 'shipment', `order.placed:${order.id}`, customer.email, content)];
  }

  /** A sealed unlock code for an order's newest key archive, readable for 7 days from `from`. */
  private async unlockCodeRow(orderId: string, code: string, from: Date): Promise<UnlockCodeRecord> {
    const codeId = newId();
    return {
      id: codeId,
      orderId,
      sealed: await this.deps.keyring.seal(code, sealContext(codeId)),
      createdAt: from,
      expiresAt: new Date(from.getTime() + UNLOCK_CODE_TTL_MS),
    };
  }

  /** Seals a new unlock code for an order's newest key archive; readable for 7 days from `from`. */
  async storeUnlockCode(orderId: string, code: string, from: Date): Promise<{ expiresAt: Date }> {
    const row = await this.unlockCodeRow(orderId, code, from);
    await this.deps.store.unlockCodes.create(row);
    return { expiresAt: row.expiresAt };
  }

  /** One of the customer's own orders; someone else's answers exactly like a missing one. */
  async ownOrder(customer: CustomerRecord, orderNumber: string): Promise<OrderRecord> {
    const order = await this.deps.store.orders.byNumber(orderNumber);
    if (!order || order.customerId !== customer.id) {
      throw problems.notFound(`orderNumber: no order ${JSON.stringify(orderNumber.slice(0, 40))} in this account`, { field: 'orderNumber' });
    }
    return order;
  }

  /** The order numbers a renewal links: the order this one renews, and the renewal of this one. */
  async renewalLinks(order: OrderRecord): Promise<{ renews: string | null; renewedBy: string | null }> {
    const renews = order.renewsOrderId ? await this.deps.store.orders.byId(order.renewsOrderId) : undefined;
    const renewedBy = await this.deps.store.orders.renewalOf(order.id);
    return { renews: renews?.orderNumber ?? null, renewedBy: renewedBy?.orderNumber ?? null };
  }

  list(customer: CustomerRecord): Promise<OrderRecord[]> {
    return this.deps.store.orders.listByCustomer(customer.id);
  }

  /** The state of an order's unlock code without revealing it. */
  async unlockCodeState(order: OrderRecord): Promise<{ available: boolean; expiresAt: Date | null } | null> {
    if (!order.autoCsr) return null;
    const row = await this.deps.store.unlockCodes.latestForOrder(order.id);
    const now = this.deps.clock.now();
    return row && row.expiresAt > now ? { available: true, expiresAt: row.expiresAt } : { available: false, expiresAt: row?.expiresAt ?? null };
  }

  /** Reveals the unlock code to the order's owner for 7 days; after that it is deleted and 410 answers. */
  async revealUnlockCode(customer: CustomerRecord, orderNumber: string): Promise<{ unlockCode: string; expiresAt: Date }> {
    const order = await this.ownOrder(customer, orderNumber);
    if (!order.autoCsr) {
      throw problems.notFound('This order brought its own CSR: there is no key archive and no unlock code.', { field: 'orderNumber' });
    }
    const row = await this.deps.store.unlockCodes.latestForOrder(order.id);
    const now = this.deps.clock.now();
    if (!row || row.expiresAt <= now) {
      if (row) await this.deps.store.unlockCodes.delete(row.id);
      throw problems.unlockCodeExpired(
        'The unlock code was readable for 7 days after the order was processed and has been deleted; it cannot be regenerated. ' +
          'Request a reissue to get a new key archive with a new unlock code.',
        { reissueNeeded: true },
      );
    }
    return { unlockCode: await this.deps.keyring.open(row.sealed, sealContext(row.id)), expiresAt: row.expiresAt };
  }
}
