import { sql } from 'drizzle-orm';
import type { Kinds } from './kinds.js';
import type { OrderTables } from './orders.js';

export function issuanceTables({ table, text, integer, index, uniqueIndex }: Kinds, { orders }: Pick<OrderTables, 'orders'>) {
  /**
   * The embedded CA's material: certificates in the clear, private keys sealed (AES-256-GCM bound to this
   * row and purpose). One row, id "embedded".
   */
  const caMaterial = table('ca_material', {
    id: text('id').primaryKey(),
    rootCertPem: text('root_cert_pem').notNull(),
    intermediateCertPem: text('intermediate_cert_pem').notNull(),
    rootKeySealed: text('root_key_sealed').notNull(),
    intermediateKeySealed: text('intermediate_key_sealed').notNull(),
    crlNumber: integer('crl_number').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  });

  /** Per order and domain: the challenge token and its state (http-01 or dns-01, the customer's choice). */
  const domainValidations = table(
    'domain_validations',
    {
      id: text('id').primaryKey(),
      orderId: text('order_id')
        .notNull()
        .references(() => orders.id, { onDelete: 'cascade' }),
      domain: text('domain').notNull(),
      token: text('token').notNull(),
      keyAuthorization: text('key_authorization').notNull(),
      status: text('status', { enum: ['pending', 'valid', 'invalid'] }).notNull(),
      method: text('method'),
      lastCheckedAt: integer('last_checked_at', { mode: 'timestamp_ms' }),
      lastResult: text('last_result'),
      validatedAt: integer('validated_at', { mode: 'timestamp_ms' }),
    },
    (t) => [uniqueIndex('domain_validations_order_domain').on(t.orderId, t.domain)],
  );

  /** Issued certificates (never with a private key). Revoked ones feed the CRL. */
  const certificates = table(
    'certificates',
    {
      id: text('id').primaryKey(),
      /** The tracking order it belongs to (null for ACME orders). */
      orderId: text('order_id').references(() => orders.id, { onDelete: 'set null' }),
      /** The ACME order it belongs to (null for tracking orders). */
      acmeOrderId: text('acme_order_id'),
      serialHex: text('serial_hex').notNull().unique(),
      certPem: text('cert_pem').notNull(),
      chainPem: text('chain_pem').notNull(),
      issuer: text('issuer').notNull(),
      notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
      notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
      revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
      revocationReason: integer('revocation_reason'),
      replacedBy: text('replaced_by'),
      /** The issuance attempt that produced it (tracking: the order's issuanceId; ACME: the order id): at most one certificate each. */
      issuanceId: text('issuance_id').unique(),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    },
    // Partial: ACME certificates have no tracking order, and few certificates are revoked. Their queries
    // (order_id = ?, revoked_at is not null) imply the WHERE, so the planners still use them.
    (t) => [
      index('certificates_order_idx').on(t.orderId, t.createdAt).where(sql`order_id is not null`),
      index('certificates_revoked_idx').on(t.revokedAt).where(sql`revoked_at is not null`),
    ],
  );
  return { caMaterial, domainValidations, certificates };
}

export type IssuanceTables = ReturnType<typeof issuanceTables>;
