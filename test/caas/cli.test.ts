/** The operator CLI on the same data dir as the server: create, list, revoke, replace. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import type { Harness } from '../support/harness.js';
import { EabKeys } from '../../src/caas/eab-keys.js';
import { caasHarness, customer, reveal, type CredentialsJson } from './support.js';

let h: Harness;
let token: string;
beforeAll(async () => {
  // The CLI runs on the real clock: start the app's clock now too.
  h = await caasHarness(new Date().toISOString());
  token = await customer(h, 'cli@example.com');
});
afterAll(() => h.close());

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/eabgate.mjs', ...args], {
    env: { ...process.env, EABGATE_DATA_DIR: h.dataDir },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface CliJson {
  id: string;
  accountEmail: string;
  plan: string;
  status: string;
  limits: { maxCertificates: number; maxNamesPerOrder: number; wildcards: boolean; maxValidityDays: number; maxAccountsPerCredential: number | null };
  kid: string;
  revealableUntil: string;
  credentialRevoked: boolean;
}

describe('eabgate subscriptions / eab', () => {
  let created: CliJson;

  it('creates a subscription from a preset with overrides', () => {
    const r = cli('subscriptions', 'create', '--email', 'CLI@example.com', '--plan', 'starter', '--max-certificates', '25', '--wildcards', 'true', '--max-accounts', '3', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    created = JSON.parse(r.out) as CliJson;
    expect(created).toMatchObject({
      accountEmail: 'cli@example.com',
      plan: 'starter',
      status: 'active',
      limits: { maxCertificates: 25, maxNamesPerOrder: 5, wildcards: true, maxValidityDays: 90, maxAccountsPerCredential: 3 },
      credentialRevoked: false,
    });
    expect(r.out).not.toMatch(/hmac/i);
  });

  it('creates one in plain text too, and the customer reads its credentials', async () => {
    const r = cli('subscriptions', 'create', '--email', 'cli@example.com', '--plan', '{"maxCertificates":2,"maxNamesPerOrder":1,"wildcards":false,"maxValidityDays":30}');
    expect(r.code).toBe(0);
    const id = r.out.match(/created subscription (\S+) for cli@example\.com \(custom\)/)?.[1];
    expect(id).toBeDefined();
    const kid = r.out.match(/EAB key id (\S+):/)?.[1];
    const res = await reveal(h, token, id!);
    expect(res.status).toBe(200);
    expect(((await res.json()) as CredentialsJson).kid).toBe(kid);
  });

  it('refuses a bad plan with the field named, exit 1', () => {
    const bad = cli('subscriptions', 'create', '--email', 'cli@example.com', '--plan', 'gold');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^eabgate: plan: unknown plan "gold"/);
    const n = cli('subscriptions', 'create', '--email', 'cli@example.com', '--plan', 'starter', '--max-certificates', 'lots');
    expect(n.code).toBe(1);
    expect(n.err).toMatch(/--max-certificates: must be a whole number/);
    const range = cli('subscriptions', 'create', '--email', 'cli@example.com', '--plan', 'starter', '--max-validity-days', '500');
    expect(range.err).toMatch(/plan\.maxValidityDays: must be between 1 and 398/);
    const who = cli('subscriptions', 'create', '--email', 'nobody@example.com', '--plan', 'starter');
    expect(who.code).toBe(1);
    expect(who.err).toMatch(/accountEmail: no customer account/);
    expect(cli('subscriptions', 'create', '--plan', 'starter').err).toMatch(/--email: required/);
  });

  it('lists subscriptions', () => {
    const r = cli('subscriptions', 'list', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as CliJson[];
    expect(list.map((s) => s.id)).toContain(created.id);
    const text = cli('subscriptions', 'list');
    expect(text.out).toContain(`${created.id}  cli@example.com  starter  active`);
    expect(text.out).toMatch(/certificates 0\/25/);
    expect(text.out).toMatch(/2 subscriptions\n$/);
  });

  it('replaces the EAB credentials: new kid, old one refused', async () => {
    const r = cli('eab', 'replace', created.id, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { subscriptionId: string; kid: string; revealableUntil: string };
    expect(out.subscriptionId).toBe(created.id);
    expect(out.kid).not.toBe(created.kid);
    const caas = new EabKeys(h.deps);
    expect((await caas.eabKeyFor(created.kid)).status).toBe('refused');
    expect((await caas.eabKeyFor(out.kid)).status).toBe('ok');
  });

  it('revokes a subscription (then refuses a second time)', async () => {
    const r = cli('subscriptions', 'revoke', created.id);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(`revoked subscription ${created.id} (cli@example.com)`);
    expect((await h.deps.store.caas.subscription(created.id))!.status).toBe('revoked');
    const again = cli('subscriptions', 'revoke', created.id);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/revoked already/);
    expect(cli('subscriptions', 'revoke').err).toMatch(/usage: eabgate subscriptions revoke <subscriptionId>/);
    expect(cli('eab', 'replace', 'no-such-id').code).toBe(1);
  });
});
