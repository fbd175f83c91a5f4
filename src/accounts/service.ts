/** Customer accounts and login sessions. */
import type { Clock } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { PasswordHasher } from '../core/secrets/password.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import { newBearerToken, newId } from '../core/secrets/tokens.js';
import { Throttle, LOGIN_PER_ACCOUNT, LOGIN_PER_ACCOUNT_ADDRESS, LOGIN_PER_ADDRESS } from '../core/throttle.js';
import { addressKey } from '../core/rate-limits.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SESSION_TOKEN_PREFIX = 'egs';

export interface AccountDeps {
  store: Store;
  keyring: Keyring;
  hasher: PasswordHasher;
  clock: Clock;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountService {
  private readonly throttle: Throttle;
  /** A hash to verify against when the email is unknown, so both cases cost the same time. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: AccountDeps) {
    this.throttle = new Throttle(deps.store.throttles, deps.clock);
  }

  async register(email: string, password: string): Promise<CustomerRecord> {
    const normalized = normalizeEmail(email);
    if (await this.deps.store.customers.byEmail(normalized)) {
      throw problems.conflict('email: an account with this email address exists already', { field: 'email' });
    }
    const customer: CustomerRecord = {
      id: newId(),
      email: normalized,
      passwordHash: await this.deps.hasher.hash(password),
      createdAt: this.deps.clock.now(),
    };
    try {
      await this.deps.store.customers.create(customer);
    } catch {
      // A concurrent registration of the same address won the unique index.
      throw problems.conflict('email: an account with this email address exists already', { field: 'email' });
    }
    return customer;
  }

  /**
   * Failed logins are slowed down under three keys, so that one noisy address cannot lock anybody else
   * out: the account *from this address* (5 free, then doubling delays: the lock-out a guesser meets),
   * the address across all accounts (20 free: one source spraying many accounts), and the account from
   * everywhere with a high allowance (100 free in 15 min: many addresses guessing one password together;
   * each address gives it at most ~14 failures in a window before its own delays stop it, so reaching it
   * takes a spread-out attack, not one client). A success clears the account-from-this-address key only.
   */
  async login(email: string, password: string, clientAddress: string): Promise<{ token: string; expiresAt: Date }> {
    const normalized = normalizeEmail(email);
    const address = addressKey(clientAddress);
    const addressKeyName = `login:address:${address}`;
    const pairKey = `login:account-address:${normalized}|${address}`;
    const accountKey = `login:account:${normalized}`;
    await this.throttle.assertOpen(addressKeyName, 'logins from this address');
    await this.throttle.assertOpen(pairKey, 'logins for this account from this address');
    await this.throttle.assertOpen(accountKey, 'logins for this account');

    const customer = await this.deps.store.customers.byEmail(normalized);
    let ok = false;
    if (customer) ok = await this.deps.hasher.verify(password, customer.passwordHash);
    else {
      this.decoy ??= this.deps.hasher.hash('decoy password never used');
      await this.deps.hasher.verify(password, await this.decoy);
    }
    if (!customer || !ok) {
      await this.throttle.recordFailure(pairKey, LOGIN_PER_ACCOUNT_ADDRESS);
      await this.throttle.recordFailure(addressKeyName, LOGIN_PER_ADDRESS);
      await this.throttle.recordFailure(accountKey, LOGIN_PER_ACCOUNT);
      throw problems.invalidCredentials('The email address or the password is wrong.');
    }
    await this.throttle.reset(pairKey);

    const token = newBearerToken(SESSION_TOKEN_PREFIX);
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.deps.store.sessions.create({
      tokenDigest: await this.deps.keyring.lookupDigest('session', token),
      customerId: customer.id,
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /**
   * Re-authentication before something irreversible (deleting the account): the customer's password again,
   * with failures counted like log-in failures for this account from this address.
   */
  async confirmPassword(customer: CustomerRecord, password: string, clientAddress: string): Promise<void> {
    const pairKey = `login:account-address:${customer.email}|${addressKey(clientAddress)}`;
    await this.throttle.assertOpen(pairKey, 'password checks for this account from this address');
    if (!(await this.deps.hasher.verify(password, customer.passwordHash))) {
      await this.throttle.recordFailure(pairKey, LOGIN_PER_ACCOUNT_ADDRESS);
      throw problems.invalidCredentials('password: the password is wrong.', { field: 'password' });
    }
  }

  async logout(token: string): Promise<void> {
    await this.deps.store.sessions.delete(await this.deps.keyring.lookupDigest('session', token));
  }

  /** The customer a bearer token belongs to, or a 401 problem. */
  async authenticate(token: string | undefined): Promise<CustomerRecord> {
    if (!token || !token.startsWith(`${SESSION_TOKEN_PREFIX}_`) || token.length > 200) {
      throw problems.unauthorized('A valid session token is required (Authorization: Bearer <token> from POST /api/v1/sessions).');
    }
    const session = await this.deps.store.sessions.live(await this.deps.keyring.lookupDigest('session', token), this.deps.clock.now());
    const customer = session && (await this.deps.store.customers.byId(session.customerId));
    if (!customer) throw problems.unauthorized('The session has expired or was ended; log in again.');
    return customer;
  }
}
