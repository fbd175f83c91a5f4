/** The tables on SQLite (better-sqlite3 on Node, D1 on Workers): drizzle-kit writes drizzle/ from this file. */
import { sqliteKinds } from './kinds.js';
import { tables } from './tables.js';

export const sqliteTables = tables(sqliteKinds);
export const {
  customers,
  sessions,
  throttles,
  orders,
  unlockCodes,
  caMaterial,
  domainValidations,
  certificates,
  subscriptions,
  eabCredentials,
  eabViews,
  acmeNonces,
  acmeAccounts,
  acmeOrders,
  acmeOrderAuthorizations,
  planReservations,
  acmeAuthorizations,
  acmeChallenges,
  upstreamOrders,
  mailOutbox,
  mailTokens,
  customerMail,
} = sqliteTables;
