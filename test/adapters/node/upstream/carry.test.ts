/**
 * Issue 11, part 1: portal and REST orders carried through an upstream public ACME CA that really validates
 * (Debian's Pebble 2.4 WITHOUT PEBBLE_VA_ALWAYS_VALID). The customer's DNS is the project's test DNS server
 * (names → 127.0.0.1), which Pebble and the gateway both ask; the customer's web server is a loopback
 * http-01 responder, seen by the gateway's VA on one port and by Pebble's VA (its httpPort) on another, so
 * a test can show the two different content (the refusal journey). Pebble is reached through a TCP relay
 * the test can switch off (the upstream down). What the upstream saw is read from Pebble's side: the
 * requests its VA made, and its certificate status. Pebble reuses no valid authorization (PEBBLE_AUTHZREUSE=0):
 * every upstream order is validated, so a certificate proves the gateway finalized the order it validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Harness } from '../../../support/harness.js';
import { startServer, type RunningServer } from '../../../support/server.js';
import { TestDnsServer } from '../../../support/dns-server.js';
import { Http01Responder } from '../../../support/http01-responder.js';
import { provision } from '../../../support/acme.js';
import { pemBlocks, verifyChain } from '../../../support/acme-server.js';
import { placeAutoCsr, ORG } from '../../../support/order.js';
import { openssl } from '../../../support/tools.js';
import { FormClient, text } from '../../../portal/form-client.js';
import { startPebble, type Pebble } from './pebble.js';

const ADMIN = 'admin-token-for-upstream-carry-0123';

/** A TCP relay to Pebble's ACME port that the test can switch off (connections refused and cut). */
class Relay {
  down = false;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}
  static async start(target: number): Promise<Relay> {
    let self: Relay | undefined;
    const server = createServer((client) => {
      if (self!.down) return client.destroy();
      const up = connect(target, '127.0.0.1');
      for (const s of [client, up]) {
        self!.sockets.add(s);
        s.on('close', () => self!.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new Relay(server, (server.address() as AddressInfo).port);
    return self;
  }
  switchOff(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }
  async stop(): Promise<void> {
    this.switchOff();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let dns: TestDnsServer;
let site: Http01Responder;
let pebbleSite: Http01Responder;
let pebble: Pebble;
let relay: Relay;
let server: RunningServer;
let api: Harness;
let token: string;
let pebbleRoot: string;

function socketHarness(baseUrl: string): Harness {
  return {
    request(method: string, path: string, opts: { token?: string; json?: unknown } = {}) {
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.json !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${baseUrl}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    },
    app: { request: (url: string, init?: RequestInit) => fetch(url, { ...init, redirect: 'manual' }) },
  } as unknown as Harness;
}

beforeAll(async () => {
  [dns, site, pebbleSite] = await Promise.all([TestDnsServer.start(), Http01Responder.start(), Http01Responder.start()]);
  pebble = await startPebble({ dnsAddress: dns.address, validates: true, httpPort: pebbleSite.port, blocklist: ['blocked.example'], authzReuse: 0 });
  relay = await Relay.start(pebble.port);
  server = await startServer({
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(site.port),
    EABGATE_ADMIN_TOKEN: ADMIN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_RECOVERY_INTERVAL: '1',
    EABGATE_ISSUER: 'acme',
    EABGATE_UPSTREAM_DIRECTORY: `https://127.0.0.1:${relay.port}/dir`,
    EABGATE_UPSTREAM_EAB_KID: pebble.kid,
    EABGATE_UPSTREAM_EAB_HMAC_KEY: pebble.hmacKey,
    NODE_EXTRA_CA_CERTS: pebble.listenerCaFile,
  });
  api = socketHarness(server.baseUrl);
  token = (await provision((u, i) => fetch(u, i), server.baseUrl, ADMIN, 'carry@example.com', 'business')).customerToken;
  pebbleRoot = await pebble.rootPem();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await relay?.stop();
  await pebble?.stop();
  await Promise.all([dns?.stop(), site?.stop(), pebbleSite?.stop()]);
});

interface Instructions {
  http01?: { url: string; body: string };
  dns01: { name: string; type: string; value: string };
}
interface View {
  status: string;
  statusReason: string | null;
  validation: { domain: string; status: string; lastResult: Record<string, string> | null; instructions: Instructions }[];
  certificate: { serial: string; issuer: string } | null;
}

async function track(caReference: string): Promise<View> {
  const res = await api.request('POST', '/api/v1/tracking', { json: { caReference } });
  expect(res.status).toBe(200);
  return (await res.json()) as View;
}

async function checkNow(caReference: string): Promise<View> {
  const res = await api.request('POST', '/api/v1/tracking/validate', { json: { caReference } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { order: View }).order;
}

async function untilIssued(caReference: string, view: View): Promise<View> {
  for (let n = 0; n < 30 && view.status === 'pending_issuance'; n++) {
    await new Promise((r) => setTimeout(r, 300));
    view = await track(caReference);
  }
  expect(view.statusReason).toBeNull();
  expect(view.status).toBe('issued');
  return view;
}

const tokenOf = (url: string) => url.split('/').pop()!;

/** The web file as the customer's server serves it: to the gateway's VA and (unless told otherwise) to Pebble's. */
function publishFile(http01: { url: string; body: string }, forPebble = http01.body): void {
  site.setToken(tokenOf(http01.url), http01.body);
  pebbleSite.setToken(tokenOf(http01.url), forPebble);
}

async function fullchainVerifiesAgainstPebble(caReference: string): Promise<string> {
  const res = await api.request('POST', '/api/v1/tracking/certificate', { json: { caReference, format: 'fullchain' } });
  expect(res.status).toBe(200);
  const [leaf, ...chain] = pemBlocks(await res.text());
  const ok = verifyChain(pebbleRoot, leaf!, chain.join(''));
  expect(ok.stdout + ok.stderr).toMatch(/: OK/);
  expect(ok.status).toBe(0);
  return leaf!;
}

/** What Pebble's VA fetched from the customer's web server. */
const pebbleFetched = (tok: string) => pebbleSite.requests.filter((r) => r.path === `/.well-known/acme-challenge/${tok}`);

describe('a portal AutoCSR order through the upstream CA, http-01', () => {
  it('shows the upstream\'s challenge on the order and tracking pages; Check now → Pebble validates and issues; the chain verifies against Pebble\'s root', async () => {
    const name = 'carry-portal.example';
    dns.set(name, 'A', ['127.0.0.1']);
    const browser = new FormClient(api, server.baseUrl);
    await browser.signUp('carry-portal@example.com');
    await browser.get('/portal/orders/new');
    const placed = await browser.post('/portal/orders', {
      form_id: 'carry-portal-1',
      product: 'dv',
      key: 'auto',
      domains: name,
      org_name: ORG.name,
      org_locality: ORG.locality,
      org_state: ORG.state,
      org_country: ORG.country,
      org_email: ORG.email,
    });
    expect(placed.status).toBe(201);
    const caReference = /id="ca-reference"[^>]*>\s*([^<\s]+)/.exec(placed.html)![1]!;
    const orderNumber = /Order <strong class="mono">([^<]+)<\/strong>/.exec(placed.html)![1]!;

    // The order page shows the upstream's instructions: the same as the tracking API gives.
    const view = await track(caReference);
    const http01 = view.validation[0]!.instructions.http01!;
    expect(http01.url).toMatch(new RegExp(`^http://${name.replace('.', '\\.')}/\\.well-known/acme-challenge/[A-Za-z0-9_-]{20,}$`));
    const orderPage = await browser.get(`/portal/orders/${orderNumber}`);
    expect(orderPage.html).toContain(http01.url);
    expect(orderPage.html).toContain(http01.body);

    // The tracking page (reference only), Check now too early: the gateway's own check says why, fast.
    const visitor = new FormClient(api, server.baseUrl);
    await visitor.get('/portal/track');
    const tracked = await visitor.post('/portal/track', { caReference });
    expect(tracked.html).toContain(http01.url);
    const early = await visitor.post('/portal/track/validate', { caReference });
    expect(text(early.html)).toMatch(/Not every name could be verified yet/);
    expect(pebbleFetched(tokenOf(http01.url))).toHaveLength(0); // the upstream was not asked yet

    publishFile(http01);
    const checked = await visitor.post('/portal/track/validate', { caReference });
    expect(checked.status).toBe(200);
    const after = await untilIssued(caReference, await track(caReference));
    // Pebble itself fetched the web file (with the gateway's upstream account's key authorization).
    expect(pebbleFetched(tokenOf(http01.url)).length).toBeGreaterThan(0);
    expect(after.certificate!.issuer).toMatch(/^CN=Pebble Intermediate CA/);

    const download = await visitor.post('/portal/track/certificate', { caReference, format: 'fullchain' });
    expect(download.status).toBe(200);
    const [leaf, ...chain] = pemBlocks(download.html);
    expect(verifyChain(pebbleRoot, leaf!, chain.join('')).status).toBe(0);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], leaf).stdout).toContain(`DNS:${name}`);
    expect(await pebble.certStatus(after.certificate!.serial)).toBe('Valid');
  });
});

describe('a REST order through the upstream CA, dns-01', () => {
  let caReference: string;
  let serial: string;

  it('the TXT record of the upstream\'s dns-01 challenge → Pebble looks it up and issues', async () => {
    const name = 'carry-dns.example';
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: [name], organization: ORG, addWwwVariant: false });
    caReference = order.caReference;
    const view = await track(caReference);
    const dns01 = view.validation[0]!.instructions.dns01;
    expect(dns01).toMatchObject({ name: `_acme-challenge.${name}`, type: 'TXT' });
    dns.set(name, 'A', ['127.0.0.1']);
    dns.set(dns01.name, 'TXT', [dns01.value]);
    const before = dns.queries.length;
    const issued = await untilIssued(caReference, await checkNow(caReference));
    serial = issued.certificate!.serial;
    // The gateway and Pebble both looked the TXT record up.
    expect(dns.queries.slice(before).filter((q) => q.name === dns01.name && q.type === 'TXT').length).toBeGreaterThanOrEqual(2);
    await fullchainVerifiesAgainstPebble(caReference);
  });

  it('a reissue is a new upstream order: validated again (Pebble reuses no authorization here), a new certificate, the replaced one revoked there', async () => {
    const old = (await track(caReference)).validation[0]!;
    const res = await api.request('POST', '/api/v1/tracking/reissue', { json: { caReference } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: View };
    expect(body.order.status).toBe('pending_validation');
    expect(body.order.statusReason).toMatch(/needs to be validated again by the upstream CA for the new certificate/);
    const dns01 = body.order.validation[0]!.instructions.dns01;
    expect(dns01.value).not.toBe(old.instructions.dns01.value);
    dns.set(dns01.name, 'TXT', [dns01.value]);
    const view = await untilIssued(caReference, await checkNow(caReference));
    expect(view.certificate!.serial).not.toBe(serial);
    await fullchainVerifiesAgainstPebble(caReference);
    expect(await pebble.certStatus(view.certificate!.serial)).toBe('Valid');
    expect(await pebble.certStatus(serial)).toBe('Revoked');
  });
});

describe('a refusal by the upstream', () => {
  it('shows the upstream\'s own detail with new instructions; publishing those and checking again issues', async () => {
    const name = 'carry-refused.example';
    dns.set(name, 'A', ['127.0.0.1']);
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: [name], organization: ORG, addWwwVariant: false });
    const first = (await track(order.caReference)).validation[0]!.instructions.http01!;
    // The gateway's VA sees the right file; Pebble's sees something else (a stale server behind a balancer).
    publishFile(first, 'not-the-key-authorization');
    const refused = await checkNow(order.caReference);
    expect(refused.status).toBe('pending_validation');
    expect(refused.statusReason).toMatch(/^The upstream CA refused the validation of carry-refused\.example: .+New validation instructions were made/);
    // Pebble's own words (its detail quotes what it got) reach the customer.
    expect(refused.statusReason).toContain('not-the-key-authorization');
    expect(pebbleFetched(tokenOf(first.url)).length).toBeGreaterThan(0);
    const again = refused.validation[0]!;
    expect(again.status).toBe('pending');
    expect(again.instructions.http01!.url).not.toBe(first.url);

    publishFile(again.instructions.http01!);
    await untilIssued(order.caReference, await checkNow(order.caReference));
    await fullchainVerifiesAgainstPebble(order.caReference);
  });

  it('a name the upstream will not certify fails the order with the upstream\'s reason', async () => {
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: ['blocked.example'], organization: ORG, addWwwVariant: false });
    const view = await track(order.caReference);
    expect(view.status).toBe('failed');
    expect(view.statusReason).toMatch(/^The upstream CA refused the order: .*blocked/i);
  });
});

describe('the upstream down', () => {
  it('says so clearly, loses nothing, and the recovery job opens the upstream order once it answers', async () => {
    const name = 'carry-down.example';
    dns.set(name, 'A', ['127.0.0.1']);
    relay.switchOff();
    let order;
    try {
      order = await placeAutoCsr(api, token, { product: 'dv', domains: [name], organization: ORG, addWwwVariant: false });
      const down = await track(order.caReference);
      expect(down.status).toBe('pending_validation');
      expect(down.statusReason).toMatch(/^The upstream CA cannot be reached right now\. Nothing is lost/);
      const checked = await checkNow(order.caReference);
      expect(checked.status).toBe('pending_validation');
      expect(checked.statusReason).toMatch(/cannot be reached/);
    } finally {
      relay.down = false;
    }
    // The recovery job (every second here) opens the upstream order without anyone looking.
    for (let n = 0; n < 40 && !/"upstreamOrders":[1-9]/.test(server.output()); n++) await new Promise((r) => setTimeout(r, 250));
    expect(server.output()).toMatch(/"upstreamOrders":[1-9]/);
    const view = await track(order.caReference);
    expect(view.statusReason).toBeNull();
    publishFile(view.validation[0]!.instructions.http01!);
    await untilIssued(order.caReference, await checkNow(order.caReference));
    await fullchainVerifiesAgainstPebble(order.caReference);
    expect(server.output()).toMatch(/upstream ACME new order failed/);
  });
});

describe('the upstream validating after Check now stopped waiting', () => {
  it('the recovery job follows the answered challenge and issues, without another Check now', async () => {
    const name = 'carry-slow.example';
    dns.set(name, 'A', ['127.0.0.1']);
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: [name], organization: ORG, addWwwVariant: false });
    const http01 = (await track(order.caReference)).validation[0]!.instructions.http01!;
    // The gateway's VA gets the file at once; Pebble's VA only after longer than Check now follows the upstream
    // (8 s) and within Pebble's own validation timeout (15 s).
    site.setToken(tokenOf(http01.url), http01.body);
    pebbleSite.route(new URL(http01.url).pathname, { body: http01.body, delayMs: 10_500 });
    const checked = await checkNow(order.caReference);
    expect(checked.status).toBe('pending_validation');
    expect(checked.statusReason).toMatch(/The upstream CA is validating the names now/);

    // Nobody checks again: the recovery job (every second here) sees the upstream's verdict and issues.
    let view = await track(order.caReference);
    for (let n = 0; n < 60 && view.status !== 'issued'; n++) {
      await new Promise((r) => setTimeout(r, 250));
      view = await track(order.caReference);
    }
    expect(view.status).toBe('issued');
    expect(view.statusReason).toBeNull();
    expect(server.output()).toMatch(/"upstreamFollowed":[1-9]/);
    expect(pebbleFetched(tokenOf(http01.url)).length).toBeGreaterThan(0);
    const leaf = await fullchainVerifiesAgainstPebble(order.caReference);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], leaf).stdout).toContain(`DNS:${name}`);
    expect(await pebble.certStatus(view.certificate!.serial)).toBe('Valid');
  }, 40_000);
});
