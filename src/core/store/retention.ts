/** Storage for retention and account deletion (issue 13 part 6): bounded deletes and look-ups, each one statement. */
import type { OrderRecord } from './types.js';

export interface RetentionStore {
  /** Deletes EAB view log rows viewed before `cutoff`. */
  purgeEabViews(cutoff: Date): Promise<number>;
  /** Deletes ACME orders (their authorizations and challenges cascade) that expired before `cutoff` and are not being processed. */
  purgeAcmeOrders(cutoff: Date): Promise<number>;
  /**
   * Tracking orders that closed before `cutoff` and still hold personal data (a CSR, or an organization with
   * an e-mail address or unit): rejected/failed/revoked and last changed before it, or issued with every
   * certificate expired before it.
   */
  closedOrdersWithPersonalData(cutoff: Date, limit: number): Promise<OrderRecord[]>;
  /** Deletes the domain validation rows of tracking orders closed (as above) before `cutoff`. */
  purgeValidationsOfOrdersClosedBefore(cutoff: Date): Promise<number>;
  /** Ends every session of a customer. */
  deleteSessionsOf(customerId: string): Promise<number>;
  /** Deletes the sealed unlock codes of every order of a customer. */
  deleteUnlockCodesOf(customerId: string): Promise<number>;
  /**
   * Erases a customer's personal data from the account row: the e-mail becomes `placeholderEmail` (unique,
   * unusable) and the password hash `passwordHash` (of a random secret nobody holds). True if the row was changed.
   */
  anonymizeCustomer(customerId: string, placeholderEmail: string, passwordHash: string): Promise<boolean>;
}
