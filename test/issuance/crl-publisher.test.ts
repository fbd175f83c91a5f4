/** /ca/crl is signed again only when the revoked set changes or half its lifetime has passed. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, type Harness } from '../support/harness.js';
import { openssl } from '../support/tools.js';
import { writeTemp } from '../support/tracking.js';
import { DAY_MS } from '../../src/core/clock.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const fetchCrl = async () => new Uint8Array(await (await h.request('GET', '/ca/crl')).arrayBuffer());
const crlNumber = (der: Uint8Array) =>
  /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', writeTemp('c.crl', der)]).stdout)![1];

describe('CRL publishing', () => {
  it('serves the same CRL while nothing changes, and a new one after a revocation or half its lifetime', async () => {
    const first = await fetchCrl();
    expect(Buffer.from(await fetchCrl()).equals(Buffer.from(first))).toBe(true);
    const n1 = Number(crlNumber(first));

    await h.deps.store.certificates.create({
      id: 'c1',
      orderId: null,
      acmeOrderId: null,
      serialHex: '0abc',
      certPem: 'x',
      chainPem: 'x',
      issuer: 'CN=test',
      notBefore: h.clock.now(),
      notAfter: h.clock.now(),
      revokedAt: null,
      revocationReason: null,
      replacedBy: null,
    issuanceId: null,
      createdAt: h.clock.now(),
    });
    await h.deps.store.certificates.revoke('c1', h.clock.now(), 1);
    const second = await fetchCrl();
    expect(Number(crlNumber(second))).toBe(n1 + 1);
    expect(openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', writeTemp('c.crl', second)]).stdout.toUpperCase()).toContain('0ABC');

    h.clock.advance(4 * DAY_MS); // past half of the 7-day lifetime
    expect(Number(crlNumber(await fetchCrl()))).toBe(n1 + 2);
  });
});
