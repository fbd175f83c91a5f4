/**
 * Issue 11, part 3: upstreams per product. Two Debian Pebbles, each with its own EAB and its own root: the
 * default upstream (EABGATE_UPSTREAM_*) takes DV, EABGATE_UPSTREAM_OV_* takes OV and EABGATE_UPSTREAM_CAAS_*
 * takes the ACME (CaaS) orders. Both Pebbles stand for pre-authorized reseller accounts
 * (PEBBLE_VA_ALWAYS_VALID): this file is about where each order goes, carry.test.ts about real validation.
 * Each certificate verifies against its own Pebble's root only, and each Pebble's account key is sealed apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { startServer, type RunningServer } from '../../../support/server.js';
import { TestDnsServer } from '../../../support/dns-server.js';
import { Http01Responder } from '../../../support/http01-responder.js';
import { provision } from '../../../support/acme.js';
import { pemBlocks, verifyChain } from '../../../support/acme-server.js';
import { ORG } from '../../../support/order.js';
import { startPebble, type Pebble } from './pebble.js';

const ADMIN = 'admin-token-for-upstream-routes-0123';
let dns: TestDnsServer;
let site: Http01Responder;
let dvPebble: Pebble;
let ovPebble: Pebble;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  [dns, site] = await Promise.all([TestDnsServer.start(), Http01Responder.start()]);
  [dvPebble, ovPebble] = await Promise.all([startPebble({ dnsAddress: dns.address }), startPebble({ dnsAddress: dns.address })]);
  server = await startServer({
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(site.port),
    EABGATE_ADMIN_TOKEN: ADMIN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_ISSUER: 'acme',
    EABGATE_UPSTREAM_DIRECTORY: dvPebble.directoryUrl,
    EABGATE_UPSTREAM_EAB_KID: dvPebble.kid,
    EABGATE_UPSTREAM_EAB_HMAC_KEY: dvPebble.hmacKey,
    EABGATE_UPSTREAM_OV_DIRECTORY: ovPebble.directoryUrl,
    EABGATE_UPSTREAM_OV_EAB_KID: ovPebble.kid,
    EABGATE_UPSTREAM_OV_EAB_HMAC_KEY: ovPebble.hmacKey,
    EABGATE_UPSTREAM_CAAS_DIRECTORY: ovPebble.directoryUrl,
    EABGATE_UPSTREAM_CAAS_EAB_KID: ovPebble.kid,
    EABGATE_UPSTREAM_CAAS_EAB_HMAC_KEY: ovPebble.hmacKey,
    // Both Pebbles' listeners are self-signed: Node trusts the two certificates.
    NODE_EXTRA_CA_CERTS: listenerCas(),
  });
  token = (await provision((u, i) => fetch(u, i), server.baseUrl, ADMIN, 'routes@example.com', 'business')).customerToken;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await Promise.all([dvPebble?.stop(), ovPebble?.stop()]);
  await Promise.all([dns?.stop(), site?.stop()]);
});

/** One file with both Pebbles' listener certificates, for NODE_EXTRA_CA_CERTS. */
function listenerCas(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-pebbles-'));
  const file = join(dir, 'pebbles.pem');
  writeFileSync(file, dvPebble.listenerCaPem + ovPebble.listenerCaPem);
  return file;
}

async function api(method: string, path: string, json?: unknown, bearer = token): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
}

interface View {
  status: string;
  statusReason: string | null;
  validation: { instructions: { http01?: { url: string; body: string } } }[];
}

async function track(caReference: string): Promise<View> {
  return (await (await api('POST', '/api/v1/tracking', { caReference })).json()) as View;
}

/** Places an order, publishes the upstream's http-01 files, checks, approves OV; returns the issued leaf and chain. */
async function issue(product: 'dv' | 'ov', name: string): Promise<{ leaf: string; chain: string }> {
  dns.set(name, 'A', ['127.0.0.1']);
  const placed = await api('POST', '/api/v1/orders', { product, domains: [name], organization: ORG, addWwwVariant: false });
  expect(placed.status).toBe(201);
  const { caReference, orderNumber } = (await placed.json()) as { caReference: string; orderNumber: string };
  for (const v of (await track(caReference)).validation) {
    const h = v.instructions.http01!;
    site.setToken(h.url.split('/').pop()!, h.body);
  }
  const checked = (await (await api('POST', '/api/v1/tracking/validate', { caReference })).json()) as { order: View };
  if (product === 'ov') {
    expect(checked.order.status).toBe('pending_approval');
    expect((await api('POST', `/api/v1/admin/orders/${orderNumber}/approve`, undefined, ADMIN)).status).toBe(200);
  }
  let view = await track(caReference);
  for (let n = 0; n < 30 && view.status !== 'issued'; n++) view = await track(caReference);
  expect(view.status).toBe('issued');
  const res = await api('POST', '/api/v1/tracking/certificate', { caReference, format: 'fullchain' });
  const [leaf, ...chain] = pemBlocks(await res.text());
  return { leaf: leaf!, chain: chain.join('') };
}

describe('upstreams per product', () => {
  it('DV goes to the default upstream, OV to its own: each chain verifies against its own Pebble\'s root only', async () => {
    const dv = await issue('dv', 'route-dv.example.com');
    const ov = await issue('ov', 'route-ov.example.com');
    const [dvRoot, ovRoot] = [await dvPebble.rootPem(), await ovPebble.rootPem()];
    expect(verifyChain(dvRoot, dv.leaf, dv.chain).status).toBe(0);
    expect(verifyChain(ovRoot, dv.leaf, dv.chain).status).not.toBe(0);
    expect(verifyChain(ovRoot, ov.leaf, ov.chain).status).toBe(0);
    expect(verifyChain(dvRoot, ov.leaf, ov.chain).status).not.toBe(0);
    // One sealed account key per upstream account.
    expect(existsSync(join(server.dataDir, 'upstream-account.sealed'))).toBe(true);
    expect(existsSync(join(server.dataDir, 'upstream-account-ov.sealed'))).toBe(true);
  });

  it('ACME (CaaS) orders go to the "caas" upstream', async () => {
    const eab = await provision((u, i) => fetch(u, i), server.baseUrl, ADMIN, 'routes-acme@example.com', 'business');
    const c = new acme.Client({
      directoryUrl: `${server.baseUrl}/acme/directory`,
      accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'),
      externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey },
    });
    await c.createAccount({ termsOfServiceAgreed: true });
    const name = 'route-acme.example.com';
    dns.set(name, 'A', ['127.0.0.1']);
    const order = await c.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    for (const authz of await c.getAuthorizations(order)) {
      const challenge = authz.challenges.find((ch) => ch.type === 'http-01')!;
      site.setToken(challenge.token, await c.getChallengeKeyAuthorization(challenge));
      await c.completeChallenge(challenge);
      await c.waitForValidStatus(challenge);
    }
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] });
    const finalized = await c.finalizeOrder(order, csr);
    const [leaf, ...chain] = pemBlocks(await c.getCertificate(finalized.status === 'valid' ? finalized : await c.waitForValidStatus(finalized)));
    expect(verifyChain(await ovPebble.rootPem(), leaf!, chain.join('')).status).toBe(0);
    expect(verifyChain(await dvPebble.rootPem(), leaf!, chain.join('')).status).not.toBe(0);
  });
});
