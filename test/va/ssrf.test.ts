/**
 * SSRF matrix (issue 9): a customer must not make the validation authority reach the gateway's own network.
 * Loopback test doubles stand in for internal services: an HTTP server on 127.0.0.1 and [::1] (the http-01
 * port) and a TLS server on 127.0.0.1 (the tls-alpn-01 and https port). Every case checks the problem (its
 * type and the address class it names) AND that no double saw a connection. A "front" server on 127.0.0.2,
 * the only allowed address, plays a customer's web server that redirects inward. Control cases allow
 * 127.0.0.0/8 and ::1/128 (EABGATE_VA_ALLOW_NETWORKS, as the other tests do) and reach the doubles.
 * The same through POST /api/v1/tracking/validate and ACME challenges (IP identifiers enabled).
 */
import { createServer as createHttpServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { makeAcmeTlsCertificate } from '../support/tls-alpn-responder.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { createTlsAlpnProber } from '../../src/adapters/node/tls-alpn-prober.js';
import { ValidationAuthority, type ValidationAuthorityOptions } from '../../src/va/va.js';
import { keyAuthorization } from '../../src/va/key-authorization.js';
import { checkCaa, newCaaLookups } from '../../src/va/caa.js';
import type { CaaRecord, DnsLookup, DnsResolver, HttpGetter } from '../../src/va/ports.js';
import type { ValidationResult } from '../../src/va/result.js';
import { ACME, RFC7638_JWK, newToken } from './fixtures.js';
import { customer } from '../support/harness.js';
import { placeAutoCsr } from '../support/order.js';
import { trackingWorld, track, type TrackingWorld } from '../support/tracking.js';
import { acmeWorld, type AcmeWorld } from '../support/acme-world.js';
import type { AcmeReply, AcmeTestClient } from '../support/acme.js';

/** An HTTP double that counts connections and answers from a route table (404 otherwise). */
interface HttpDouble {
  server: Server;
  connections: number;
  requests: string[];
  routes: Map<string, { status: number; body?: string; location?: string }>;
}

function httpDouble(): HttpDouble {
  const d: HttpDouble = { server: undefined as unknown as Server, connections: 0, requests: [], routes: new Map() };
  d.server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    d.requests.push(`${req.headers.host} ${req.url}`);
    const r = d.routes.get(req.url ?? '');
    res.writeHead(r?.status ?? 404, { 'content-type': 'text/plain', ...(r?.location ? { location: r.location } : {}) });
    res.end(r?.body ?? 'internal service: secret-admin-panel');
  });
  d.server.on('connection', () => d.connections++);
  return d;
}

const listen = (s: Server | TlsServer, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
  });
const close = (s: Server | TlsServer) => new Promise<void>((resolve) => s.close(() => resolve()));

let dns: TestDnsServer;
/** Internal services: 127.0.0.1 and [::1] on the http-01 port P, TLS on 127.0.0.1:Q. */
let victim4: HttpDouble;
let victim6: HttpDouble | undefined;
let victimTls: TlsServer;
let tlsConnections = 0;
/** The customer's own server: 127.0.0.2:P, the only address the VA may reach in the refusal cases. */
let front: HttpDouble;
let P: number;
let Q: number;

const INTERNAL_NAMES = ['db1.corp.internal', 'db2.corp.internal', 'vault.corp.internal', 'ldap.corp.internal', 'git.corp.internal'];

beforeAll(async () => {
  dns = await TestDnsServer.start();
  // The same port on 127.0.0.1, 127.0.0.2 and ::1, so a redirect can aim at each.
  for (let attempt = 0; ; attempt++) {
    victim4 = httpDouble();
    front = httpDouble();
    P = await listen(victim4.server, 0, '127.0.0.1');
    try {
      await listen(front.server, P, '127.0.0.2');
      break;
    } catch (err) {
      await close(victim4.server);
      if (attempt > 10) throw err;
    }
  }
  const v6 = httpDouble();
  victim6 = await listen(v6.server, P, '::1').then(
    () => v6,
    () => undefined,
  );
  const cert = await makeAcmeTlsCertificate('tls.example', 'unused', { sans: INTERNAL_NAMES });
  victimTls = createTlsServer({ cert: cert.certPem, key: cert.keyPem, ALPNProtocols: ['acme-tls/1', 'http/1.1'] }, (s) => s.end());
  victimTls.on('connection', () => tlsConnections++);
  Q = await listen(victimTls, 0, '127.0.0.1');
});

afterAll(async () => {
  await Promise.all([dns.stop(), close(victim4.server), close(front.server), close(victimTls), victim6 ? close(victim6.server) : undefined]);
});

beforeEach(() => {
  dns.reset();
  for (const d of [victim4, victim6, front]) {
    if (!d) continue;
    d.connections = 0;
    d.requests.length = 0;
    d.routes.clear();
  }
  tlsConnections = 0;
});

const va = (over: Partial<ValidationAuthorityOptions> = {}) =>
  new ValidationAuthority({
    resolver: createUdpResolver({ server: dns.address, timeoutMs: 500, retries: 1 }),
    http: createHttp01Getter(),
    tlsAlpn: createTlsAlpnProber(),
    httpPort: P,
    httpsPort: Q,
    tlsAlpnPort: Q,
    caaIdentities: ['eabgate.test'],
    timeoutMs: 400,
    allowNetworks: ['127.0.0.2/32'],
    ...over,
  });
const ALLOW_LOOPBACK = ['127.0.0.0/8', '::1/128'];

function problemOf(r: ValidationResult) {
  if (r.valid) throw new Error('expected the validation to fail');
  return r.problem;
}

/** Nothing internal was contacted. */
function expectNoConnection(): void {
  expect(victim4.connections, 'connections to 127.0.0.1').toBe(0);
  expect(victim6?.connections ?? 0, 'connections to [::1]').toBe(0);
  expect(tlsConnections, 'TLS connections to 127.0.0.1').toBe(0);
}

const RESERVED_V4: [string, string][] = [
  ['127.0.0.1', 'a loopback address (RFC 1122)'],
  ['127.1.2.3', 'a loopback address (RFC 1122)'],
  ['0.0.0.0', 'a "this network" address (RFC 791)'],
  ['10.0.0.1', 'a private-use address (RFC 1918)'],
  ['172.16.5.4', 'a private-use address (RFC 1918)'],
  ['192.168.1.1', 'a private-use address (RFC 1918)'],
  ['100.64.0.1', 'a shared address space (carrier-grade NAT) address (RFC 6598)'],
  ['169.254.169.254', 'a link-local address (RFC 3927)'],
  ['192.0.0.9', 'an IETF protocol assignment address (RFC 6890)'],
  ['192.0.2.1', 'a documentation address (TEST-NET-1) (RFC 5737)'],
  ['198.51.100.7', 'a documentation address (TEST-NET-2) (RFC 5737)'],
  ['203.0.113.9', 'a documentation address (TEST-NET-3) (RFC 5737)'],
  ['198.18.0.1', 'a benchmarking address (RFC 2544)'],
  ['192.88.99.1', 'a deprecated 6to4 relay anycast address (RFC 7526)'],
  ['224.0.0.1', 'a multicast address (RFC 5771)'],
  ['240.0.0.1', 'a reserved (future use) address (RFC 1112)'],
  ['255.255.255.255', 'the limited broadcast address (RFC 919)'],
];
const RESERVED_V6: [string, string][] = [
  ['::1', 'a loopback address (RFC 4291)'],
  ['::', 'the unspecified address (RFC 4291)'],
  ['::ffff:127.0.0.1', 'an IPv4-mapped address (RFC 4291)'],
  ['::ffff:10.0.0.1', 'an IPv4-mapped address (RFC 4291)'],
  ['64:ff9b::7f00:1', 'an IPv4/IPv6 translation (NAT64) address (RFC 6052)'],
  ['2002:7f00:1::1', 'a 6to4 address (RFC 3056)'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'a Teredo address (RFC 4380)'],
  ['fc00::1', 'a unique local address (RFC 4193)'],
  ['fd12:3456::1', 'a unique local address (RFC 4193)'],
  ['fe80::1', 'a link-local address (RFC 4291)'],
  ['fec0::1', 'a site-local address (deprecated) (RFC 3879)'],
  ['ff02::1', 'a multicast address (RFC 4291)'],
  ['2001:db8::1', 'a documentation address (RFC 3849)'],
  ['100::1', 'a discard-only address (RFC 6666)'],
  ['2001:2::1', 'a benchmarking address (RFC 5180)'],
];
/** The AAAA answer as the resolver returns it (RFC 5952), to find in details. */
const canonical6: Record<string, string> = { '::ffff:127.0.0.1': '::ffff:7f00:1', '::ffff:10.0.0.1': '::ffff:a00:1' };

describe('A and AAAA records pointing into reserved ranges', () => {
  it.each(RESERVED_V4)('A %s: http-01 and tls-alpn-01 are refused as %s, with no connection', async (address, cls) => {
    dns.set('victim.example', 'A', [address]);
    const token = newToken();
    for (const type of ['http-01', 'tls-alpn-01']) {
      const p = problemOf(await va().validate(type, 'victim.example', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}connection`);
      expect(p.detail).toBe(`${address} (the A record of victim.example) is ${cls}; eabgate does not connect to it`);
    }
    expectNoConnection();
  });

  it.each(RESERVED_V6)('AAAA %s: http-01 and tls-alpn-01 are refused as %s, with no connection', async (address, cls) => {
    dns.set('victim.example', 'AAAA', [address]);
    const shown = canonical6[address] ?? address;
    for (const type of ['http-01', 'tls-alpn-01']) {
      const p = problemOf(await va().validate(type, 'victim.example', newToken(), RFC7638_JWK));
      expect(p.type).toBe(`${ACME}connection`);
      expect(p.detail).toBe(`${shown} (the AAAA record of victim.example) is ${cls}; eabgate does not connect to it`);
    }
    expectNoConnection();
  });

  it('A 127.0.0.1 and AAAA ::1 together: both named, neither contacted', async () => {
    dns.set('both.example', 'A', ['127.0.0.1']).set('both.example', 'AAAA', ['::1']);
    const p = problemOf(await va().validate('http-01', 'both.example', newToken(), RFC7638_JWK));
    expect(p.detail).toBe(
      '::1 (the AAAA record of both.example) is a loopback address (RFC 4291); 127.0.0.1 (the A record of both.example) is a loopback address (RFC 1122); eabgate does not connect to them',
    );
    expectNoConnection();
  });

  it('refused answers are dropped when an allowed one is there: only the allowed address is contacted', async () => {
    const token = newToken();
    dns.set('mixed.example', 'A', ['10.0.0.1', '127.0.0.1', '127.0.0.2']).set('mixed.example', 'AAAA', ['::1']);
    front.routes.set(`/.well-known/acme-challenge/${token}`, { status: 200, body: await keyAuthorization(token, RFC7638_JWK) });
    expect(await va().validate('http-01', 'mixed.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(front.requests).toEqual([`mixed.example:${P} /.well-known/acme-challenge/${token}`]);
    expectNoConnection();
  });

  it('a getter that resolves names itself (Workers fetch) refuses a name with any refused answer', async () => {
    const seen: string[] = [];
    const fetchLike: HttpGetter = { resolvesItself: true, get: async (host) => (seen.push(host), { kind: 'response', status: 200, body: new Uint8Array(), truncated: false }) };
    dns.set('mixed.example', 'A', ['127.0.0.1', '127.0.0.2']);
    const p = problemOf(await va({ http: fetchLike }).validate('http-01', 'mixed.example', newToken(), RFC7638_JWK));
    expect(p.detail).toBe('127.0.0.1 (the A record of mixed.example) is a loopback address (RFC 1122); eabgate does not connect to it');
    expect(seen).toEqual([]);
  });
});

describe('http-01 redirects aiming inward', () => {
  /** front.example (127.0.0.2, allowed) answers the challenge URL with a 302 to `location`. */
  async function redirectTo(location: string): Promise<{ detail: string; type: string; token: string }> {
    const token = newToken();
    front.requests.length = 0;
    dns.set('front.example', 'A', ['127.0.0.2']);
    front.routes.set(`/.well-known/acme-challenge/${token}`, { status: 302, location });
    const p = problemOf(await va().validate('http-01', 'front.example', token, RFC7638_JWK));
    expect(front.requests).toHaveLength(1);
    return { detail: p.detail, type: p.type, token };
  }

  it('to a name whose A record is 127.0.0.1: refused after resolving, naming the redirect and the class', async () => {
    dns.set('internal.example', 'A', ['127.0.0.1']);
    const r = await redirectTo(`http://internal.example:${P}/admin`);
    expect(r.type).toBe(`${ACME}connection`);
    expect(r.detail).toBe(
      `GET http://front.example:${P}/.well-known/acme-challenge/${r.token} redirected to http://internal.example:${P}/admin: ` +
        '127.0.0.1 (the A record of internal.example) is a loopback address (RFC 1122); eabgate does not connect to it',
    );
    expectNoConnection();
  });

  it('to a name whose AAAA record is ::1, or whose A is the cloud metadata address', async () => {
    dns.set('v6internal.example', 'AAAA', ['::1']).set('metadata.example', 'A', ['169.254.169.254']);
    expect((await redirectTo(`http://v6internal.example:${P}/`)).detail).toMatch(/::1 \(the AAAA record of v6internal\.example\) is a loopback address \(RFC 4291\)/);
    expect((await redirectTo(`http://metadata.example:${P}/latest/meta-data/`)).detail).toMatch(
      /169\.254\.169\.254 \(the A record of metadata\.example\) is a link-local address \(RFC 3927\)/,
    );
    expectNoConnection();
  });

  it('to https on the allowed port, at a name pointing at 127.0.0.1', async () => {
    dns.set('secure-internal.example', 'A', ['127.0.0.1']);
    const r = await redirectTo(`https://secure-internal.example:${Q}/`);
    expect(r.detail).toMatch(/127\.0\.0\.1 \(the A record of secure-internal\.example\) is a loopback address/);
    expectNoConnection();
  });

  it('to internal host names, whatever they would resolve to', async () => {
    dns.set('localhost', 'A', ['127.0.0.2']).set('db.corp.internal', 'A', ['127.0.0.2']).set('printer.local', 'A', ['127.0.0.2']);
    expect((await redirectTo(`http://localhost:${P}/`)).detail).toMatch(/"localhost" is a loopback name \(RFC 6761\), which eabgate does not connect to/);
    expect((await redirectTo(`http://db.corp.internal:${P}/`)).detail).toMatch(/is a private-use name \(\.internal\)/);
    expect((await redirectTo(`http://printer.local:${P}/`)).detail).toMatch(/is a multicast DNS name/);
    expect((await redirectTo(`http://intranet:${P}/`)).detail).toMatch(/"intranet" is a single-label name/);
    expect(dns.queries.filter((q) => q.name !== 'front.example')).toEqual([]);
    expectNoConnection();
  });

  it('to IP literals, other ports and other schemes', async () => {
    expect((await redirectTo(`http://127.0.0.1:${P}/`)).detail).toMatch(/redirects to IP addresses are not followed/);
    expect((await redirectTo(`http://[::1]:${P}/`)).detail).toMatch(/redirects to IP addresses are not followed/);
    expect((await redirectTo(`http://2130706433:${P}/`)).detail).toMatch(/redirects to IP addresses are not followed/);
    expect((await redirectTo('http://front.example:6379/')).detail).toMatch(new RegExp(`only port ${P} \\(http\\) and ${Q} \\(https\\) are followed`));
    expect((await redirectTo('gopher://front.example/')).detail).toMatch(/only http:\/\/ and https:\/\/ are followed/);
    expect((await redirectTo('file:///etc/passwd')).detail).toMatch(/only http:\/\/ and https:\/\/ are followed/);
    expectNoConnection();
  });

  it('at most 10 redirects, each hop resolved and checked again', async () => {
    dns.set('front.example', 'A', ['127.0.0.2']);
    const token = newToken();
    front.routes.set(`/.well-known/acme-challenge/${token}`, { status: 302, location: '/hop/1' });
    for (let i = 1; i <= 12; i++) front.routes.set(`/hop/${i}`, { status: 302, location: `http://front.example:${P}/hop/${i + 1}` });
    const p = problemOf(await va().validate('http-01', 'front.example', token, RFC7638_JWK));
    expect(p.detail).toMatch(/redirected more than 10 times/);
    expect(front.requests).toHaveLength(11);
    expect(dns.queries.filter((q) => q.type === 'A' && q.name === 'front.example')).toHaveLength(11);

    // A hop later in the chain aiming inward is refused like the first.
    front.requests.length = 0;
    front.routes.set('/hop/3', { status: 302, location: `http://inward.example:${P}/hop/4` });
    dns.set('inward.example', 'A', ['127.0.0.1']);
    const q = problemOf(await va().validate('http-01', 'front.example', token, RFC7638_JWK));
    expect(q.detail).toMatch(/redirected to http:\/\/inward\.example:\d+\/hop\/4: 127\.0\.0\.1 \(the A record of inward\.example\) is a loopback address/);
    expect(front.requests).toHaveLength(4);
    expectNoConnection();
  });

  it('quotes only a short, sanitized prefix of a body from an allowed address', async () => {
    dns.set('front.example', 'A', ['127.0.0.2']);
    const token = newToken();
    front.routes.set(`/.well-known/acme-challenge/${token}`, { status: 200, body: `line1\r\nX-Injected: yes\u0000${'A'.repeat(500)}` });
    const p = problemOf(await va({ maxBodyBytes: 1024 }).validate('http-01', 'front.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    const got = JSON.parse(/got (".*")$/.exec(p.detail)![1]!) as string;
    expect(got).toMatch(/^line1\?\?X-Injected: yes\?A+…$/);
    expect(got.length).toBeLessThanOrEqual(65);
  });
});

describe('IP identifiers (RFC 8738) in reserved ranges', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'a loopback address (RFC 1122)'],
    ['10.0.0.1', 'a private-use address (RFC 1918)'],
    ['169.254.169.254', 'a link-local address (RFC 3927)'],
    ['100.64.0.1', 'a shared address space (carrier-grade NAT) address (RFC 6598)'],
    ['::1', 'a loopback address (RFC 4291)'],
    ['fd00::1', 'a unique local address (RFC 4193)'],
    ['fe80::1', 'a link-local address (RFC 4291)'],
  ];
  it.each(cases)('%s: http-01 and tls-alpn-01 refused as %s, with no connection', async (address, cls) => {
    for (const type of ['http-01', 'tls-alpn-01']) {
      const p = problemOf(await va().validateIp(type, address, newToken(), RFC7638_JWK));
      expect(p.type).toBe(`${ACME}connection`);
      expect(p.detail).toBe(`${address} is ${cls}; eabgate does not connect to it`);
    }
    expectNoConnection();
  });
});

describe('tls-alpn-01 and the certificate of an internal server', () => {
  it('refused: the internal certificate is never fetched, so none of its names can be shown', async () => {
    dns.set('tls.example', 'A', ['127.0.0.1']);
    const p = problemOf(await va().validate('tls-alpn-01', 'tls.example', newToken(), RFC7638_JWK));
    expect(p.detail).not.toMatch(/corp\.internal/);
    expect(p.detail.length).toBeLessThan(200);
    expectNoConnection();
  });

  it('control (allowed): the detail names at most three entries of the certificate', async () => {
    dns.set('tls.example', 'A', ['127.0.0.1']);
    const p = problemOf(await va({ allowNetworks: ALLOW_LOOPBACK }).validate('tls-alpn-01', 'tls.example', newToken(), RFC7638_JWK));
    expect(tlsConnections).toBe(1);
    expect(p.detail).toMatch(/it names db1\.corp\.internal, db2\.corp\.internal, vault\.corp\.internal and 2 more\)$/);
    expect(p.detail).not.toMatch(/ldap|git\.corp/);
  });
});

describe('control: the allowed networks reach the doubles', () => {
  it('A 127.0.0.1 and AAAA ::1 validate when 127.0.0.0/8 and ::1/128 are allowed', async () => {
    const token = newToken();
    const body = await keyAuthorization(token, RFC7638_JWK);
    victim4.routes.set(`/.well-known/acme-challenge/${token}`, { status: 200, body });
    dns.set('ok4.example', 'A', ['127.0.0.1']);
    expect(await va({ allowNetworks: ALLOW_LOOPBACK }).validate('http-01', 'ok4.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(victim4.connections).toBe(1);
    expect(await va({ allowNetworks: ALLOW_LOOPBACK }).validateIp('http-01', '127.0.0.1', token, RFC7638_JWK)).toEqual({ valid: true });
    if (victim6) {
      victim6.routes.set(`/.well-known/acme-challenge/${token}`, { status: 200, body });
      dns.set('ok6.example', 'AAAA', ['::1']);
      expect(await va({ allowNetworks: ALLOW_LOOPBACK }).validate('http-01', 'ok6.example', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(victim6.connections).toBe(1);
    }
  });

  it('a redirect to a name at 127.0.0.1 is followed when allowed', async () => {
    const token = newToken();
    dns.set('front.example', 'A', ['127.0.0.2']).set('internal.example', 'A', ['127.0.0.1']);
    front.routes.set(`/.well-known/acme-challenge/${token}`, { status: 302, location: `http://internal.example:${P}/ok` });
    victim4.routes.set('/ok', { status: 200, body: await keyAuthorization(token, RFC7638_JWK) });
    expect(await va({ allowNetworks: ALLOW_LOOPBACK }).validate('http-01', 'front.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(victim4.requests).toEqual([`internal.example:${P} /ok`]);
  });
});

describe('bounded work', () => {
  it('at most `maxConcurrent` validations run at once in the process', async () => {
    let running = 0;
    let peak = 0;
    const slow: HttpGetter = {
      async get() {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return { kind: 'response', status: 404, body: new Uint8Array(), truncated: false };
      },
    };
    const resolver: DnsResolver = {
      a: async () => ({ status: 'found', records: ['93.184.215.14'] }),
      aaaa: async () => ({ status: 'nodata' }),
      txt: async () => ({ status: 'nodata' }),
      caa: async () => ({ status: 'nodata' }),
    };
    const limited = va({ resolver, http: slow, maxConcurrent: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => limited.validate('http-01', `n${i}.example`, newToken(), RFC7638_JWK)));
    expect(results.every((r) => !r.valid && r.problem.type === `${ACME}unauthorized`)).toBe(true);
    expect(peak).toBe(3);
  });

  it('CAA climbs one label at a time, stops at the first set, and shares parents within one request', async () => {
    let inFlight = 0;
    let peak = 0;
    const asked: string[] = [];
    const caaAt = new Map<string, CaaRecord[]>([['example.com', [{ flags: 0, tag: 'issue', value: 'eabgate.test' }]]]);
    const resolver: DnsResolver = {
      a: async () => ({ status: 'nodata' }),
      aaaa: async () => ({ status: 'nodata' }),
      txt: async () => ({ status: 'nodata' }),
      async caa(name): Promise<DnsLookup<CaaRecord>> {
        asked.push(name);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        const records = caaAt.get(name);
        return records ? { status: 'found', records } : { status: 'nodata' };
      },
    };
    const deep = `${Array.from({ length: 100 }, (_, i) => `l${i}`).join('.')}.example.com`;
    expect(await checkCaa(resolver, deep, ['eabgate.test'])).toEqual({ ok: true });
    expect(peak).toBe(1);
    expect(asked).toHaveLength(101); // 100 labels and example.com; "com" is never asked
    expect(asked).not.toContain('com');

    asked.length = 0;
    const lookups = newCaaLookups();
    const names = ['a.shop.example.com', 'b.shop.example.com', 'shop.example.com', 'c.other.example.com'];
    await Promise.all(names.map((n) => checkCaa(resolver, n, ['eabgate.test'], { lookups })));
    expect([...asked].sort()).toEqual(['a.shop.example.com', 'b.shop.example.com', 'c.other.example.com', 'example.com', 'other.example.com', 'shop.example.com']);
  });
});

// ------------------------------------------------------------------------------------------------------
// The same through the service: POST /api/v1/tracking/validate, and ACME challenges.

describe('through POST /api/v1/tracking/validate', () => {
  let w: TrackingWorld;
  let bearer: string;
  beforeAll(async () => {
    // The test harness allows loopback by default; this world allows nothing.
    w = await trackingWorld({ EABGATE_VA_ALLOW_NETWORKS: '' });
    bearer = await customer(w.h, 'ssrf@example.com');
  });
  afterAll(() => w.close());

  it('refuses names pointing at 127.0.0.1, ::1 and 10.0.0.1; the loopback responder sees nothing', async () => {
    w.dns.set('loop4.ssrf.example', 'A', ['127.0.0.1']).set('loop6.ssrf.example', 'AAAA', ['::1']).set('private.ssrf.example', 'A', ['10.0.0.1']);
    const domains = ['loop4.ssrf.example', 'loop6.ssrf.example', 'private.ssrf.example'];
    const order = await placeAutoCsr(w.h, bearer, { product: 'dv', domains, organization: undefined, addWwwVariant: false });
    // Even the right key authorizations, served where a connection would land, do not help.
    for (const v of (await track(w.h, order.caReference)).validation) {
      w.http.setToken(v.instructions.http01!.url.split('/').pop()!, v.instructions.http01!.body);
    }
    w.http.requests.length = 0;
    const res = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
    const r = (await res.json()) as { domains: { domain: string; status: string; found: Record<string, string> }[] };
    const found = Object.fromEntries(r.domains.map((d) => [d.domain, d]));
    expect(found['loop4.ssrf.example']).toMatchObject({ status: 'pending' });
    expect(found['loop4.ssrf.example']!.found['http-01']).toBe(
      '127.0.0.1 (the A record of loop4.ssrf.example) is a loopback address (RFC 1122); eabgate does not connect to it',
    );
    expect(found['loop6.ssrf.example']!.found['http-01']).toMatch(/^::1 \(the AAAA record of loop6\.ssrf\.example\) is a loopback address \(RFC 4291\)/);
    expect(found['private.ssrf.example']!.found['http-01']).toMatch(/^10\.0\.0\.1 .* is a private-use address \(RFC 1918\)/);
    expect(w.http.requests).toEqual([]);
  });

  it('checks at most 4 names of one order at once', async () => {
    const { h } = w;
    const real = h.deps.va.validate.bind(h.deps.va);
    let running = 0;
    let peak = 0;
    h.deps.va.validate = async (...args) => {
      running++;
      peak = Math.max(peak, running);
      try {
        await new Promise((r) => setTimeout(r, 10));
        return await real(...args);
      } finally {
        running--;
      }
    };
    try {
      const domains = Array.from({ length: 12 }, (_, i) => `n${i}.fanout.example`);
      for (const d of domains) w.dns.set(d, 'A', ['10.9.9.9']);
      const order = await placeAutoCsr(h, bearer, { product: 'dv', domains, organization: undefined, addWwwVariant: false });
      const res = await h.request('POST', '/api/v1/tracking/validate', { json: { caReference: order.caReference } });
      expect(res.status).toBe(200);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
    } finally {
      h.deps.va.validate = real;
    }
  });
});

describe('through ACME (IP identifiers enabled, nothing allowed)', () => {
  let w: AcmeWorld;
  let c: AcmeTestClient;
  beforeAll(async () => {
    w = await acmeWorld({ env: { EABGATE_ACME_IP_IDENTIFIERS: 'true', EABGATE_VA_ALLOW_NETWORKS: '', EABGATE_VA_TLS_ALPN_PORT: String(Q) } });
    c = await w.registered();
  });
  afterAll(() => w.close());

  async function challengeOf(order: AcmeReply, type: string) {
    const a = await c.get((order.body.authorizations as string[])[0]!);
    return (a.body.challenges as { type: string; token: string; url: string }[]).find((x) => x.type === type)!;
  }

  it.each([
    [{ type: 'ip', value: '127.0.0.1' }, 'http-01', '127.0.0.1 is a loopback address (RFC 1122); eabgate does not connect to it'],
    [{ type: 'ip', value: '::1' }, 'http-01', '::1 is a loopback address (RFC 4291); eabgate does not connect to it'],
    [{ type: 'ip', value: '127.0.0.1' }, 'tls-alpn-01', '127.0.0.1 is a loopback address (RFC 1122); eabgate does not connect to it'],
    [{ type: 'dns', value: 'acme-loop.ssrf.example' }, 'http-01', '127.0.0.1 (the A record of acme-loop.ssrf.example) is a loopback address (RFC 1122); eabgate does not connect to it'],
    [{ type: 'dns', value: 'acme-loop.ssrf.example' }, 'tls-alpn-01', '127.0.0.1 (the A record of acme-loop.ssrf.example) is a loopback address (RFC 1122); eabgate does not connect to it'],
  ])('%o by %s: the challenge is invalid with a connection problem, nothing contacted', async (identifier, type, detail) => {
    w.dns.set('acme-loop.ssrf.example', 'A', ['127.0.0.1']);
    w.http.requests.length = 0;
    const order = await c.post(c.dir.newOrder, { identifiers: [identifier] });
    expect(order.status, order.text).toBe(201);
    const ch = await challengeOf(order, type);
    w.http.setToken(ch.token, await c.keyAuthorization(ch.token));
    const done = await c.post(ch.url, {});
    expect(done.body.status, done.text).toBe('invalid');
    expect(done.body.error).toMatchObject({ type: `${ACME}connection`, detail });
    expect(w.http.requests).toEqual([]);
    expectNoConnection();
  });
});
