/**
 * The ACME server on the Workers build: `wrangler dev --local` (workerd) over a local D1 migrated by
 * wrangler. Same code path as Node (Drizzle over D1, prepared statements, nonces in D1): directory without
 * tls-alpn-01, nonces single use, newAccount with EAB, newOrder with authorizations, the orders list,
 * deactivation. Certificates on Workers (certbot over http-01 and dns-01 through a loopback DNS-over-HTTPS
 * responder): test/entry/workers-certbot.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWrangler, type RunningWorker } from '../../support/wrangler.js';
import { AcmeTestClient, provision, type Fetcher, type Provisioned } from '../../support/acme.js';

const ADMIN_TOKEN = 'workers-admin-token-0123456789';

let worker: RunningWorker;
let base: string;
const fetcher: Fetcher = (u, i) => fetch(u, i);

beforeAll(async () => {
  worker = await startWrangler({ secrets: { EABGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
  base = worker.base;
}, 120_000);

afterAll(async () => worker?.stop());

describe('the ACME server on workerd with D1', () => {
  let eab: Provisioned;
  let c: AcmeTestClient;

  it('serves the directory; tls-alpn-01 is not offered on Workers', async () => {
    c = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    expect(c.dir.newAccount).toBe(`${base}/acme/new-account`);
    expect(c.dir.meta).toMatchObject({ externalAccountRequired: true, challengeTypes: ['http-01', 'dns-01'] });
  });

  it('registers with EAB, refuses a replayed nonce, orders with http-01 and dns-01 authorizations', async () => {
    eab = await provision(fetcher, base, ADMIN_TOKEN, 'workers@example.com', 'business');
    expect((await c.register(undefined)).body.type).toBe('urn:ietf:params:acme:error:externalAccountRequired');
    const created = await c.register(eab);
    expect(created.status, created.text).toBe(201);
    expect((await c.register(undefined)).status).toBe(200);

    const nonce = await c.freshNonce();
    expect((await c.get(c.kid!, { nonce })).status).toBe(200);
    const replay = await c.get(c.kid!, { nonce });
    expect(replay.body.type).toBe('urn:ietf:params:acme:error:badNonce');
    expect(replay.headers.get('replay-nonce')).toBeTruthy();

    const o = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'workers.example.com' }, { type: 'dns', value: '*.workers.example.com' }] });
    expect(o.status, o.text).toBe(201);
    const [plain, wild] = await Promise.all((o.body.authorizations as string[]).map((u) => c.get(u)));
    expect((plain!.body.challenges as { type: string }[]).map((x) => x.type)).toEqual(['http-01', 'dns-01']);
    expect((wild!.body.challenges as { type: string }[]).map((x) => x.type)).toEqual(['dns-01']);
    const list = await c.get((await c.get(c.kid!)).body.orders as string);
    expect(list.body.orders).toEqual([o.headers.get('location')]);
  });

  it('binds no more accounts than the plan allows (the conditional insert on D1)', async () => {
    const one = await provision(fetcher, base, ADMIN_TOKEN, 'workers-one@example.com', { preset: 'starter', maxAccountsPerCredential: 1 });
    const first = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    expect((await first.register(one)).status).toBe(201);
    const second = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
    const refused = await second.register(one);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/maximum of 1 ACME account/);
  });

  it('deactivates the account', async () => {
    expect((await c.post(c.kid!, { status: 'deactivated' })).body.status).toBe('deactivated');
    expect((await c.get(c.kid!)).body.type).toBe('urn:ietf:params:acme:error:unauthorized');
  });
});
