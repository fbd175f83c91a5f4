/** What portal handlers see: the API's context plus the visitor's portal state. */
import type { Context } from 'hono';
import type { PortalServices } from '../app/context.js';
import type { CustomerRecord } from '../core/store/types.js';

export interface PortalState {
  /** The logged-in customer, or null for a visitor. */
  customer: CustomerRecord | null;
  /** The session token in the cookie (the same token the API takes as Bearer), when logged in. */
  sessionToken: string | null;
  /** The CSRF token every form of this page must send back in `_csrf`. */
  csrf: string;
  /** Cookies get Secure and the __Host- prefix when the service's base URL is https. */
  secure: boolean;
  /** The parsed form of a POST, once the CSRF check passed. */
  form: Record<string, string>;
}

export type PortalEnv = { Variables: { services: PortalServices; portal: PortalState } };
export type PortalContext = Context<PortalEnv>;
