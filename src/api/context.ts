/** What every request handler receives: the services, built once per app, and the authenticated customer. */
import type { Context } from 'hono';
import type { Config } from '../core/config.js';
import type { Clock } from '../core/clock.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { PasswordHasher } from '../core/secrets/password.js';
import type { Store, CustomerRecord } from '../core/store/types.js';
import type { AccountService } from '../accounts/service.js';
import type { OrderService } from '../orders/service.js';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What an entry point hands to createApp. */
export interface AppDeps {
  config: Config;
  store: Store;
  keyring: Keyring;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  /** The client's address as the runtime sees it (socket on Node, CF-Connecting-IP on Workers). */
  clientAddress: (c: Context) => string;
}

export interface Services extends AppDeps {
  accounts: AccountService;
  orders: OrderService;
}

export type AppEnv = {
  Variables: {
    services: Services;
    customer: CustomerRecord;
  };
};
