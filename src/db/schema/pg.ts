/** The tables on PostgreSQL (Node, EABGATE_DATABASE_URL): drizzle-kit writes drizzle-pg/ from this file. */
import { pgKinds } from './kinds-pg.js';
import { tables } from './tables.js';

export const pgTables = tables(pgKinds);
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
} = pgTables;
