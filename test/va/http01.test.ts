/**
 * http-01 (RFC 8555 §8.3) end to end on loopback: the VA resolves the name with the DNS double (A =
 * 127.0.0.1), connects to that address on the configured port (the responder's) and checks the body.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { Http01Responder } from '../support/http01-responder.js';
import { makeServerCertificate } from '../support/tls-alpn-responder.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { ValidationAuthority, type ValidationAuthorityOptions } from '../../src/va/va.js';
import { keyAuthorization } from '../../src/va/key-authorization.js';
import type { ValidationResult } from '../../src/va/result.js';
import { ACME, RFC7638_JWK, closedPort, newToken } from './fixtures.js';

let dns: TestDnsServer;
let web: Http01Responder;
let secure: Http01Responder;

const va = (over: Partial<ValidationAuthorityOptions> = {}) =>
  new ValidationAuthority({
    resolver: createUdpResolver({ server: dns.address, timeoutMs: 500, retries: 1 }),
    http: createHttp01Getter(),
    httpPort: web.port,
    httpsPort: secure.port,
    caaIdentities: ['eabgate.test'],
    timeoutMs: 1500,
    allowNetworks: ['127.0.0.0/8', '::1/128'],
    ...over,
  });

function problemOf(r: ValidationResult) {
  if (r.valid) throw new Error('expected the validation to fail');
  return r.problem;
}

beforeAll(async () => {
  dns = await TestDnsServer.start();
  web = await Http01Responder.start();
  secure = await Http01Responder.start({ tls: await makeServerCertificate('a.example') });
});
afterAll(async () => {
  await Promise.all([dns.stop(), web.stop(), secure.stop()]);
});
beforeEach(() => {
  dns.reset().set('a.example', 'A', ['127.0.0.1']);
  web.clear();
  secure.clear();
});

describe('http-01', () => {
  it('succeeds when the token URL serves the key authorization, at the address DNS gave, with Host = domain', async () => {
    const token = newToken();
    web.setToken(token, await keyAuthorization(token, RFC7638_JWK));
    expect(await va().validate('http-01', 'A.Example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(web.requests).toEqual([
      { method: 'GET', path: `/.well-known/acme-challenge/${token}`, host: `a.example:${web.port}` },
    ]);
    expect(dns.queries.map((q) => `${q.type} ${q.name}`).sort()).toEqual(['A a.example', 'AAAA a.example']);
  });

  it('ignores white space at the end of the body (§8.3)', async () => {
    const token = newToken();
    web.setToken(token, (await keyAuthorization(token, RFC7638_JWK)) + '\r\n  \n');
    expect(await va().validate('http-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
  });

  it('fails with incorrectResponse when the body is another key authorization, showing what it got', async () => {
    const token = newToken();
    web.setToken(token, `${token}.not-our-thumbprint`);
    const p = problemOf(await va().validate('http-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toContain(`GET http://a.example:${web.port}/.well-known/acme-challenge/${token}`);
    expect(p.detail).toContain('does not match the key authorization');
    expect(p.detail).toContain(`got "${token}.not-our-thumbprint"`);
  });

  it('fails with unauthorized when the token URL returns 404', async () => {
    const token = newToken();
    const p = problemOf(await va().validate('http-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}unauthorized`);
    expect(p.detail).toBe(
      `GET http://a.example:${web.port}/.well-known/acme-challenge/${token} returned 404; it must return 200 with the key authorization as its body`,
    );
  });

  it('caps the body size', async () => {
    const token = newToken();
    const ka = await keyAuthorization(token, RFC7638_JWK);
    web.setToken(token, ka + ' '.repeat(5000));
    const p = problemOf(await va({ maxBodyBytes: 256 }).validate('http-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toContain('larger than 256 bytes');
  });

  it('gives connection when nothing listens on the port, naming the address', async () => {
    const port = await closedPort();
    const p = problemOf(await va({ httpPort: port }).validate('http-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}connection`);
    expect(p.detail).toContain(`connection refused to 127.0.0.1:${port}`);
  });

  it('connects to the address from DNS, not to one it picks itself', async () => {
    dns.set('a.example', 'A', ['127.0.0.2']); // nothing listens there: the responder is bound to 127.0.0.1
    const p = problemOf(await va().validate('http-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}connection`);
    expect(p.detail).toContain(`127.0.0.2:${web.port}`);
  });

  it('gives connection when the server accepts but never answers', async () => {
    const token = newToken();
    web.route(`/.well-known/acme-challenge/${token}`, { hang: true });
    const p = problemOf(await va({ timeoutMs: 300 }).validate('http-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}connection`);
    expect(p.detail).toMatch(/no complete response from 127\.0\.0\.1:\d+ within 300 ms/);
  });

  it('gives dns when the name has no address, or its lookup fails', async () => {
    dns.remove('a.example');
    let p = problemOf(await va().validate('http-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}dns`);
    expect(p.detail).toBe('a.example does not exist in DNS (NXDOMAIN)');

    dns.set('a.example', 'TXT', ['x']);
    p = problemOf(await va().validate('http-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.detail).toBe('no A or AAAA record for a.example');

    dns.servfail('a.example');
    p = problemOf(await va().validate('http-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}dns`);
    expect(p.detail).toContain('SERVFAIL');
  });

  describe('redirects (followed up to 10, http on the HTTP port, https on the HTTPS port, names only)', () => {
    it('follows a redirect to another path and another name', async () => {
      const token = newToken();
      dns.set('central.example', 'A', ['127.0.0.1']);
      web.route(`/.well-known/acme-challenge/${token}`, {
        status: 302,
        headers: { location: `http://central.example:${web.port}/acme/${token}` },
      });
      web.route(`/acme/${token}`, { body: await keyAuthorization(token, RFC7638_JWK) });
      expect(await va().validate('http-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(web.requests.map((r) => r.host)).toEqual([`a.example:${web.port}`, `central.example:${web.port}`]);
    });

    it('follows a redirect to https without checking the certificate', async () => {
      const token = newToken();
      web.route(`/.well-known/acme-challenge/${token}`, {
        status: 301,
        headers: { location: `https://a.example:${secure.port}/.well-known/acme-challenge/${token}` },
      });
      secure.setToken(token, await keyAuthorization(token, RFC7638_JWK));
      expect(await va().validate('http-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(secure.requests).toHaveLength(1);
    });

    it('refuses redirects to other ports, to IP addresses, and loops', async () => {
      const token = newToken();
      const path = `/.well-known/acme-challenge/${token}`;
      web.route(path, { status: 302, headers: { location: `http://a.example:8081${path}` } });
      let p = problemOf(await va().validate('http-01', 'a.example', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}connection`);
      expect(p.detail).toContain(`only port ${web.port} (http) and ${secure.port} (https) are followed`);

      web.route(path, { status: 302, headers: { location: `http://127.0.0.1:${web.port}${path}` } });
      p = problemOf(await va().validate('http-01', 'a.example', token, RFC7638_JWK));
      expect(p.detail).toContain('redirects to IP addresses are not followed');

      web.route(path, { status: 302, headers: { location: path } });
      p = problemOf(await va({ maxRedirects: 3 }).validate('http-01', 'a.example', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}connection`);
      expect(p.detail).toContain('redirected more than 3 times');
    });
  });
});
