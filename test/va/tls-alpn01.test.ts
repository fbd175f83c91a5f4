/** tls-alpn-01 (RFC 8737) against a real TLS server on loopback. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { TlsAlpnResponder, makeServerCertificate } from '../support/tls-alpn-responder.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { createTlsAlpnProber } from '../../src/adapters/node/tls-alpn-prober.js';
import { ValidationAuthority } from '../../src/va/va.js';
import { keyAuthorization } from '../../src/va/key-authorization.js';
import type { ValidationResult } from '../../src/va/result.js';
import type { TlsAlpnProbeResult } from '../../src/va/ports.js';
import { makeAcmeTlsCertificate } from '../support/tls-alpn-responder.js';
import { ACME, RFC7638_JWK, closedPort, newToken } from './fixtures.js';

let dns: TestDnsServer;
let tls: TlsAlpnResponder;
let plainTls: TlsAlpnResponder;

const va = (port: number) =>
  new ValidationAuthority({
    resolver: createUdpResolver({ server: dns.address, timeoutMs: 1000 }),
    http: createHttp01Getter(),
    tlsAlpn: createTlsAlpnProber(),
    tlsAlpnPort: port,
    caaIdentities: ['eabgate.test'],
    timeoutMs: 2000,
    allowNetworks: ['127.0.0.0/8', '::1/128'],
  });
function problemOf(r: ValidationResult) {
  if (r.valid) throw new Error('expected the validation to fail');
  return r.problem;
}

beforeAll(async () => {
  dns = await TestDnsServer.start();
  tls = await TlsAlpnResponder.start();
  plainTls = await TlsAlpnResponder.start({ alpnProtocols: ['http/1.1'] });
});
afterAll(async () => {
  await Promise.all([dns.stop(), tls.stop(), plainTls.stop()]);
});
beforeEach(() => {
  dns.reset().set('a.example', 'A', ['127.0.0.1']);
});

describe('tls-alpn-01', () => {
  it('succeeds with SNI = domain, ALPN acme-tls/1 and a certificate carrying the critical acmeIdentifier', async () => {
    const token = newToken();
    await tls.setChallenge('a.example', await keyAuthorization(token, RFC7638_JWK));
    tls.sniSeen.length = 0;
    // valid implies the client saw "acme-tls/1" selected; the server saw our SNI.
    expect(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(tls.sniSeen).toEqual(['a.example']);
  });

  it('fails with incorrectResponse when the digest is not SHA-256 of our key authorization', async () => {
    const token = newToken();
    await tls.setChallenge('a.example', `${token}.someone-else`);
    const p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toBe(
      `TLS connection to a.example (127.0.0.1:${tls.port}): the certificate presented has an acmeIdentifier extension that does not hold SHA-256 of the key authorization`,
    );
  });

  it('requires the extension to be critical and present', async () => {
    const token = newToken();
    const ka = await keyAuthorization(token, RFC7638_JWK);
    await tls.setChallenge('a.example', ka, { critical: false });
    let p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.detail).toContain('not marked critical');
    await tls.setChallenge('a.example', ka, { omitExtension: true });
    p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toContain('has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)');
  });

  it('requires exactly the domain as the only subjectAltName', async () => {
    const token = newToken();
    const ka = await keyAuthorization(token, RFC7638_JWK);
    await tls.setChallenge('a.example', ka, { sans: ['a.example', 'b.example'] });
    let p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.detail).toContain('must name only a.example in its subjectAltName, but it has 2 entries');
    await tls.setChallenge('a.example', ka, { sans: ['b.example'] });
    p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.detail).toContain('does not name a.example in its subjectAltName (it names b.example)');
  });

  it('fails with tls when the server does not select acme-tls/1', async () => {
    const token = newToken();
    plainTls.setCertificate('a.example', await makeServerCertificate('a.example'));
    const p = problemOf(await va(plainTls.port).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}tls`);
    // Node's TLS server refuses the handshake (RFC 7301 no_application_protocol); others may just select nothing.
    expect(p.detail).toMatch(/did not select ALPN protocol "acme-tls\/1"|does not offer ALPN "acme-tls\/1"/);
  });

  it('fails with tls when the server has no certificate for the name (handshake aborted)', async () => {
    tls.remove('a.example');
    const p = problemOf(await va(tls.port).validate('tls-alpn-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}tls`);
  });

  it('fails with connection when nothing listens', async () => {
    const port = await closedPort();
    const p = problemOf(await va(port).validate('tls-alpn-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}connection`);
    expect(p.detail).toBe(`TLS connection to a.example (127.0.0.1:${port}): connection refused to 127.0.0.1:${port}`);
  });

  it('checks what a prober reports: no ALPN selected gives tls, an unreadable certificate incorrectResponse', async () => {
    const token = newToken();
    const good = await makeAcmeTlsCertificate('a.example', await keyAuthorization(token, RFC7638_JWK));
    const withProbe = (result: TlsAlpnProbeResult) =>
      new ValidationAuthority({
        resolver: createUdpResolver({ server: dns.address, timeoutMs: 1000 }),
        http: createHttp01Getter(),
        tlsAlpn: { probe: async () => result },
        caaIdentities: [],
        allowNetworks: ['127.0.0.0/8', '::1/128'],
      });
    let p = problemOf(
      await withProbe({ kind: 'handshake', alpnProtocol: null, certificate: good.der }).validate('tls-alpn-01', 'a.example', token, RFC7638_JWK),
    );
    expect(p.type).toBe(`${ACME}tls`);
    expect(p.detail).toBe('TLS connection to a.example (127.0.0.1:443): the server did not select ALPN protocol "acme-tls/1"');
    p = problemOf(
      await withProbe({ kind: 'handshake', alpnProtocol: 'acme-tls/1', certificate: new Uint8Array([0x30, 0x03, 1, 2, 3]) }).validate(
        'tls-alpn-01',
        'a.example',
        token,
        RFC7638_JWK,
      ),
    );
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toContain('cannot be parsed as an X.509 certificate');
  });
});
