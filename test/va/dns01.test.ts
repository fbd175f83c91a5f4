/** dns-01 (RFC 8555 §8.4) against the loopback DNS server through the UDP adapter. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { ValidationAuthority } from '../../src/va/va.js';
import { dns01TxtValue, keyAuthorization } from '../../src/va/key-authorization.js';
import type { ValidationResult } from '../../src/va/result.js';
import { ACME, RFC7638_JWK, newToken } from './fixtures.js';

let dns: TestDnsServer;
let va: ValidationAuthority;

const txtFor = async (token: string) => dns01TxtValue(await keyAuthorization(token, RFC7638_JWK));
function problemOf(r: ValidationResult) {
  if (r.valid) throw new Error('expected the validation to fail');
  return r.problem;
}

beforeAll(async () => {
  dns = await TestDnsServer.start();
  va = new ValidationAuthority({
    resolver: createUdpResolver({ server: dns.address, timeoutMs: 500, retries: 1 }),
    http: createHttp01Getter(),
    caaIdentities: ['eabgate.test'],
  });
});
afterAll(() => dns.stop());
beforeEach(() => {
  dns.reset();
});

describe('dns-01', () => {
  it('succeeds when _acme-challenge.<domain> holds base64url(SHA-256(key authorization)) among other TXT records', async () => {
    const token = newToken();
    dns.set('_acme-challenge.a.example', 'TXT', ['some-other-order', await txtFor(token)]);
    expect(await va.validate('dns-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(dns.queries).toMatchObject([{ name: '_acme-challenge.a.example', type: 'TXT' }]);
  });

  it('checks _acme-challenge.<base> for a wildcard', async () => {
    const token = newToken();
    dns.set('_acme-challenge.a.example', 'TXT', [await txtFor(token)]);
    expect(await va.validate('dns-01', '*.a.example', token, RFC7638_JWK)).toEqual({ valid: true });
    expect(dns.queries.map((q) => q.name)).toEqual(['_acme-challenge.a.example']);
  });

  it('follows a CNAME that delegates _acme-challenge to another zone', async () => {
    const token = newToken();
    dns.set('_acme-challenge.a.example', 'CNAME', 'a.example.validation.test');
    dns.set('a.example.validation.test', 'TXT', [await txtFor(token)]);
    expect(await va.validate('dns-01', 'a.example', token, RFC7638_JWK)).toEqual({ valid: true });
  });

  it('fails with unauthorized when there is no TXT record, saying where it looked and what it wanted', async () => {
    const token = newToken();
    dns.set('a.example', 'A', ['127.0.0.1']);
    const p = problemOf(await va.validate('dns-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}unauthorized`);
    expect(p.detail).toBe(`no TXT record at _acme-challenge.a.example (the name does not exist); expected one with "${await txtFor(token)}"`);

    dns.set('_acme-challenge.a.example', 'A', ['127.0.0.1']); // the name exists, without TXT
    const p2 = problemOf(await va.validate('dns-01', 'a.example', token, RFC7638_JWK));
    expect(p2.detail).toMatch(/^no TXT record at _acme-challenge\.a\.example; expected/);
  });

  it('fails with incorrectResponse when TXT records exist but none matches', async () => {
    const token = newToken();
    dns.set('_acme-challenge.a.example', 'TXT', ['stale-value-from-last-month']);
    const p = problemOf(await va.validate('dns-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
    expect(p.detail).toContain('TXT records found at _acme-challenge.a.example but none matches');
    expect(p.detail).toContain('found "stale-value-from-last-month"');
  });

  it('fails with incorrectResponse for a TXT value made from another account key', async () => {
    const token = newToken();
    dns.set('_acme-challenge.a.example', 'TXT', [await dns01TxtValue(`${token}.another-thumbprint`)]);
    const p = problemOf(await va.validate('dns-01', 'a.example', token, RFC7638_JWK));
    expect(p.type).toBe(`${ACME}incorrectResponse`);
  });

  it('fails with dns when the lookup fails (SERVFAIL, timeout)', async () => {
    dns.servfail('_acme-challenge.a.example');
    let p = problemOf(await va.validate('dns-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}dns`);
    expect(p.detail).toBe(`looking up TXT for _acme-challenge.a.example failed: SERVFAIL from ${dns.address}`);

    dns.servfail('_acme-challenge.a.example', false).silence('_acme-challenge.a.example');
    p = problemOf(await va.validate('dns-01', 'a.example', newToken(), RFC7638_JWK));
    expect(p.type).toBe(`${ACME}dns`);
    expect(p.detail).toContain('no answer from');
  });
});
