/**
 * The ValidationAuthority as the ACME server will use it: built from the environment
 * (EABGATE_VA_DNS_SERVER, EABGATE_VA_HTTP_PORT, EABGATE_VA_TLS_ALPN_PORT) with the Node adapters, checking
 * all three challenge types and CAA against loopback servers; plus its guards.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { Http01Responder } from '../support/http01-responder.js';
import { TlsAlpnResponder } from '../support/tls-alpn-responder.js';
import { nodeDnsResolver } from '../../src/adapters/node/dns-resolver.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { createTlsAlpnProber } from '../../src/adapters/node/tls-alpn-prober.js';
import { ConfigError, loadConfig, parseHostPort } from '../../src/core/config.js';

/** The VA section of the one configuration loader. */
const loadVaConfig = (env: Record<string, string>) => loadConfig(env).va;
import { ValidationAuthority } from '../../src/va/va.js';
import { dns01TxtValue, keyAuthorization } from '../../src/va/key-authorization.js';
import type { DnsResolver } from '../../src/va/ports.js';
import { ACME, RFC7638_JWK, newToken } from './fixtures.js';

let dns: TestDnsServer;
let web: Http01Responder;
let tls: TlsAlpnResponder;
let va: ValidationAuthority;

beforeAll(async () => {
  [dns, web, tls] = await Promise.all([TestDnsServer.start(), Http01Responder.start(), TlsAlpnResponder.start()]);
  const config = loadVaConfig({
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(web.port),
    EABGATE_VA_TLS_ALPN_PORT: String(tls.port),
  });
  va = new ValidationAuthority({
    resolver: nodeDnsResolver(config, { timeoutMs: 1000 }),
    http: createHttp01Getter(),
    tlsAlpn: createTlsAlpnProber(),
    httpPort: config.httpPort,
    tlsAlpnPort: config.tlsAlpnPort,
    caaIdentities: ['eabgate.test'],
    timeoutMs: 2000,
    allowNetworks: ['127.0.0.0/8', '::1/128'],
  });
});
afterAll(async () => {
  await Promise.all([dns.stop(), web.stop(), tls.stop()]);
});
beforeEach(() => {
  dns.reset().set('shop.example', 'A', ['127.0.0.1']);
});

describe('ValidationAuthority', () => {
  it('validates one name by each of the three challenge types, then passes CAA', async () => {
    const [t1, t2, t3] = [newToken(), newToken(), newToken()];
    web.setToken(t1, await keyAuthorization(t1, RFC7638_JWK));
    dns.set('_acme-challenge.shop.example', 'TXT', [await dns01TxtValue(await keyAuthorization(t2, RFC7638_JWK))]);
    await tls.setChallenge('shop.example', await keyAuthorization(t3, RFC7638_JWK));
    dns.set('example', 'CAA', [{ flags: 0, tag: 'issue', value: 'eabgate.test' }]);

    expect(await va.validate('http-01', 'shop.example', t1, RFC7638_JWK)).toEqual({ valid: true });
    expect(await va.validate('dns-01', 'shop.example', t2, RFC7638_JWK)).toEqual({ valid: true });
    expect(await va.validate('tls-alpn-01', 'shop.example', t3, RFC7638_JWK)).toEqual({ valid: true });
    expect(await va.checkCaa('shop.example', { method: 'http-01' })).toEqual({ ok: true });
  });

  it('a token served for one challenge does not validate another token', async () => {
    const [served, asked] = [newToken(), newToken()];
    web.setToken(asked, await keyAuthorization(served, RFC7638_JWK));
    const r = await va.validate('http-01', 'shop.example', asked, RFC7638_JWK);
    expect(r.valid === false && r.problem.type).toBe(`${ACME}incorrectResponse`);
  });

  it('offers dns-01 only for wildcards and refuses other types for them', async () => {
    expect(va.challengeTypes).toEqual(['http-01', 'dns-01', 'tls-alpn-01']);
    expect(va.challengeTypesFor('*.shop.example')).toEqual(['dns-01']);
    const r = await va.validate('http-01', '*.shop.example', newToken(), RFC7638_JWK);
    expect(r.valid === false && r.problem.type).toBe(`${ACME}malformed`);
  });

  it('does not offer tls-alpn-01 without a TLS prober (Workers)', async () => {
    const workersLike = new ValidationAuthority({ resolver: nodeDnsResolver({ dnsServer: undefined }), http: createHttp01Getter(), caaIdentities: [] });
    expect(workersLike.challengeTypes).toEqual(['http-01', 'dns-01']);
    const r = await workersLike.validate('tls-alpn-01', 'shop.example', newToken(), RFC7638_JWK);
    expect(r.valid === false && r.problem.detail).toBe('challenge type "tls-alpn-01" is not supported here');
  });

  it('rejects names and tokens that must not reach a query, a Host header or a URL path', async () => {
    let r = await va.validate('http-01', 'shop.example\r\nX-Evil: 1', newToken(), RFC7638_JWK);
    expect(r.valid === false && r.problem.type).toBe(`${ACME}rejectedIdentifier`);
    r = await va.validate('http-01', 'shop.example', '../../etc/passwd-aaaaaaaaaa', RFC7638_JWK);
    expect(r.valid === false && r.problem.type).toBe(`${ACME}malformed`);
    expect(web.requests.filter((q) => q.path.includes('..'))).toEqual([]);
  });

  it('turns a port that throws into serverInternal without leaking the cause', async () => {
    const throwing: DnsResolver = {
      a: () => Promise.reject(new Error('secret internals')),
      aaaa: () => Promise.reject(new Error('secret internals')),
      txt: () => Promise.reject(new Error('secret internals')),
      caa: () => Promise.reject(new Error('secret internals')),
    };
    const broken = new ValidationAuthority({ resolver: throwing, http: createHttp01Getter(), caaIdentities: [] });
    const r = await broken.validate('dns-01', 'shop.example', newToken(), RFC7638_JWK);
    expect(r.valid === false && r.problem.type).toBe(`${ACME}serverInternal`);
    expect(JSON.stringify(r)).not.toContain('secret');
    const c = await broken.checkCaa('shop.example');
    expect(c.ok === false && c.problem.type).toBe(`${ACME}serverInternal`);
  });
});

describe('VA configuration', () => {
  it('has production defaults', () => {
    expect(loadVaConfig({})).toEqual({
      httpPort: 80,
      httpsPort: 443,
      tlsAlpnPort: 443,
      allowNetworks: [],
      dnsServer: undefined,
      dohUrl: 'https://cloudflare-dns.com/dns-query',
      caaCacheSeconds: 300,
    });
  });

  it('parses DNS server addresses and rejects bad values naming the variable', () => {
    expect(parseHostPort('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseHostPort('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(parseHostPort('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53 });
    expect(parseHostPort('10.0.0.53')).toEqual({ host: '10.0.0.53', port: 53 });
    expect(() => loadVaConfig({ EABGATE_VA_DNS_SERVER: '127.0.0.1:99999' })).toThrow(ConfigError);
    expect(() => loadVaConfig({ EABGATE_VA_HTTP_PORT: 'eighty' })).toThrow(/EABGATE_VA_HTTP_PORT/);
    expect(() => loadVaConfig({ EABGATE_VA_DOH_URL: 'http://dns.example/dns-query' })).toThrow(/EABGATE_VA_DOH_URL/);
  });

  it('reads the https redirect port and the allowed networks, refusing bad ones naming the variable', () => {
    expect(loadVaConfig({ EABGATE_VA_HTTPS_PORT: '8443' }).httpsPort).toBe(8443);
    expect(() => loadVaConfig({ EABGATE_VA_HTTPS_PORT: '0' })).toThrow(/^EABGATE_VA_HTTPS_PORT: /);
    expect(loadVaConfig({ EABGATE_VA_ALLOW_NETWORKS: ' 127.0.0.0/8, ::1/128,10.1.2.3,127.0.0.0/8,FD00:0::/8 ' }).allowNetworks).toEqual([
      '127.0.0.0/8',
      '::1/128',
      '10.1.2.3/32',
      'fd00::/8',
    ]);
    expect(loadVaConfig({ EABGATE_VA_ALLOW_NETWORKS: '' }).allowNetworks).toEqual([]);
    for (const bad of ['127.0.0.1/8', '10.0.0.0/33', 'fd00::/129', 'localhost', '10.0.0.0/', '010.0.0.0/8', '::1/-1']) {
      expect(() => loadVaConfig({ EABGATE_VA_ALLOW_NETWORKS: bad }), bad).toThrow(ConfigError);
      expect(() => loadVaConfig({ EABGATE_VA_ALLOW_NETWORKS: bad }), bad).toThrow(/^EABGATE_VA_ALLOW_NETWORKS: must be comma-separated networks in CIDR notation/);
    }
  });
});
