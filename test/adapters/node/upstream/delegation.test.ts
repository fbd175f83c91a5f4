/**
 * Issue 11, part 2: an ACME (CaaS) customer whose orders go to an upstream public CA, by DNS delegation.
 * Real components: Debian's certbot with EAB against the real Node server (http-01 to the gateway, standalone
 * on loopback); Pebble 2.4 that really validates (no PEBBLE_VA_ALWAYS_VALID, no authorization reuse) and
 * asks a real Unbound; Unbound's stub zones send the customer's zone to the project's test DNS server
 * (where the customer's `_acme-challenge` CNAME lives) and the delegation zone to the gateway's built-in
 * authoritative DNS server (EABGATE_DNS_LISTEN), so Unbound follows the CNAME into the gateway's zone as a
 * public resolver would. The certificate chains to Pebble's root (`openssl verify`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, type RunningServer } from '../../../support/server.js';
import { TestDnsServer } from '../../../support/dns-server.js';
import { provision, type Provisioned } from '../../../support/acme.js';
import { runTool, verifyChain } from '../../../support/acme-server.js';
import { openssl } from '../../../support/tools.js';
import { certonlyArgs, HAVE_CERTBOT, standaloneArgs } from '../../../support/certbot.js';
import { freeDnsPort } from '../../../support/dns-port.js';
import { startStubResolver, type StubResolver } from '../../../support/unbound-stub.js';
import { udpExchange } from '../../../../src/adapters/node/dns-udp.js';
import { RCode, RRType, decodeMessage, decodeTxt, encodeQuery } from '../../../../src/va/dns-wire.js';
import { startPebble, type Pebble } from './pebble.js';

const ADMIN = 'admin-token-for-upstream-delegation-0123';
const ZONE = 'deleg.example.net';

let dns: TestDnsServer;
let unbound: StubResolver;
let pebble: Pebble;
let server: RunningServer;
let gatewayDnsPort: number;
let httpPort: number;
let customer: Provisioned;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  gatewayDnsPort = await freeDnsPort();
  unbound = await startStubResolver({ 'example.': dns.address, [`${ZONE}.`]: `127.0.0.1:${gatewayDnsPort}` });
  pebble = await startPebble({ dnsAddress: unbound.address, validates: true, authzReuse: 0 });
  httpPort = await freePort();
  server = await startServer({
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(httpPort),
    EABGATE_ADMIN_TOKEN: ADMIN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_ISSUER: 'acme',
    EABGATE_UPSTREAM_DIRECTORY: pebble.directoryUrl,
    EABGATE_UPSTREAM_EAB_KID: pebble.kid,
    EABGATE_UPSTREAM_EAB_HMAC_KEY: pebble.hmacKey,
    EABGATE_DELEGATION_ZONE: ZONE,
    EABGATE_DNS_LISTEN: `127.0.0.1:${gatewayDnsPort}`,
    NODE_EXTRA_CA_CERTS: pebble.listenerCaFile,
  });
  customer = await provision((u, i) => fetch(u, i), server.baseUrl, ADMIN, 'delegation@example.com', 'business');
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await pebble?.stop();
  await unbound?.stop();
  await dns?.stop();
});

interface Delegation {
  zone: string;
  label: string;
  template: string;
  record?: { name: string; type: string; value: string; zoneLine: string };
  check?: { ok: boolean; detail?: string };
}

async function delegation(name?: string): Promise<Delegation> {
  const res = await fetch(`${server.baseUrl}/api/v1/delegation${name ? `?name=${encodeURIComponent(name)}` : ''}`, {
    headers: { authorization: `Bearer ${customer.customerToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Delegation;
}

async function ask(name: string, type: number): Promise<ReturnType<typeof decodeMessage>> {
  const exchange = udpExchange('127.0.0.1', gatewayDnsPort, { timeoutMs: 1_000, retries: 1 });
  return decodeMessage(await exchange(encodeQuery(7, name, type), () => true));
}

function certbot(dir: string, names: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runTool('certbot', [...certonlyArgs(`${server.baseUrl}/acme/directory`, dir, customer), ...standaloneArgs(httpPort), ...names.flatMap((n) => ['-d', n])]);
}

describe('the delegation zone on the gateway\'s own DNS server', () => {
  it('answers SOA and NS at the apex (authoritative, short TTL), NXDOMAIN inside the zone, REFUSED outside it, over UDP and TCP', async () => {
    const soa = await ask(`${ZONE}.`, RRType.SOA);
    expect(soa.authoritative).toBe(true);
    expect(soa.rcode).toBe(RCode.NOERROR);
    expect(soa.answers.map((a) => a.type)).toEqual([RRType.SOA]);
    const ns = await ask(`${ZONE}.`, 2);
    expect(ns.answers).toHaveLength(1);
    const nx = await ask(`nothing-here.${ZONE}.`, RRType.TXT);
    expect(nx.rcode).toBe(RCode.NXDOMAIN);
    expect(nx.authorities[0]!.type).toBe(RRType.SOA);
    expect(nx.authorities[0]!.ttl).toBeLessThanOrEqual(60);
    expect((await ask('example.com.', RRType.A)).rcode).toBe(RCode.REFUSED);

    // TCP (RFC 7766): a length-prefixed query on the same port.
    const query = encodeQuery(9, `${ZONE}.`, RRType.SOA);
    const answer = await new Promise<Uint8Array>((resolve, reject) => {
      const sock = connect(gatewayDnsPort, '127.0.0.1', () => {
        const head = Buffer.alloc(2);
        head.writeUInt16BE(query.length);
        sock.write(Buffer.concat([head, Buffer.from(query)]));
      });
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          sock.destroy();
          resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        }
      });
      sock.on('error', reject);
    });
    const tcp = decodeMessage(answer);
    expect(tcp.id).toBe(9);
    expect(tcp.answers[0]!.type).toBe(RRType.SOA);
  });
});

describe.skipIf(!HAVE_CERTBOT)('certbot with EAB, by DNS delegation, certificate from Pebble', () => {
  const name = 'deleg-shop.example';

  it('the API shows the exact record and says it is missing', async () => {
    const t = await delegation();
    expect(t.zone).toBe(ZONE);
    expect(t.label).toMatch(/^[0-9a-f]{32}$/);
    expect(t.template).toBe(`_acme-challenge.<name> CNAME ${t.label}.${ZONE}.`);
    const d = await delegation(name);
    expect(d.record).toEqual({
      name: `_acme-challenge.${name}`,
      type: 'CNAME',
      value: `${t.label}.${ZONE}`,
      zoneLine: `_acme-challenge.${name}. 3600 IN CNAME ${t.label}.${ZONE}.`,
    });
    // The credentials view (API and portal) and every client snippet carry the same record.
    const cred = await fetch(`${server.baseUrl}/api/v1/subscriptions/${customer.subscriptionId}/eab-credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.customerToken}` },
    });
    expect(cred.status).toBe(200);
    const shown = (await cred.json()) as { delegation: { template: string }; snippets: Record<string, string> };
    expect(shown.delegation.template).toBe(t.template);
    for (const snippet of Object.values(shown.snippets)) expect(snippet).toContain(`CNAME ${t.label}.${ZONE}.`);
    expect(d.check).toEqual({ ok: false, detail: expect.stringContaining(`there is no CNAME record at _acme-challenge.${name}: add the DNS record "${d.record!.zoneLine}"`) });
  });

  it('without the CNAME, certbot\'s order is refused with the exact record to add; a wrong CNAME is named', async () => {
    dns.set(name, 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-deleg-'));
    const r = await certbot(dir, [name]);
    expect(r.status).not.toBe(0);
    const target = (await delegation(name)).record!.value;
    // certbot 2.1 on Python 3.11 prints any ACME error as "AttributeError: can't set attribute" (josepy's
    // immutable Error meets contextlib's traceback assignment); the problem it received is in its debug log.
    const log = readFileSync(join(dir, 'logs', 'letsencrypt.log'), 'utf8');
    expect(log).toMatch(/urn:ietf:params:acme:error:rejectedIdentifier :: .*DNS delegation is required for deleg-shop\.example: there is no CNAME record at _acme-challenge\.deleg-shop\.example: add the DNS record/);
    expect(log).toContain(`_acme-challenge.${name}. 3600 IN CNAME ${target}.`);

    dns.set(`_acme-challenge.${name}`, 'CNAME', `someone-else.${ZONE}`);
    const wrong = await delegation(name);
    expect(wrong.check!.ok).toBe(false);
    expect(wrong.check!.detail).toContain(`_acme-challenge.${name} points to someone-else.${ZONE}, not to ${target}`);
  });

  it('with the CNAME: certbot gets a certificate that Pebble issued after looking the TXT up through Unbound in the gateway\'s zone', async () => {
    const record = (await delegation(name)).record!;
    dns.set(`_acme-challenge.${name}`, 'CNAME', record.value);
    expect((await delegation(name)).check).toEqual({ ok: true });
    const before = dns.queries.length;
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-deleg-'));
    const r = await certbot(dir, [name]);
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const live = join(dir, 'config', 'live', name);
    const cert = readFileSync(join(live, 'cert.pem'), 'utf8');
    const chain = readFileSync(join(live, 'chain.pem'), 'utf8');
    const ok = verifyChain(await pebble.rootPem(), cert, chain);
    expect(ok.stdout + ok.stderr).toMatch(/: OK/);
    expect(openssl(['x509', '-noout', '-issuer'], cert).stdout).toMatch(/Pebble Intermediate CA/);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], cert).stdout).toContain(`DNS:${name}`);
    // What the upstream saw: Unbound (on Pebble's behalf) asked the customer's DNS for the challenge name
    // and got the CNAME; the TXT it then found in the gateway's zone is withdrawn once the order is done.
    expect(dns.queries.slice(before).some((q) => q.name === `_acme-challenge.${name}` && q.type === 'TXT')).toBe(true);
    const gone = await ask(`${record.value}.`, RRType.TXT);
    expect(gone.answers.filter((a) => a.type === RRType.TXT).map((a) => decodeTxt(a.rdata))).toEqual([]);
  });
});
