import type { Kinds } from './kinds.js';
import type { OrderTables } from './orders.js';
import type { UpstreamAuthorization } from '../../core/store/upstream.js';

export function upstreamTables({ table, text, integer, index }: Kinds, { orders }: Pick<OrderTables, 'orders'>) {
  /**
   * Upstream mode: per tracking order, the upstream ACME order that carries it (one at a time: a retry or a
   * reissue replaces it conditionally on the URL it replaces). Survives restarts: the order URL is enough
   * to read the rest back from the upstream.
   */
  const upstreamOrders = table(
    'upstream_orders',
    {
      /** The tracking order's id. */
      id: text('id')
        .primaryKey()
        .references(() => orders.id, { onDelete: 'cascade' }),
      orderUrl: text('order_url').notNull(),
      /** The upstream order's status as last read: pending | ready | processing | valid | invalid (or expired). */
      status: text('status').notNull(),
      expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
      /** The authorizations and their challenges as last read (JSON). */
      authorizations: text('authorizations', { mode: 'json' }).$type<UpstreamAuthorization[]>().notNull(),
      /** The upstream's last word to show the customer (a refusal), or null. */
      detail: text('detail'),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
      updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    },
    (t) => [index('upstream_orders_status_idx').on(t.status)],
  );
  return { upstreamOrders };
}
