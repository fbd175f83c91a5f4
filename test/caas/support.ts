/** Shared set-up of the CaaS tests: an app with the admin API on, customers, subscriptions, ACME accounts. */
import { harness, customer, type Harness } from '../support/harness.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const PASSWORD = 'correct horse battery staple';

export async function caasHarness(start?: string): Promise<Harness> {
  return harness({ EABGATE_ADMIN_TOKEN: ADMIN_TOKEN }, start);
}

export { customer };

export async function login(h: Harness, email: string): Promise<string> {
  const r = await h.request('POST', '/api/v1/sessions', { json: { email, password: PASSWORD } });
  if (r.status !== 201) throw new Error(`login ${email}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

export interface SubscriptionJson {
  id: string;
  accountEmail: string;
  plan: {
    name: string;
    maxCertificates: number;
    maxNamesPerOrder: number;
    wildcards: boolean;
    maxValidityDays: number;
    maxAccountsPerCredential: number | null;
    notAfter: string;
  };
  status: 'active' | 'lapsed' | 'revoked';
  notAfter: string;
  revokedAt: string | null;
  usage: { certificatesIssued: number; maxCertificates: number; acmeAccountsBound: number };
  credential: {
    kid: string;
    issuedAt: string;
    revealableUntil: string;
    revealable: boolean;
    revoked: boolean;
    revokedAt: string | null;
    accountsBound: number;
  } | null;
  previousCredentials: { kid: string; issuedAt: string; revokedAt: string | null }[];
}

export interface CredentialsJson {
  subscriptionId: string;
  kid: string;
  hmacKey: string;
  directoryUrl: string;
  expiresAt: string;
  snippets: Record<'certbot' | 'lego' | 'acmeSh' | 'caddy' | 'certManager' | 'traefik', string>;
  views: { kid: string; viewedAt: string; clientAddress: string }[];
}

export function admin(h: Harness, method: string, path: string, json?: unknown, token = ADMIN_TOKEN) {
  return h.request(method, path, { json, headers: { authorization: `Bearer ${token}` } });
}

export async function subscribe(h: Harness, accountEmail: string, plan: unknown = 'business'): Promise<SubscriptionJson> {
  const r = await admin(h, 'POST', '/api/v1/admin/subscriptions', { accountEmail, plan });
  if (r.status !== 201) throw new Error(`subscribe ${accountEmail}: ${r.status} ${await r.text()}`);
  return (await r.json()) as SubscriptionJson;
}

export async function reveal(h: Harness, token: string, id: string, address?: string): Promise<Response> {
  return h.request('POST', `/api/v1/subscriptions/${id}/eab-credentials`, {
    token,
    headers: address ? { 'x-test-client': address } : {},
  });
}

/** An ACME account row bound with `kid`, as the ACME server would insert it. */
export function bindAcmeAccount(h: Harness, kid: string, subscriptionId: string): void {
  const id = crypto.randomUUID();
  h.deps.sqlite.sqlite
    .prepare(
      'insert into acme_accounts (id, thumbprint, jwk, status, contact, eab_kid, subscription_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(id, `thumb-${id}`, '{}', 'valid', '[]', kid, subscriptionId, h.clock.now().getTime());
}
