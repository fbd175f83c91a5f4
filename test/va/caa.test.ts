/** CAA (RFC 8659, RFC 8657) through the real UDP resolver and the loopback DNS server. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { ValidationAuthority } from '../../src/va/va.js';
import { caaSearchNames, parseIssueValue } from '../../src/va/caa.js';
import { CaaCache } from '../../src/va/caa-cache.js';
import type { CaaResult } from '../../src/va/result.js';
import { ACME } from './fixtures.js';

let dns: TestDnsServer;
let va: ValidationAuthority;

const issue = (value: string, flags = 0) => ({ flags, tag: 'issue', value });
const issuewild = (value: string, flags = 0) => ({ flags, tag: 'issuewild', value });
function problemOf(r: CaaResult) {
  if (r.ok) throw new Error('expected CAA to forbid issuance');
  return r.problem;
}

beforeAll(async () => {
  dns = await TestDnsServer.start();
  va = new ValidationAuthority({
    resolver: createUdpResolver({ server: dns.address, timeoutMs: 1000, retries: 0 }),
    http: createHttp01Getter(),
    caaIdentities: ['eabgate.test', 'backup.eabgate.test'],
  });
});
afterAll(() => dns.stop());
beforeEach(() => {
  dns.reset();
});

describe('CAA (RFC 8659)', () => {
  it('allows issuance when no name up to the TLD has CAA records, asking each of them', async () => {
    dns.set('www.a.example', 'A', ['127.0.0.1']);
    expect(await va.checkCaa('www.a.example')).toEqual({ ok: true });
    expect(dns.queries.map((q) => q.name).sort()).toEqual(['a.example', 'example', 'www.a.example']);
    expect(caaSearchNames('*.x.a.example')).toEqual(['x.a.example', 'a.example', 'example']);
  });

  it('allows our identity (case-insensitive, trailing dot, any of several identities)', async () => {
    dns.set('a.example', 'CAA', [issue('letsencrypt.org'), issue('EABGATE.test.')]);
    expect(await va.checkCaa('a.example')).toEqual({ ok: true });
    dns.set('a.example', 'CAA', [issue('backup.eabgate.test')]);
    expect(await va.checkCaa('a.example')).toEqual({ ok: true });
  });

  it('forbids issuance with a caa problem naming the record when only another CA is named', async () => {
    dns.set('a.example', 'CAA', [issue('letsencrypt.org')]);
    const p = problemOf(await va.checkCaa('a.example'));
    expect(p.type).toBe(`${ACME}caa`);
    expect(p.status).toBe(403);
    expect(p.detail).toBe(
      'CAA record at a.example forbids issuance for a.example: 0 issue "letsencrypt.org" authorizes letsencrypt.org, not eabgate.test or backup.eabgate.test',
    );
  });

  it('treats issue ";" as "no CA may issue"', async () => {
    dns.set('a.example', 'CAA', [issue(';')]);
    expect(problemOf(await va.checkCaa('a.example')).detail).toContain('0 issue ";" forbids issuance by any CA');
  });

  it('climbs to the parent when the name has no CAA, and stops at the first non-empty set', async () => {
    dns.set('example', 'CAA', [issue('other-ca.test')]);
    dns.set('www.a.example', 'A', ['127.0.0.1']);
    const p = problemOf(await va.checkCaa('www.a.example'));
    expect(p.detail).toMatch(/^CAA record at example forbids issuance for www\.a\.example/);

    dns.set('a.example', 'CAA', [issue('eabgate.test')]); // closer set wins over the parent's
    expect(await va.checkCaa('www.a.example')).toEqual({ ok: true });
  });

  it("follows a CNAME at the name to the target's CAA set", async () => {
    dns.set('www.a.example', 'CNAME', 'cdn.provider.test');
    dns.set('cdn.provider.test', 'CAA', [issue('other-ca.test')]);
    expect(problemOf(await va.checkCaa('www.a.example')).type).toBe(`${ACME}caa`);
  });

  it('ignores iodef and unknown non-critical properties, but a critical unknown tag forbids issuance', async () => {
    dns.set('a.example', 'CAA', [
      { flags: 0, tag: 'iodef', value: 'mailto:sec@a.example' },
      { flags: 0, tag: 'futuretag', value: 'whatever' },
    ]);
    expect(await va.checkCaa('a.example')).toEqual({ ok: true });

    dns.set('a.example', 'CAA', [issue('eabgate.test'), { flags: 128, tag: 'futuretag', value: 'x' }]);
    const p = problemOf(await va.checkCaa('a.example'));
    expect(p.type).toBe(`${ACME}caa`);
    expect(p.detail).toBe(
      'CAA record at a.example (128 futuretag "x") is marked critical with a property we do not know, which forbids issuance',
    );
  });

  describe('wildcards (RFC 8659 §4.3)', () => {
    it('uses issuewild when present, ignoring issue', async () => {
      dns.set('a.example', 'CAA', [issue('eabgate.test'), issuewild('other-ca.test')]);
      expect(await va.checkCaa('a.example')).toEqual({ ok: true });
      const p = problemOf(await va.checkCaa('*.a.example'));
      expect(p.detail).toContain('for wildcard *.a.example: 0 issuewild "other-ca.test"');

      dns.set('a.example', 'CAA', [issue('other-ca.test'), issuewild('eabgate.test')]);
      expect(await va.checkCaa('*.a.example')).toEqual({ ok: true });
      expect((await va.checkCaa('a.example')).ok).toBe(false);
    });

    it('falls back to issue when there is no issuewild', async () => {
      dns.set('a.example', 'CAA', [issue('eabgate.test')]);
      expect(await va.checkCaa('*.a.example')).toEqual({ ok: true });
      dns.set('a.example', 'CAA', [issue('other-ca.test')]);
      expect((await va.checkCaa('*.a.example')).ok).toBe(false);
    });

    it('looks up CAA at the base name, not at "*"', async () => {
      dns.set('a.example', 'CAA', [issuewild(';')]);
      expect((await va.checkCaa('*.a.example')).ok).toBe(false);
      expect(dns.queries.some((q) => q.name.includes('*'))).toBe(false);
    });
  });

  describe('RFC 8657 parameters', () => {
    const account = 'https://acme.eabgate.test/acme/acct/42';

    it('accounturi must equal the ACME account URI', async () => {
      dns.set('a.example', 'CAA', [issue(`eabgate.test; accounturi=${account}`)]);
      expect(await va.checkCaa('a.example', { accountUri: account })).toEqual({ ok: true });
      const p = problemOf(await va.checkCaa('a.example', { accountUri: 'https://acme.eabgate.test/acme/acct/7' }));
      expect(p.detail).toContain(`is limited to ACME account ${account} (this order's account is https://acme.eabgate.test/acme/acct/7)`);
      expect(problemOf(await va.checkCaa('a.example')).detail).toContain('this order has no ACME account');
    });

    it('validationmethods must list the method used', async () => {
      dns.set('a.example', 'CAA', [issue('eabgate.test; validationmethods=dns-01,tls-alpn-01')]);
      expect(await va.checkCaa('a.example', { method: 'dns-01' })).toEqual({ ok: true });
      const p = problemOf(await va.checkCaa('a.example', { method: 'http-01' }));
      expect(p.detail).toContain('is limited to validation methods dns-01,tls-alpn-01 (this order used http-01)');
    });

    it('one authorizing record is enough; unknown parameters are ignored', async () => {
      dns.set('a.example', 'CAA', [
        issue(`eabgate.test; accounturi=${account}`),
        issue('eabgate.test; validationmethods=dns-01; policy=ev'),
      ]);
      expect(await va.checkCaa('a.example', { accountUri: 'https://other/acct/1', method: 'dns-01' })).toEqual({ ok: true });
    });

    it('parses the issue value grammar', () => {
      expect(parseIssueValue(' ca.example ; a = 1 ;b=2')).toEqual({ issuer: 'ca.example', params: new Map([['a', '1'], ['b', '2']]) });
      expect(parseIssueValue('ca.example;')).toEqual({ issuer: 'ca.example', params: new Map() });
      expect(parseIssueValue(';')).toEqual({ issuer: '', params: new Map() });
      expect(parseIssueValue('not a domain')).toBeNull();
      expect(parseIssueValue('ca.example; a=1; a=2')).toBeNull();
      expect(parseIssueValue('ca.example; =x')).toBeNull();
    });
  });

  it('forbids issuance when a CAA lookup fails (SERVFAIL), but not on NXDOMAIN', async () => {
    dns.servfail('a.example');
    const p = problemOf(await va.checkCaa('www.a.example'));
    expect(p.type).toBe(`${ACME}dns`);
    expect(p.detail).toContain('looking up CAA for a.example failed (SERVFAIL');

    dns.servfail('a.example', false);
    expect(await va.checkCaa('nowhere.a.example')).toEqual({ ok: true });
  });

  it('a failure above the relevant set does not matter', async () => {
    dns.set('a.example', 'CAA', [issue('eabgate.test')]);
    dns.servfail('example');
    expect(await va.checkCaa('a.example')).toEqual({ ok: true });
  });
});

describe('CAA answers kept within their TTL (src/va/caa-cache.ts)', () => {
  let now = 1_000_000;
  const cachingVa = (caaCacheSeconds?: number) =>
    new ValidationAuthority({
      resolver: createUdpResolver({ server: dns.address, timeoutMs: 1000, retries: 0 }),
      http: createHttp01Getter(),
      caaIdentities: ['eabgate.test'],
      caaCacheSeconds,
      clock: { now: () => new Date(now) },
    });
  const asked = () => dns.queries.map((q) => q.name).sort();

  it('asks again only for what expired: records by their TTL, NODATA and NXDOMAIN by their SOA (RFC 2308)', async () => {
    const v = cachingVa();
    dns.cacheFor(60).set('a.example', 'CAA', [issue('eabgate.test')]).set('www.b.example', 'A', ['127.0.0.1']);
    expect(await v.checkCaa('www.a.example')).toEqual({ ok: true });
    expect(await v.checkCaa('www.b.example')).toEqual({ ok: true });
    expect(asked()).toEqual(['a.example', 'b.example', 'example', 'www.a.example', 'www.b.example']);

    // Within the TTL nothing is asked again, across checks and names: a new name asks only for itself.
    dns.queries.length = 0;
    dns.set('a.example', 'CAA', [issue('other.test')]);
    expect(await v.checkCaa('www.a.example')).toEqual({ ok: true });
    expect(await v.checkCaa('mail.b.example')).toEqual({ ok: true });
    expect(asked()).toEqual(['mail.b.example']);

    // 60 s later every answer has expired: the changed record is seen.
    now += 60_000;
    dns.queries.length = 0;
    expect(problemOf(await v.checkCaa('www.a.example')).detail).toContain('authorizes other.test');
    expect(asked()).toEqual(['a.example', 'www.a.example']);
  });

  it('keeps nothing for TTL 0, a negative answer without an SOA, a failure, or with EABGATE_VA_CAA_CACHE_SECONDS=0', async () => {
    const v = cachingVa();
    dns.set('a.example', 'CAA', [issue('eabgate.test')]); // TTL 0, no SOA in negative answers
    await v.checkCaa('www.a.example');
    dns.queries.length = 0;
    await v.checkCaa('www.a.example');
    expect(asked()).toEqual(['a.example', 'www.a.example']);

    dns.cacheFor(60).servfail('example');
    expect(problemOf(await v.checkCaa('c.example')).type).toBe(`${ACME}dns`);
    dns.servfail('example', false);
    dns.queries.length = 0;
    expect(await v.checkCaa('c.example')).toEqual({ ok: true });
    // The SERVFAIL was not kept; the NXDOMAIN for c.example before it was (its SOA allowed 60 s).
    expect(asked()).toEqual(['example']);

    const off = cachingVa(0);
    await off.checkCaa('c.example');
    dns.queries.length = 0;
    await off.checkCaa('c.example');
    expect(asked()).toEqual(['c.example', 'example']);
  });

  it('keeps an answer no longer than the cap, however long its TTL', async () => {
    const v = cachingVa(30);
    dns.cacheFor(3600).set('a.example', 'CAA', [issue('eabgate.test')]);
    await v.checkCaa('a.example');
    now += 29_000;
    dns.queries.length = 0;
    await v.checkCaa('a.example');
    expect(asked()).toEqual([]);
    now += 1_000;
    await v.checkCaa('a.example');
    expect(asked()).toEqual(['a.example']);
  });
});

describe('CaaCache', () => {
  it('is bounded: when full, the answer stored first goes', () => {
    const cache = new CaaCache(300, { now: () => new Date(0) }, 2);
    cache.put('a.example', { status: 'nodata', ttl: 60 });
    cache.put('b.example', { status: 'nodata', ttl: 60 });
    cache.put('c.example', { status: 'found', records: [issue('eabgate.test')], ttl: 60 });
    expect(cache.size).toBe(2);
    expect(cache.get('a.example')).toBeUndefined();
    expect(cache.get('b.example')).toEqual({ status: 'nodata', ttl: 60 });
    expect(cache.get('c.example')).toMatchObject({ status: 'found' });
  });
});
