/**
 * IP identifiers (RFC 8738) over HTTP, with EABGATE_ACME_IP_IDENTIFIERS=true: newOrder (canonical form,
 * malformed values, no wildcards), the challenges offered (http-01 and tls-alpn-01, never dns-01), http-01
 * to the address itself on IPv4 and IPv6 loopback (Host = the address), tls-alpn-01 with SNI = the
 * reverse-mapping name, finalize with an iPAddress SAN, the certificate checked with openssl
 * (`-verify_ip`), a CSR naming another address, the plan counting addresses. Off (the default):
 * `unsupportedIdentifier` saying how to enable them.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, hostAt127, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { p256Csr, type AcmeReply, type AcmeTestClient } from '../../support/acme.js';
import { pemBlocks } from '../../support/acme-server.js';
import { TlsAlpnResponder } from '../../support/tls-alpn-responder.js';
import { openssl, type Run } from '../../support/tools.js';
import { x509 } from '../../../src/core/x509.js';
import { toBase64Url } from '../../../src/core/encoding.js';
import { toPem } from '../../../src/core/pem.js';

type Challenge = { type: string; token: string; url: string; status: string; error?: Record<string, unknown> };
type GeneralName = { type: 'dns' | 'ip'; value: string };

let w: AcmeWorld;
let off: AcmeWorld;
let c: AcmeTestClient;
let tls: TlsAlpnResponder;
/** http-01 on [::1] at the VA's http-01 port (the world's responder listens on 127.0.0.1 only). */
let v6: { server: Server; tokens: Map<string, string>; hosts: string[] } | undefined;

beforeAll(async () => {
  tls = await TlsAlpnResponder.start();
  w = await acmeWorld({ env: { EABGATE_ACME_IP_IDENTIFIERS: 'true', EABGATE_VA_TLS_ALPN_PORT: String(tls.port) } });
  off = await acmeWorld();
  c = await w.registered();
  const tokens = new Map<string, string>();
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    const body = tokens.get((req.url ?? '').replace('/.well-known/acme-challenge/', ''));
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(body ?? 'not found');
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(w.http.port, '::1', () => resolve(true));
  });
  v6 = listening ? { server, tokens, hosts } : undefined;
});
afterAll(async () => {
  if (v6) await new Promise<void>((resolve) => v6!.server.close(() => resolve()));
  await tls?.stop();
  await off?.close();
  await w?.close();
});

const ip = (...values: string[]) => ({ identifiers: values.map((value) => ({ type: 'ip', value })) });

function refused(r: AcmeReply, type: string, detail: RegExp, status = 400): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
}

async function place(body: unknown, client = c): Promise<AcmeReply> {
  const r = await client.post(client.dir.newOrder, body);
  expect(r.status, r.text).toBe(201);
  return r;
}

/** A P-256 CSR with these SANs (and a CN when given), base64url DER. */
const csrWith = async (sans: GeneralName[], cn?: string): Promise<string> => toBase64Url((await p256Csr(sans, cn)).der);

/** Answers the http-01 challenge of every authorization (addresses on 127.0.0.1 or [::1], names in DNS). */
async function validateHttp01(order: AcmeReply): Promise<void> {
  for (const url of order.body.authorizations as string[]) {
    const a = await c.get(url);
    const ch = (a.body.challenges as Challenge[]).find((x) => x.type === 'http-01')!;
    const keyAuth = await c.keyAuthorization(ch.token);
    w.http.setToken(ch.token, keyAuth);
    v6?.tokens.set(ch.token, keyAuth);
    const done = await c.post(ch.url, {});
    expect(done.body.status, done.text).toBe('valid');
  }
}

async function finalizeAndDownload(order: AcmeReply, csr: string): Promise<{ leaf: string; chain: string }> {
  const fin = await c.post(order.body.finalize as string, { csr });
  expect(fin.status, fin.text).toBe(200);
  expect(fin.body.status).toBe('valid');
  const cert = await c.get(fin.body.certificate as string);
  expect(cert.status).toBe(200);
  const [leaf, ...chain] = pemBlocks(cert.text);
  expect(chain).toHaveLength(1);
  return { leaf: leaf!, chain: chain.join('') };
}

async function verifyIp(leaf: string, chain: string, address: string): Promise<Run> {
  const root = await (await w.fetch(`${w.baseUrl}/ca/root.pem`)).text();
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-ip-'));
  const files = { root: join(dir, 'root.pem'), leaf: join(dir, 'cert.pem'), chain: join(dir, 'chain.pem') };
  writeFileSync(files.root, root);
  writeFileSync(files.leaf, leaf);
  writeFileSync(files.chain, chain);
  return openssl(['verify', '-purpose', 'sslserver', '-CAfile', files.root, '-untrusted', files.chain, '-verify_ip', address, files.leaf]);
}

const text = (pem: string) => openssl(['x509', '-noout', '-text'], pem).stdout;

describe('IP identifiers switched off (the default)', () => {
  it('answers unsupportedIdentifier and says how to enable them', async () => {
    const client = await off.registered();
    const r = await client.post(client.dir.newOrder, ip('127.0.0.1'));
    refused(r, 'unsupportedIdentifier', /IP address identifiers \(RFC 8738\) are not supported.*EABGATE_ACME_IP_IDENTIFIERS=true/);
  });
});

describe('newOrder with IP identifiers', () => {
  it('stores addresses in canonical form (RFC 5952), once, and offers http-01 and tls-alpn-01 but never dns-01', async () => {
    const r = await place(ip('0:0:0:0:0:0:0:1', '::1', '127.0.0.1', '2001:DB8:0:0:1:0:0:1'));
    expect(r.body.identifiers).toEqual([
      { type: 'ip', value: '::1' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '2001:db8::1:0:0:1' },
    ]);
    for (const url of r.body.authorizations as string[]) {
      const a = await c.get(url);
      expect((a.body.identifier as { type: string }).type).toBe('ip');
      expect(a.body.wildcard).toBeUndefined();
      expect((a.body.challenges as Challenge[]).map((x) => x.type)).toEqual(['http-01', 'tls-alpn-01']);
    }
  });

  it('refuses wildcard-like, malformed and IPv4-mapped values with a clear detail', async () => {
    refused(await c.post(c.dir.newOrder, ip('192.0.2.*')), 'malformed', /wildcards are not possible for IP addresses/);
    refused(await c.post(c.dir.newOrder, ip('*.2.0.192.in-addr.arpa')), 'malformed', /wildcards are not possible/);
    refused(await c.post(c.dir.newOrder, ip('256.1.1.1')), 'malformed', /"256.1.1.1" is not an IP address: it must be an IPv4 address in dotted-quad form/);
    refused(await c.post(c.dir.newOrder, ip('010.0.0.1')), 'malformed', /is not an IP address/);
    refused(await c.post(c.dir.newOrder, ip('[::1]')), 'malformed', /without brackets/);
    refused(await c.post(c.dir.newOrder, ip('fe80::1%eth0')), 'malformed', /is not an IP address/);
    refused(await c.post(c.dir.newOrder, ip('10.0.0.0/8')), 'malformed', /an address range \(prefix\) cannot be ordered/);
    refused(await c.post(c.dir.newOrder, ip('::ffff:127.0.0.1')), 'rejectedIdentifier', /IPv4-mapped IPv6 address; order 127\.0\.0\.1 itself/);
    // An address as a DNS identifier stays refused (type "ip" is the way to order it).
    refused(await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: '127.0.0.1' }] }), 'rejectedIdentifier', /is an IP address/);
    refused(await c.post(c.dir.newOrder, { identifiers: [{ type: 'email', value: 'a@b.c' }] }), 'unsupportedIdentifier', /use "dns" or "ip"/);
  });

  it('counts addresses as names for the plan (maxNamesPerOrder)', async () => {
    const eab = await w.provision('ip-plan@example.com', { preset: 'business', maxNamesPerOrder: 1 });
    const client = await w.registered(undefined, eab);
    const r = await client.post(client.dir.newOrder, { identifiers: [{ type: 'dns', value: 'one.ip.example' }, { type: 'ip', value: '127.0.0.1' }] });
    refused(r, 'rejectedIdentifier', /at most 1 name per order \(maxNamesPerOrder\); this order has 2/);
  });
});

describe('validation and issuance for IP identifiers', () => {
  it('127.0.0.1: http-01 to the address itself (Host = the address), finalize with an iPAddress SAN, a certificate openssl verifies for the IP', async () => {
    w.http.clear();
    const order = await place(ip('127.0.0.1'));
    await validateHttp01(order);
    expect(w.http.requests.at(-1)?.host).toBe(`127.0.0.1:${w.http.port}`);
    expect((await c.get(order.headers.get('location')!)).body.status).toBe('ready');

    const { leaf, chain } = await finalizeAndDownload(order, await csrWith([{ type: 'ip', value: '127.0.0.1' }]));
    const check = await verifyIp(leaf, chain, '127.0.0.1');
    expect(check.stdout + check.stderr).toContain('OK');
    expect(check.status).toBe(0);
    expect((await verifyIp(leaf, chain, '127.0.0.2')).status).not.toBe(0);
    const t = text(leaf);
    expect(t).toContain('IP Address:127.0.0.1');
    expect(t).not.toContain('DNS:');
    // No DNS name: an empty subject, and then the SAN extension is critical (RFC 5280 §4.2.1.6).
    expect(t).toMatch(/Subject: *\n/);
    expect(t).toMatch(/X509v3 Subject Alternative Name: critical/);
  });

  it('::1 (written in full): http-01 to [::1] with Host "[::1]:port", a certificate for the IPv6 address', async (ctx) => {
    if (!v6) return ctx.skip();
    v6.hosts.length = 0;
    const order = await place(ip('0:0:0:0:0:0:0:1'));
    await validateHttp01(order);
    expect(v6.hosts).toEqual([`[::1]:${w.http.port}`]);
    // The CSR spells the address its own way: compared in canonical form.
    const { leaf, chain } = await finalizeAndDownload(order, await csrWith([{ type: 'ip', value: '0::1' }], '::1'));
    const check = await verifyIp(leaf, chain, '::1');
    expect(check.stdout + check.stderr).toContain('OK');
    expect(text(leaf)).toContain('IP Address:0:0:0:0:0:0:0:1');
  });

  it('a DNS name and an address in one order: CN = the DNS name, dNSName and iPAddress SANs', async () => {
    hostAt127(w.dns, 'mixed.ip.example');
    const order = await place({ identifiers: [{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'mixed.ip.example' }] });
    await validateHttp01(order);
    const csr = await csrWith([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'mixed.ip.example' }], '127.0.0.1');
    const { leaf, chain } = await finalizeAndDownload(order, csr);
    const t = text(leaf);
    expect(t).toMatch(/Subject: CN *= *mixed\.ip\.example/);
    expect(t).toMatch(/DNS:mixed\.ip\.example, IP Address:127\.0\.0\.1/);
    expect((await verifyIp(leaf, chain, '127.0.0.1')).status).toBe(0);
  });

  it('tls-alpn-01 for an address: SNI = the reverse-mapping name (RFC 8738 §6), an iPAddress SAN in the challenge certificate', async () => {
    // A fresh account: the shared one holds a valid authorization for 127.0.0.1 that new orders reuse.
    const c = await w.registered();
    const order = await place(ip('127.0.0.1'), c);
    const a = await c.get((order.body.authorizations as string[])[0]!);
    const ch = (a.body.challenges as Challenge[]).find((x) => x.type === 'tls-alpn-01')!;
    const keyAuth = await c.keyAuthorization(ch.token);

    // A certificate naming the address as a dNSName does not answer the challenge (another order) …
    const other = await place(ip('127.0.0.1'), c);
    const oa = await c.get((other.body.authorizations as string[])[0]!);
    const och = (oa.body.challenges as Challenge[]).find((x) => x.type === 'tls-alpn-01')!;
    tls.setCertificate('1.0.0.127.in-addr.arpa', await challengeCertificate([{ type: 'dns', value: '127.0.0.1' }], await c.keyAuthorization(och.token)));
    const failed = await c.post(och.url, {});
    expect(failed.body.status).toBe('invalid');
    expect((failed.body.error as { detail: string }).detail).toMatch(/does not name the iPAddress 127\.0\.0\.1/);

    // … one with the iPAddress does.
    tls.setCertificate('1.0.0.127.in-addr.arpa', await challengeCertificate([{ type: 'ip', value: '127.0.0.1' }], keyAuth));
    tls.sniSeen.length = 0;
    const done = await c.post(ch.url, {});
    expect(done.body.status, done.text).toBe('valid');
    expect(tls.sniSeen).toEqual(['1.0.0.127.in-addr.arpa']);
  });

  it('refuses a CSR naming another address, or the address as a DNS name (badCSR)', async () => {
    const order = await place(ip('127.0.0.1'));
    await validateHttp01(order);
    const other = await c.post(order.body.finalize as string, { csr: await csrWith([{ type: 'ip', value: '127.0.0.2' }]) });
    refused(other, 'badCSR', /lacks 127\.0\.0\.1 and has 127\.0\.0\.2, which the order does not/);
    const asDns = await c.post(order.body.finalize as string, { csr: await csrWith([{ type: 'dns', value: 'not-the-ip.example' }]) });
    refused(asDns, 'badCSR', /has not-the-ip\.example/);
    // The order is still ready: a good CSR goes through.
    await finalizeAndDownload(order, await csrWith([{ type: 'ip', value: '127.0.0.1' }]));
  });
});

/** An RFC 8737 challenge certificate with these SANs (self-signed, P-256). */
async function challengeCertificate(sans: GeneralName[], keyAuth: string): Promise<{ certPem: string; keyPem: string; der: Uint8Array }> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(keyAuth)));
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=acme-tls-alpn',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension(sans),
      new x509.Extension('1.3.6.1.5.5.7.1.31', true, new Uint8Array([0x04, digest.length, ...digest])),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: toPem('PRIVATE KEY', pkcs8), der: new Uint8Array(cert.rawData) };
}
