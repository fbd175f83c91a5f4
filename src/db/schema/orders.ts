import type { Kinds } from './kinds.js';
import type { AccountTables } from './accounts.js';
import type { Organization, OrderStatus } from '../../core/store/types.js';

export function orderTables({ table, text, integer, index }: Kinds, { customers }: Pick<AccountTables, 'customers'>) {
  /** Certificate orders. The CA Reference is kept only as a keyed digest. */
  const orders = table(
    'orders',
    {
      id: text('id').primaryKey(),
      orderNumber: text('order_number').notNull().unique(),
      customerId: text('customer_id')
        .notNull()
        .references(() => customers.id, { onDelete: 'cascade' }),
      caReferenceDigest: text('ca_reference_digest').notNull().unique(),
      product: text('product', { enum: ['dv', 'ov', 'ev'] }).notNull(),
      /** JSON array of DNS names, the first is the subject CN. */
      domains: text('domains', { mode: 'json' }).$type<string[]>().notNull(),
      organization: text('organization', { mode: 'json' }).$type<Organization>().notNull(),
      csrPem: text('csr_pem').notNull(),
      autoCsr: integer('auto_csr', { mode: 'boolean' }).notNull(),
      status: text('status').$type<OrderStatus>().notNull(),
      statusReason: text('status_reason'),
      /** The issuer's handle while the order waits at an upstream CA. */
      issuerHandle: text('issuer_handle'),
      /** The current (or last) issuance attempt: its certificate row carries the same id (unique). */
      issuanceId: text('issuance_id'),
      /** When the current issuance started, and when a request last took it over (crash recovery). */
      issuanceStartedAt: integer('issuance_started_at', { mode: 'timestamp_ms' }),
      issuanceLeaseAt: integer('issuance_lease_at', { mode: 'timestamp_ms' }),
      /** The certificate a reissue replaces: revoked (superseded) once its successor exists. */
      replacesCertificateId: text('replaces_certificate_id'),
      /** When an operator approved the organization (OV/EV): its reuse window starts here. */
      approvedAt: integer('approved_at', { mode: 'timestamp_ms' }),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      processedAt: integer('processed_at', { mode: 'timestamp_ms' }).notNull(),
      updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
      /** A renewal: the order it follows (unique, so one order is renewed at most once, whatever the clicks). */
      renewsOrderId: text('renews_order_id').unique(),
    },
    (t) => [index('orders_customer_idx').on(t.customerId, t.createdAt), index('orders_status_idx').on(t.status, t.issuanceLeaseAt)],
  );

  /**
   * Unlock codes of AutoCSR key archives, sealed (AES-256-GCM bound to this row) and deleted at expiry.
   * One row per key archive: a reissue adds a new one.
   */
  const unlockCodes = table(
    'unlock_codes',
    {
      id: text('id').primaryKey(),
      orderId: text('order_id')
        .notNull()
        .references(() => orders.id, { onDelete: 'cascade' }),
      sealed: text('sealed').notNull(),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('unlock_codes_order_idx').on(t.orderId, t.createdAt), index('unlock_codes_expires_idx').on(t.expiresAt)],
  );
  return { orders, unlockCodes };
}

export type OrderTables = ReturnType<typeof orderTables>;
