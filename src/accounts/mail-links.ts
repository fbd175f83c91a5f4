/**
 * What accounts do by mail: the sign-up's address verification and the password reset. Both are links with
 * a single-use token: only a keyed digest of it is stored, it lives briefly (verification 48 h, reset
 * 30 min), using it is one conditional statement (two clicks cannot both use it), and a new link retires
 * the older ones. Asking for a reset answers the same whether the account exists or not, and the mail goes
 * out through the outbox, so neither the answer nor its timing tells which addresses have accounts.
 */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { PasswordHasher } from '../core/secrets/password.js';
import type { CustomerRecord, Store } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import { newBearerToken } from '../core/secrets/tokens.js';
import { addressKey } from '../core/rate-limits.js';
import { composeMail } from '../mail/outbox.js';
import { passwordReset, verifyEmail } from '../mail/messages.js';
import { normalizeEmail } from './service.js';

export const VERIFY_TTL_MS = 48 * 3_600_000;
export const RESET_TTL_MS = 30 * 60_000;
/** Reset requests: per client address (answered 429), and per account (more are accepted and dropped silently). */
export const RESET_PER_ADDRESS = { count: 10, windowMs: 3_600_000 };
export const RESET_PER_ACCOUNT = { count: 3, windowMs: 3_600_000 };

const TOKEN_PREFIX = 'egm';

export interface AccountMailDeps {
  store: Store;
  keyring: Keyring;
  hasher: PasswordHasher;
  clock: Clock;
  config: Partial<Pick<Config, 'mail' | 'baseUrl'>>;
}

export class AccountMail {
  constructor(private readonly deps: AccountMailDeps) {}

  /** Whether mails go out at all (mail settings given). */
  get enabled(): boolean {
    return this.deps.config.mail !== undefined && this.deps.config.baseUrl !== undefined;
  }

  async verified(customer: CustomerRecord): Promise<boolean> {
    return (await this.deps.store.mail.settings(customer.id)).verifiedAt !== null;
  }

  /** The account's mail settings: whether shipment notices carry the CA Reference (the operator may keep it out for all). */
  async settings(customer: CustomerRecord): Promise<{ verified: boolean; caReferenceInMail: boolean }> {
    const s = await this.deps.store.mail.settings(customer.id);
    return { verified: s.verifiedAt !== null, caReferenceInMail: !s.omitCaReference && this.deps.config.mail?.caReference !== 'omit' };
  }

  async setCaReferenceInMail(customer: CustomerRecord, include: boolean): Promise<void> {
    const s = await this.deps.store.mail.settings(customer.id);
    await this.deps.store.mail.putSettings({ ...s, omitCaReference: !include });
  }

  /** Mails a new verification link (after sign-up, or asked again); the older links stop working. */
  async sendVerification(customer: CustomerRecord): Promise<void> {
    if (!this.enabled) return;
    const { token, record } = await this.newToken('verify-email', customer.id, VERIFY_TTL_MS);
    const link = `${this.deps.config.baseUrl}/portal/verify?token=${token}`;
    const mail = await composeMail(this.deps, 'verify-email', `account.verify:${record.digest.slice(0, 32)}`, customer.email, verifyEmail({ link, hours: VERIFY_TTL_MS / 3_600_000 }));
    await this.deps.store.mail.issueToken(record, [mail]);
  }

  /** Uses a verification link; true when it was valid (the address is then verified). */
  async verify(token: string): Promise<boolean> {
    const used = await this.use(token, 'verify-email');
    if (!used) return false;
    const settings = await this.deps.store.mail.settings(used.subjectId);
    await this.deps.store.mail.putSettings({ ...settings, verifiedAt: settings.verifiedAt ?? this.deps.clock.now() });
    return true;
  }

  /**
   * A reset link to the address if an account has it. The caller answers the same either way; only too many
   * requests from one client address are refused (429), whatever the addresses asked for.
   */
  async requestReset(email: string, clientAddress: string): Promise<void> {
    if (!this.enabled) throw problems.notFound('Password reset by mail is not available: this service sends no mail. Ask the operator.');
    const now = this.deps.clock.now();
    const perAddress = await this.deps.store.throttles.hit(`reset:address:${addressKey(clientAddress)}`, now, RESET_PER_ADDRESS.windowMs);
    if (perAddress.count > RESET_PER_ADDRESS.count) {
      const retry = Math.max(1, Math.ceil((perAddress.windowStart.getTime() + RESET_PER_ADDRESS.windowMs - now.getTime()) / 1000));
      throw problems.tooManyRequests('Too many password reset requests from this address; try again later.', retry);
    }
    const normalized = normalizeEmail(email);
    const perAccount = await this.deps.store.throttles.hit(`reset:account:${normalized}`, now, RESET_PER_ACCOUNT.windowMs);
    if (perAccount.count > RESET_PER_ACCOUNT.count) return;
    const customer = await this.deps.store.customers.byEmail(normalized);
    if (!customer) return;
    const { token, record } = await this.newToken('password-reset', customer.id, RESET_TTL_MS);
    const link = `${this.deps.config.baseUrl}/portal/reset?token=${token}`;
    const mail = await composeMail(this.deps, 'password-reset', `account.reset:${record.digest.slice(0, 32)}`, customer.email, passwordReset({ link, minutes: RESET_TTL_MS / 60_000 }));
    await this.deps.store.mail.issueToken(record, [mail]);
  }

  /** Sets a new password with a reset link (single use); every session of the account ends. */
  async reset(token: string, password: string): Promise<void> {
    if (password.length < 12 || password.length > 256) throw problems.validation('password: 12 to 256 characters', { field: 'password' });
    const used = await this.use(token, 'password-reset');
    if (!used) throw problems.badRequest('The reset link is not valid: it was used already, has expired (30 minutes) or was replaced by a newer one. Ask for a new one.', { field: 'token' });
    await this.deps.store.mail.resetPassword(used.subjectId, await this.deps.hasher.hash(password));
  }

  private async newToken(purpose: string, subjectId: string, ttlMs: number) {
    const token = newBearerToken(TOKEN_PREFIX);
    const now = this.deps.clock.now();
    const record = { digest: await this.deps.keyring.lookupDigest('mail-token', token), purpose, subjectId, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), usedAt: null };
    return { token, record };
  }

  private async use(token: string, purpose: string) {
    if (!token.startsWith(`${TOKEN_PREFIX}_`) || token.length > 100) return undefined;
    return this.deps.store.mail.useToken(await this.deps.keyring.lookupDigest('mail-token', token), purpose, this.deps.clock.now());
  }
}
