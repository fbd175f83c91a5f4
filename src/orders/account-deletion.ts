/**
 * A customer deletes their own account (issue 13 part 6), after typing the password again. What goes and
 * what stays (README "Deleting an account"):
 *   - goes: the e-mail address and password (the account row keeps only its id, under a placeholder
 *     address nobody can log in with), every session, the sealed unlock codes, each order's CSR and the
 *     organization's e-mail address and unit; open orders are closed; CaaS subscriptions and their EAB
 *     credentials are revoked, so no ACME client can order with them any more;
 *   - stays, for the CA's duties: the orders' numbers, names and the organization as the certificates show
 *     it, the certificates (valid until they expire; revocation and CRLs need them), and the domain
 *     validation records until their retention period ends (Baseline Requirements §5.5.2).
 * Every step can be repeated: a crash in between leaves an account its owner can log in to and delete again.
 */
import type { Clock } from '../core/clock.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import type { PasswordHasher } from '../core/secrets/password.js';
import { newBearerToken } from '../core/secrets/tokens.js';
import type { AccountService } from '../accounts/service.js';
import type { RegistrationAuthority } from '../ra/index.js';

export interface AccountDeletionDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  accounts: AccountService;
  ra: RegistrationAuthority;
}

export interface AccountDeletionReport {
  ordersClosed: number;
  ordersErased: number;
  subscriptionsRevoked: number;
  sessionsEnded: number;
}

/** The address a deleted account keeps (unique per account, in the reserved .invalid domain). */
export const deletedAccountEmail = (id: string) => `deleted-${id}@deleted.invalid`;

export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  async delete(customer: CustomerRecord, password: string, clientAddress: string): Promise<AccountDeletionReport> {
    const { store, clock, hasher, accounts, ra } = this.deps;
    await accounts.confirmPassword(customer, password, clientAddress);
    const now = clock.now();
    let subscriptionsRevoked = 0;
    for (const s of await store.caas.subscriptionsOf(customer.id)) {
      if (s.status === 'active' && (await store.caas.revokeSubscription(s.id, now))) subscriptionsRevoked++;
      for (const c of await store.caas.credentialsOf(s.id)) if (!c.revokedAt) await store.caas.revokeCredential(c.kid, now);
    }
    const orders = await ra.closeOrdersOfDeletedAccount(customer.id);
    await store.retention.deleteUnlockCodesOf(customer.id);
    // Mail hook (issue 13 part 2): a confirmation of the deletion to customer.email would be queued here,
    // before the address is erased below (it must carry no secret).
    const sessionsEnded = await store.retention.deleteSessionsOf(customer.id);
    // The password hash of a random secret nobody holds: the row stays a valid account nobody can enter.
    await store.retention.anonymizeCustomer(customer.id, deletedAccountEmail(customer.id), await hasher.hash(newBearerToken('deleted')));
    return { ordersClosed: orders.closed, ordersErased: orders.erased, subscriptionsRevoked, sessionsEnded };
  }
}
