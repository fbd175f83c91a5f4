/**
 * The real Node server with EABGATE_ISSUER=acme and Debian's Pebble as the upstream CA (EAB required),
 * trusted through NODE_EXTRA_CA_CERTS. The gateway's own validation still runs first (loopback DNS server
 * and http-01 responder); then Pebble issues. Through the REST API (order, validate, download, reissue) and
 * through the gateway's own ACME server (acme-client with the customer's EAB): every chain is checked with
 * `openssl verify` against Pebble's root from its management interface, and its issuer is Pebble's
 * intermediate, not the embedded CA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as acme from 'acme-client';
import type { Harness } from '../../../support/harness.js';
import { acmeServerWorld, pemBlocks, verifyChain, type AcmeServerWorld } from '../../../support/acme-server.js';
import { placeAutoCsr, ORG } from '../../../support/order.js';
import { opensslCsr } from '../../../support/csr.js';
import { openssl } from '../../../support/tools.js';
import { TestDnsServer } from '../../../support/dns-server.js';
import { startPebble, type Pebble } from './pebble.js';

let pebble: Pebble;
let pebbleDns: TestDnsServer;
let w: AcmeServerWorld;
let api: Harness;
let token: string;
let pebbleRoot: string;
let pebbleIntermediate: string;

/** The REST helpers of the in-process tests, over the real socket. */
function socketHarness(baseUrl: string): Harness {
  return {
    request(method: string, path: string, opts: { token?: string; json?: unknown; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.json !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${baseUrl}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
    },
  } as unknown as Harness;
}

beforeAll(async () => {
  pebbleDns = await TestDnsServer.start();
  pebble = await startPebble({ dnsAddress: pebbleDns.address, blocklist: ['blocked.example'] });
  w = await acmeServerWorld({
    env: {
      EABGATE_ISSUER: 'acme',
      EABGATE_UPSTREAM_DIRECTORY: pebble.directoryUrl,
      EABGATE_UPSTREAM_EAB_KID: pebble.kid,
      EABGATE_UPSTREAM_EAB_HMAC_KEY: pebble.hmacKey,
      EABGATE_UPSTREAM_EMAIL: 'pki@example.com',
      NODE_EXTRA_CA_CERTS: pebble.listenerCaFile,
    },
  });
  api = socketHarness(w.server.baseUrl);
  const p = await w.provision('upstream@example.com', 'business');
  token = p.customerToken;
  pebbleRoot = await pebble.rootPem();
  pebbleIntermediate = await pebble.intermediatePem();
});
afterAll(async () => {
  await w?.close();
  await pebble?.stop();
  await pebbleDns?.stop();
});

interface View {
  status: string;
  statusReason: string | null;
  domains: string[];
  validation: { domain: string; instructions: { http01?: { url: string; body: string }; dns01: { name: string; value: string } } }[];
  certificate: { serial: string; issuer: string } | null;
}

async function track(caReference: string): Promise<View> {
  const res = await api.request('POST', '/api/v1/tracking', { json: { caReference } });
  expect(res.status).toBe(200);
  return (await res.json()) as View;
}

/** http-01 for the first name, dns-01 for the others, at the gateway's own validation. */
function satisfy(view: View): void {
  view.validation.forEach((v, i) => {
    w.dns.set(v.domain, 'A', ['127.0.0.1']);
    if (i === 0 && v.instructions.http01) w.http!.setToken(v.instructions.http01.url.split('/').pop()!, v.instructions.http01.body);
    else w.dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
  });
}

async function validate(caReference: string): Promise<{ order: { status: string; statusReason: string | null } }> {
  const res = await api.request('POST', '/api/v1/tracking/validate', { json: { caReference } });
  expect(res.status).toBe(200);
  return (await res.json()) as { order: { status: string; statusReason: string | null } };
}

/** Issued now, or pending at the upstream and issued on a later tracking view. */
async function untilIssued(caReference: string, status: string): Promise<View> {
  let view = await track(caReference);
  for (let n = 0; n < 20 && status === 'pending_issuance' && view.status === 'pending_issuance'; n++) view = await track(caReference);
  expect(view.status).toBe('issued');
  return view;
}

async function fullchain(caReference: string): Promise<string[]> {
  const res = await api.request('POST', '/api/v1/tracking/certificate', { json: { caReference, format: 'fullchain' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pem-certificate-chain');
  return pemBlocks(await res.text());
}

const subjectOf = (pem: string) => openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).stdout.replace(/^subject=/, '').trim();
const issuerOf = (pem: string) => openssl(['x509', '-noout', '-issuer', '-nameopt', 'RFC2253'], pem).stdout.replace(/^issuer=/, '').trim();
const pubkey = (kind: 'x509' | 'req', pem: string) => openssl([kind, '-noout', '-pubkey'], pem).stdout;

describe('REST orders issued by the upstream CA', () => {
  let caReference: string;
  let firstSerial: string;

  it('DV with AutoCSR: the gateway validates, Pebble issues; the fullchain verifies against Pebble\'s root, not the embedded one', async () => {
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: ['upstream-shop.com'], organization: ORG });
    caReference = order.caReference;
    satisfy(await track(caReference));
    const v = await validate(caReference);
    expect(['issued', 'pending_issuance']).toContain(v.order.status);
    const view = await untilIssued(caReference, v.order.status);

    const [leaf, ...chain] = await fullchain(caReference);
    expect(chain).toHaveLength(1);
    const ok = verifyChain(pebbleRoot, leaf!, chain.join(''));
    expect(ok.stdout + ok.stderr).toMatch(/: OK/);
    expect(ok.status).toBe(0);
    // the embedded CA's root (GET /ca/root.pem) does not vouch for it
    const embedded = verifyChain(w.rootPem, leaf!, chain.join(''));
    expect(embedded.status).not.toBe(0);

    expect(issuerOf(leaf!)).toBe(subjectOf(pebbleIntermediate));
    expect(subjectOf(chain[0]!)).toBe(subjectOf(pebbleIntermediate));
    expect(view.certificate!.issuer).toMatch(/^CN=Pebble Intermediate CA [0-9a-f]+$/);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], leaf).stdout).toMatch(/DNS:upstream-shop\.com, DNS:www\.upstream-shop\.com/);
    // The gateway's CSR (its AutoCSR key) is what Pebble certified.
    expect(pubkey('x509', leaf!)).toBe(pubkey('req', order.csr));
    firstSerial = view.certificate!.serial;
    expect(await pebble.certStatus(firstSerial)).toBe('Valid');
  });

  it('reissue with the customer\'s CSR: a new certificate from Pebble, the replaced one revoked at Pebble too', async () => {
    const names = (await track(caReference)).domains;
    expect(names).toEqual(['upstream-shop.com', 'www.upstream-shop.com']);
    const { csr } = opensslCsr({ key: 'ec', cn: names[0]!, sans: names });
    const res = await api.request('POST', '/api/v1/tracking/reissue', { json: { caReference, csr } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: View };
    const view = await untilIssued(caReference, body.order.status);
    expect(view.certificate!.serial).not.toBe(firstSerial);
    const [leaf, ...chain] = await fullchain(caReference);
    expect(pubkey('x509', leaf!)).toBe(pubkey('req', csr));
    expect(verifyChain(pebbleRoot, leaf!, chain.join('')).status).toBe(0);
    expect(await pebble.certStatus(firstSerial)).toBe('Revoked');
    expect(await pebble.certStatus(view.certificate!.serial)).toBe('Valid');
  });

  it('an order the upstream refuses ends "failed" with the upstream\'s reason', async () => {
    const order = await placeAutoCsr(api, token, { product: 'dv', domains: ['blocked.example'], organization: ORG, addWwwVariant: false });
    satisfy(await track(order.caReference));
    const v = await validate(order.caReference);
    expect(v.order.status).toBe('failed');
    expect(v.order.statusReason).toMatch(/^The upstream CA refused the order: .*blocked/i);
    expect((await track(order.caReference)).statusReason).toBe(v.order.statusReason);
  });
});

describe('the gateway\'s ACME server, issued upstream', () => {
  it('acme-client with the customer\'s EAB → eabgate (http-01 at the gateway) → Pebble: a chain openssl verifies against Pebble\'s root', async () => {
    const eab = await w.provision('acme-upstream@example.com', 'business');
    const c = new acme.Client({
      directoryUrl: w.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'),
      externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey },
    });
    await c.createAccount({ termsOfServiceAgreed: true });
    const name = 'acme-upstream.example.com';
    w.dns.set(name, 'A', ['127.0.0.1']);
    const order = await c.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    for (const authz of await c.getAuthorizations(order)) {
      const challenge = authz.challenges.find((ch) => ch.type === 'http-01')!;
      w.http!.setToken(challenge.token, await c.getChallengeKeyAuthorization(challenge));
      await c.completeChallenge(challenge);
      await c.waitForValidStatus(challenge);
    }
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] });
    const finalized = await c.finalizeOrder(order, csr);
    const pem = await c.getCertificate(finalized.status === 'valid' ? finalized : await c.waitForValidStatus(finalized));
    const [leaf, ...chain] = pemBlocks(pem);
    const check = verifyChain(pebbleRoot, leaf!, chain.join(''));
    expect(check.stdout + check.stderr).toMatch(/: OK/);
    expect(issuerOf(leaf!)).toBe(subjectOf(pebbleIntermediate));
  });
});

describe('secrets', () => {
  it('keeps the upstream account key sealed (0600) and neither it nor the EAB HMAC key in the server\'s output', () => {
    const file = join(w.server.dataDir, 'upstream-account.sealed');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/PRIVATE KEY/);
    const out = w.server.output();
    expect(out).toContain('upstream ACME account registered');
    expect(out).not.toContain(pebble.hmacKey);
    expect(out).not.toMatch(/PRIVATE KEY/);
  });
});
