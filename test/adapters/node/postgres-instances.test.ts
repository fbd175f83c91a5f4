/**
 * Issue 12: two Node instances (real server processes) on one real PostgreSQL, started at the same time
 * (both migrate and both try to create the embedded CA), behind a loopback round-robin balancer
 * (test/support/round-robin.ts) that is also their EABGATE_BASE_URL, so every client request goes to the
 * other instance than the one before. Checked:
 *   - certbot and lego register with EAB and obtain certificates through the balancer;
 *   - an account created on A has its EAB credentials revealed on B;
 *   - a nonce handed out by A is accepted once at B, and refused after, at either;
 *   - finalize sent to A and B at once issues one certificate and counts it once;
 *   - the database gone (PostgreSQL stopped): requests fail with a 503 problem document, nothing is
 *     half-written, and the instances serve again once it is back, with no restart.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type RunningServer } from '../../support/server.js';
import { TestDnsServer } from '../../support/dns-server.js';
import { RoundRobin } from '../../support/round-robin.js';
import { startPostgres, postgresMissing, pgMigrationCount, type TestPostgres } from '../../support/postgres.js';
import { ADMIN_TOKEN, crlSerials, pemBlocks, runTool, serialOf, verifyChain } from '../../support/acme-server.js';
import { openssl } from '../../support/tools.js';
import { certonlyArgs, checkCertbotLive, HAVE_CERTBOT, standaloneArgs } from '../../support/certbot.js';
import { AcmeTestClient, answer, csrFor, provision, PASSWORD, type Fetcher, type Responders } from '../../support/acme.js';

const SKIP = postgresMissing();
const HAVE_LEGO = existsSync('/usr/bin/lego');

let db: TestPostgres;
let url: string;
let dns: TestDnsServer;
let lb: RoundRobin;
let a: RunningServer;
let b: RunningServer;
let httpPort: number;
let rootPem: string;
let sql: pg.Pool;

/** A fetcher that sends what is addressed to the balancer straight to one instance. */
const at =
  (s: RunningServer): Fetcher =>
  (u, init) =>
    fetch(u.replace(lb.url, `http://127.0.0.1:${s.port}`), init);
const viaLb: Fetcher = (u, init) => fetch(u, init);

beforeAll(async () => {
  if (SKIP) return;
  db = await startPostgres();
  url = await db.database('instances');
  dns = await TestDnsServer.start();
  lb = await RoundRobin.start();
  httpPort = await freePort();
  const env = {
    EABGATE_DATABASE_URL: url,
    EABGATE_DATABASE_POOL_SIZE: '4',
    EABGATE_SECRET_KEY: randomBytes(32).toString('hex'),
    EABGATE_BASE_URL: lb.url,
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(httpPort),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_AUTOCSR_KEY_POOL: '0',
  };
  // Started together: both run the migrations (one waits on the advisory lock) and both try to create the CA.
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
  lb.targets = [a.port, b.port];
  rootPem = await (await fetch(`http://127.0.0.1:${a.port}/ca/root.pem`)).text();
  sql = new pg.Pool({ connectionString: url, max: 2 });
  // The outage test stops PostgreSQL: the test's own idle connections are cut then, as the servers' are.
  sql.on('error', () => undefined);
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await Promise.all([a?.stop(), b?.stop()]);
  await lb?.stop();
  await dns?.stop();
  db?.stop();
});

/** The CRL number of an instance's CRL, read with openssl. */
async function crlNumber(base: string): Promise<number> {
  const der = Buffer.from(await (await fetch(`${base}/ca/crl`)).arrayBuffer());
  // 64 characters a line and no empty line before END (a DER of a multiple of 48 bytes would leave one).
  const pem = `-----BEGIN X509 CRL-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`;
  const text = openssl(['crl', '-noout', '-crlnumber'], pem).stdout;
  return parseInt(text.replace(/^crlNumber=(0x)?/, '').trim(), 16);
}

const count = async (query: string, params: unknown[] = []) => (await sql.query(query, params)).rows[0].n as number;

describe.skipIf(!!SKIP)('two Node instances on one PostgreSQL', () => {
  it('started together: migrated once, one embedded CA that both serve', async () => {
    expect(await count('select count(*)::int as n from drizzle.__drizzle_migrations')).toBe(pgMigrationCount());
    expect(await count('select count(*)::int as n from ca_material')).toBe(1);
    const rootB = await (await fetch(`http://127.0.0.1:${b.port}/ca/root.pem`)).text();
    expect(rootB).toBe(rootPem);
    expect(rootPem).toContain('BEGIN CERTIFICATE');
  });

  it('reveals on B the EAB credentials of an account created on A', async () => {
    const email = 'cross@example.com';
    const json = (body: unknown, token?: string): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const base = (s: RunningServer) => `http://127.0.0.1:${s.port}`;
    expect((await fetch(`${base(a)}/api/v1/accounts`, json({ email, password: PASSWORD }))).status).toBe(201);
    const sub = (await (await fetch(`${base(a)}/api/v1/admin/subscriptions`, json({ accountEmail: email, plan: 'business' }, ADMIN_TOKEN))).json()) as { id: string };
    const login = await fetch(`${base(b)}/api/v1/sessions`, json({ email, password: PASSWORD }));
    expect(login.status).toBe(201);
    const { token } = (await login.json()) as { token: string };
    const revealed = await fetch(`${base(b)}/api/v1/subscriptions/${sub.id}/eab-credentials`, json(undefined, token));
    expect(revealed.status).toBe(200);
    const creds = (await revealed.json()) as { kid: string; hmacKey: string };
    expect(creds.kid).toMatch(/\S/);
    // The key revealed on B binds an ACME account on A.
    const client = await AcmeTestClient.open(at(a), `${lb.url}/acme/directory`);
    expect((await client.register(creds)).status).toBe(201);
  });

  it('accepts a nonce from A once at B, and refuses it after at either', async () => {
    const eab = await provision(viaLb, lb.url, ADMIN_TOKEN, 'nonce@example.com');
    const onA = await AcmeTestClient.open(at(a), `${lb.url}/acme/directory`);
    const nonce = await onA.freshNonce();
    const onB = new AcmeTestClient(at(b), onA.directoryUrl, onA.key);
    onB.dir = onA.dir;
    const first = await onB.register(eab, {}, { nonce });
    expect(first.status, first.text).toBe(201);
    onA.kid = onB.kid;
    for (const client of [onB, onA]) {
      const again = await client.get(first.headers.get('location')!, { nonce });
      expect(again.status, again.text).toBe(400);
      expect(again.body.type).toBe('urn:ietf:params:acme:error:badNonce');
    }
  });

  it('issues one certificate when finalize reaches A and B at the same time', async () => {
    const eab = await provision(viaLb, lb.url, ADMIN_TOKEN, 'finalize@example.com');
    const onA = await AcmeTestClient.open(at(a), `${lb.url}/acme/directory`);
    expect((await onA.register(eab)).status).toBe(201);
    const onB = new AcmeTestClient(at(b), onA.directoryUrl, onA.key);
    onB.dir = onA.dir;
    onB.kid = onA.kid;
    const name = 'race.finalize.example';
    const created = await onA.post(onA.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] });
    expect(created.status).toBe(201);
    const authz = await onB.get((created.body.authorizations as string[])[0]!);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((c) => c.type === 'dns-01')!;
    await answer(onA, { dns } as unknown as Responders, name, ch);
    expect((await onA.post(ch.url, {})).body.status).toBe('valid');
    const { csr } = await csrFor([name]);
    const clients = [onA, onB, onA, onB, onA, onB];
    const nonces = await Promise.all(clients.map((c) => c.freshNonce()));
    const replies = await Promise.all(clients.map((c, i) => c.post(created.body.finalize as string, { csr }, { nonce: nonces[i] })));
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
    const orderId = created.headers.get('location')!.split('/').pop()!;
    expect(await count('select count(*)::int as n from certificates where acme_order_id = $1', [orderId])).toBe(1);
    expect(await count('select count(*)::int as n from plan_reservations where acme_order_id = $1', [orderId])).toBe(1);
    const done = await onB.get(created.headers.get('location')!);
    expect(done.body.status).toBe('valid');
    const cert = await onA.get(done.body.certificate as string);
    const [leaf, ...chain] = pemBlocks(cert.text);
    expect(verifyChain(rootPem, leaf!, chain.join('')).status).toBe(0);

    // Revoked through B: the CRL of either instance lists it at once, and their CRL numbers are distinct.
    const derB64 = leaf!.replace(/-----[^-]+-----|\s/g, '');
    const certificate = Buffer.from(derB64, 'base64').toString('base64url');
    expect((await onB.post(onB.dir.revokeCert, { certificate, reason: 4 })).status).toBe(200);
    const serial = serialOf(leaf!).replace(/^0+/, '');
    for (const s of [a, b]) expect((await crlSerials(`http://127.0.0.1:${s.port}`)).map((x) => x.replace(/^0+/, ''))).toContain(serial);
    const numbers = await Promise.all([a, b].map(async (s) => crlNumber(`http://127.0.0.1:${s.port}`)));
    for (const n of numbers) expect(n).toBeGreaterThan(0);
    expect(numbers[0]).not.toBe(numbers[1]);
  });

  it.skipIf(!HAVE_CERTBOT)('certbot registers and obtains a certificate through the balancer', async () => {
    const eab = await provision(viaLb, lb.url, ADMIN_TOKEN, 'certbot-lb@example.com');
    dns.set('certbot.lb.example', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const before = new Map(lb.served);
    const r = await runTool('certbot', [...certonlyArgs(`${lb.url}/acme/directory`, dir, eab), ...standaloneArgs(httpPort), '-d', 'certbot.lb.example']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkCertbotLive(rootPem, dir, 'certbot.lb.example', ['certbot.lb.example']);
    // Both instances answered certbot.
    for (const port of [a.port, b.port]) expect((lb.served.get(port) ?? 0) - (before.get(port) ?? 0)).toBeGreaterThan(3);
  }, 120_000);

  it.skipIf(!HAVE_LEGO)('lego registers and obtains a certificate through the balancer', async () => {
    const eab = await provision(viaLb, lb.url, ADMIN_TOKEN, 'lego-lb@example.com');
    dns.set('lego.lb.example', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-lego-'));
    const before = new Map(lb.served);
    const r = await runTool('lego', [
      '--server', `${lb.url}/acme/directory`, '--email', 'ops@example.com', '--accept-tos', '--eab', '--kid', eab.kid, '--hmac', eab.hmacKey,
      '--path', dir, '--http', '--http.port', `127.0.0.1:${httpPort}`, '-d', 'lego.lb.example', 'run',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const base = join(dir, 'certificates', 'lego.lb.example');
    const [leaf] = pemBlocks(readFileSync(`${base}.crt`, 'utf8'));
    expect(verifyChain(rootPem, leaf!, readFileSync(`${base}.issuer.crt`, 'utf8')).status).toBe(0);
    for (const port of [a.port, b.port]) expect((lb.served.get(port) ?? 0) - (before.get(port) ?? 0)).toBeGreaterThan(3);
  }, 120_000);
});

describe.skipIf(!!SKIP)('the database gone for a while', () => {
  it('answers 503 problem documents meanwhile, writes nothing half, and serves again by itself', async () => {
    const eab = await provision(viaLb, lb.url, ADMIN_TOKEN, 'outage@example.com');
    const client = await AcmeTestClient.open(at(a), `${lb.url}/acme/directory`);
    expect((await client.register(eab)).status).toBe(201);
    const name = 'outage.example';
    const created = await client.post(client.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] });
    const authz = await client.get((created.body.authorizations as string[])[0]!);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((c) => c.type === 'dns-01')!;
    await answer(client, { dns } as unknown as Responders, name, ch);
    expect((await client.post(ch.url, {})).body.status).toBe('valid');
    const { csr } = await csrFor([name]);
    const login = () =>
      fetch(`http://127.0.0.1:${b.port}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'outage@example.com', password: PASSWORD }),
      });
    const { token } = (await (await login()).json()) as { token: string };

    db.stopServer();
    try {
      // REST: a clean 503 problem document with Retry-After, never a 500.
      const r = await login();
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await r.json()) as { status: number }).status).toBe(503);
      // ACME: nonces cost no database, so the client gets one; finalize then fails with 503 serverInternal.
      const fin = await client.post(created.body.finalize as string, { csr });
      expect(fin.status, fin.text).toBe(503);
      expect(fin.body.type).toBe('urn:ietf:params:acme:error:serverInternal');
      expect(fin.headers.get('retry-after')).toMatch(/^\d+$/);
      // The portal (a session cookie makes it look the session up): a page saying so, 503 too.
      const page = await fetch(`http://127.0.0.1:${a.port}/portal/`, { headers: { cookie: `eabgate_session=${token}` } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('Briefly unavailable');
    } finally {
      db.startServer();
    }

    // Back by itself: no instance restarted, the pools open new connections.
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await login()).status) !== 201) await new Promise((r) => setTimeout(r, 250));
    expect(status).toBe(201);
    expect(a.proc.exitCode).toBeNull();
    expect(b.proc.exitCode).toBeNull();
    // Nothing half-written: the order is still ready, and the finalize sent again issues its one certificate.
    const order = await client.get(created.headers.get('location')!);
    expect(order.body.status).toBe('ready');
    const fin = await client.post(created.body.finalize as string, { csr });
    expect(fin.status, fin.text).toBe(200);
    expect(fin.body.status).toBe('valid');
    const orderId = created.headers.get('location')!.split('/').pop()!;
    expect(await count('select count(*)::int as n from certificates where acme_order_id = $1', [orderId])).toBe(1);
  }, 90_000);
});
