/**
 * Retention (issue 13 part 6), run by the periodic purge on the injected clock: EAB view logs (IP
 * addresses) after 90 days, expired ACME state after 30 more days (not an order whose authorization is
 * still alive), personal data of closed orders after 90 days (the order and what the certificate carries
 * stay), validation records 2 years after the order closed. Nothing goes a day early.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DAY_MS } from '../../src/core/clock.js';
import { RETENTION_DAYS } from '../../src/core/retention.js';
import { customer } from '../support/harness.js';
import { ORG } from '../support/order.js';
import { opensslCsr } from '../support/csr.js';
import { caasHarness, subscribe, reveal, bindAcmeAccount, login } from '../caas/support.js';
import type { Harness } from '../support/harness.js';
import { registrationAuthority } from '../../src/ra/index.js';

let h: Harness;
beforeAll(async () => {
  h = await caasHarness();
});
afterAll(() => h.close());

const purge = () => registrationAuthority(h.deps).ra.purgeRetention();
const days = (n: number) => h.clock.advance(n * DAY_MS);
const count = (sql: string, ...args: unknown[]) => (h.deps.sqlite.sqlite.prepare(sql).get(...args) as { n: number }).n;

describe('retention', () => {
  it('EAB view log rows (IP addresses) go after 90 days, not before', async () => {
    const token = await customer(h, 'views@example.com');
    const sub = await subscribe(h, 'views@example.com');
    expect((await reveal(h, token, sub.id, '198.51.100.77')).status).toBe(200);
    expect(count('select count(*) n from eab_views where client_address = ?', '198.51.100.77')).toBe(1);
    days(RETENTION_DAYS.eabViews - 1);
    expect((await purge()).eabViews).toBe(0);
    days(2);
    expect((await purge()).eabViews).toBe(1);
    expect(count('select count(*) n from eab_views where client_address = ?', '198.51.100.77')).toBe(0);
  });

  it('ACME orders go 30 days after they expired, with their authorizations; one whose authorization lives on stays', async () => {
    await customer(h, 'acme-ret@example.com');
    const sub = await subscribe(h, 'acme-ret@example.com');
    bindAcmeAccount(h, 'kid-ret', sub.id);
    const accountId = (h.deps.sqlite.sqlite.prepare('select id from acme_accounts where eab_kid = ?').get('kid-ret') as { id: string }).id;
    const now = h.clock.now();
    const order = (id: string, authzDays: number) => ({
      order: {
        id, accountId, status: 'invalid' as const, identifiers: [{ type: 'dns', value: `${id}.example.org` }], notBefore: null, notAfter: null,
        expires: new Date(now.getTime() + 7 * DAY_MS), error: null, certificateId: null, issuerHandle: null, replaces: null, profile: null,
        csrPem: null, processingStartedAt: null, leaseAt: null, createdAt: now,
      },
      authz: {
        id: `${id}-authz`, orderId: id, accountId, identifierType: 'dns', identifierValue: `${id}.example.org`, wildcard: false,
        status: 'valid' as const, expires: new Date(now.getTime() + authzDays * DAY_MS), validatedAt: now,
      },
    });
    const short = order('short', 7);
    const long = order('long', 90);
    await h.deps.store.acme.orders.create(short.order, [short.authz], []);
    await h.deps.store.acme.orders.create(long.order, [long.authz], []);
    days(7 + RETENTION_DAYS.acmeState - 1);
    expect((await purge()).acmeOrders).toBe(0);
    days(2);
    expect((await purge()).acmeOrders).toBe(1);
    expect(await h.deps.store.acme.orders.byId('short')).toBeUndefined();
    expect(count("select count(*) n from acme_authorizations where id = 'short-authz'")).toBe(0);
    expect(await h.deps.store.acme.orders.byId('long')).toBeDefined();
  });

  it('a closed order loses its CSR and the organization’s e-mail and unit after 90 days; its validations after 2 years', async () => {
    const token = await customer(h, 'closed@example.com');
    const { csr } = opensslCsr({ key: 'ec', cn: 'closed.example.org', sans: ['closed.example.org'] });
    const placed = await h.request('POST', '/api/v1/orders', { token, json: { product: 'ov', domains: ['closed.example.org'], organization: ORG, csr } });
    expect(placed.status).toBe(201);
    const { orderNumber } = (await placed.json()) as { orderNumber: string };
    const order = (await h.deps.store.orders.byNumber(orderNumber))!;
    // An open order is never touched; then it closes (rejected, as an operator would).
    days(RETENTION_DAYS.closedOrderPersonalData + 1);
    expect((await purge()).ordersErased).toBe(0);
    await h.deps.store.orders.transition(order.id, ['pending_validation'], { status: 'rejected', statusReason: 'test: organization not found', updatedAt: h.clock.now() });

    days(RETENTION_DAYS.closedOrderPersonalData - 1);
    expect((await purge()).ordersErased).toBe(0);
    days(2);
    expect((await purge()).ordersErased).toBe(1);
    // (The session of 90 days ago has long expired: log in again.)
    const again = await login(h, 'closed@example.com');
    const got = (await (await h.request('GET', `/api/v1/orders/${orderNumber}`, { token: again })).json()) as { csr: string; organization: Record<string, string>; status: string };
    expect(got.csr).toBe('');
    expect(got.status).toBe('rejected');
    expect(got.organization.email).toBeUndefined();
    expect(got.organization.unit).toBeUndefined();
    expect(got.organization.name).toBe(ORG.name);
    expect((await purge()).ordersErased).toBe(0);

    expect(count('select count(*) n from domain_validations where order_id = ?', order.id)).toBe(1);
    days(RETENTION_DAYS.validationRecords - RETENTION_DAYS.closedOrderPersonalData - 2);
    expect((await purge()).validationRecords).toBe(0);
    days(2);
    expect((await purge()).validationRecords).toBe(1);
    expect(count('select count(*) n from domain_validations where order_id = ?', order.id)).toBe(0);
    expect(await h.deps.store.orders.byId(order.id)).toBeDefined();
  });

  it('an issued order counts as closed once its last certificate expired; a live certificate keeps its CSR', async () => {
    const token = await customer(h, 'expired@example.com');
    const { csr } = opensslCsr({ key: 'ec', cn: 'expired.example.org', sans: ['expired.example.org'] });
    const placed = await h.request('POST', '/api/v1/orders', { token, json: { product: 'dv', domains: ['expired.example.org'], csr } });
    const order = (await h.deps.store.orders.byNumber(((await placed.json()) as { orderNumber: string }).orderNumber))!;
    // As issuance leaves it: a certificate of 10 days, the order issued.
    const now = h.clock.now();
    await h.deps.store.certificates.create({
      id: 'cert-expired', orderId: order.id, acmeOrderId: null, serialHex: 'ab01', certPem: 'test', chainPem: 'test', issuer: 'test',
      notBefore: now, notAfter: new Date(now.getTime() + 10 * DAY_MS), revokedAt: null, revocationReason: null, replacedBy: null, issuanceId: null, createdAt: now,
    });
    await h.deps.store.orders.transition(order.id, ['pending_validation'], { status: 'issued', updatedAt: now });
    days(10 + RETENTION_DAYS.closedOrderPersonalData - 1);
    expect((await purge()).ordersErased).toBe(0);
    expect((await h.deps.store.orders.byId(order.id))!.csrPem).not.toBe('');
    days(2);
    expect((await purge()).ordersErased).toBe(1);
    const after = (await h.deps.store.orders.byId(order.id))!;
    expect(after.csrPem).toBe('');
    expect(after.status).toBe('issued');
    expect(await h.deps.store.certificates.byId('cert-expired')).toBeDefined();
  });
});
