/** Every table of the gateway, built for one dialect (./kinds.ts). */
import type { Kinds } from './kinds.js';
import { accountTables } from './accounts.js';
import { caasTables } from './caas.js';
import { orderTables } from './orders.js';
import { issuanceTables } from './issuance.js';
import { acmeTables } from './acme.js';
import { upstreamTables } from './upstream.js';
import { mailTables } from './mail.js';

export function tables(k: Kinds) {
  const accounts = accountTables(k);
  const caas = caasTables(k, accounts);
  const orders = orderTables(k, accounts);
  return { ...accounts, ...orders, ...issuanceTables(k, orders), ...caas, ...acmeTables(k, caas), ...upstreamTables(k, orders), ...mailTables(k, accounts) };
}

export type Tables = ReturnType<typeof tables>;
