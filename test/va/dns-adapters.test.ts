/**
 * The three DnsResolver adapters against the loopback DNS server. The system resolver is Node's c-ares,
 * an independent implementation: it checks that the test server's wire format is right, while the UDP and
 * DoH adapters check our own codec against the same answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestDnsServer } from '../support/dns-server.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createSystemResolver } from '../../src/adapters/node/dns-system.js';
import { createDohResolver } from '../../src/adapters/workers/doh.js';
import type { DnsResolver } from '../../src/va/ports.js';

let dns: TestDnsServer;
let dohUrl: string;
const resolvers: Record<string, () => DnsResolver> = {
  'UDP/TCP (dns-udp)': () => createUdpResolver({ server: dns.address, timeoutMs: 500, retries: 1 }),
  'c-ares (dns-system)': () => createSystemResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 }),
  'DNS over HTTPS (workers/doh)': () => createDohResolver({ url: dohUrl, timeoutMs: 1000 }),
};

beforeAll(async () => {
  dns = await TestDnsServer.start();
  dohUrl = await dns.startDoh();
});
afterAll(() => dns.stop());
beforeEach(() => {
  dns.reset();
  dns.set('a.example', 'A', ['127.0.0.1', '192.0.2.10']);
  dns.set('a.example', 'AAAA', ['2001:db8::1']);
  dns.set('_acme-challenge.a.example', 'TXT', ['one', ['split-', 'value']]);
  dns.set('a.example', 'CAA', [
    { flags: 0, tag: 'issue', value: 'eabgate.test; accounturi=https://acme.test/acct/1' },
    { flags: 128, tag: 'tbs', value: 'unknown' },
  ]);
  dns.set('alias.example', 'CNAME', 'a.example');
});

describe.each(Object.keys(resolvers))('%s', (label) => {
  const r = () => resolvers[label]!();

  it('reads A, AAAA, TXT (strings of one record joined) and CAA with flags and unknown tags', async () => {
    expect(await r().a('a.example')).toEqual({ status: 'found', records: ['127.0.0.1', '192.0.2.10'] });
    expect(await r().aaaa('A.Example.')).toEqual({ status: 'found', records: ['2001:db8::1'] });
    const txt = await r().txt('_acme-challenge.a.example');
    expect(txt.status).toBe('found');
    expect(txt.status === 'found' && [...txt.records].sort()).toEqual(['one', 'split-value']);
    expect(await r().caa('a.example')).toEqual({
      status: 'found',
      records: [
        { flags: 0, tag: 'issue', value: 'eabgate.test; accounturi=https://acme.test/acct/1' },
        { flags: 128, tag: 'tbs', value: 'unknown' },
      ],
    });
  });

  it('follows a CNAME to the records at its target', async () => {
    expect(await r().a('alias.example')).toEqual({ status: 'found', records: ['127.0.0.1', '192.0.2.10'] });
  });

  it('tells "no records of this type" and NXDOMAIN apart from failures', async () => {
    expect(await r().txt('a.example')).toEqual({ status: 'nodata' });
    expect(await r().caa('example')).toEqual({ status: 'nodata' }); // empty non-terminal
    expect(await r().a('missing.example')).toEqual({ status: 'nxdomain' });
  });

  it('reports SERVFAIL as a failure', async () => {
    dns.servfail('broken.example');
    const res = await r().caa('broken.example');
    expect(res).toMatchObject({ status: 'failed', reason: 'servfail' });
  });

  it('reports a server that never answers as a timeout', async () => {
    dns.silence('slow.example');
    const res = await r().txt('slow.example');
    if (res.status !== 'failed') throw new Error(`expected a failure, got ${res.status}`);
    expect(['timeout', 'network']).toContain(res.reason);
  });
});

describe('UDP adapter specifics', () => {
  it('retries a silent server (one query per attempt) before giving up', async () => {
    dns.silence('slow.example');
    const res = await createUdpResolver({ server: dns.address, timeoutMs: 200, retries: 2 }).a('slow.example');
    expect(res).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(res.status === 'failed' && res.detail).toMatch(/after 3 attempts/);
    expect(dns.queries.filter((q) => q.name === 'slow.example')).toHaveLength(3);
  });

  it('repeats a truncated UDP answer over TCP', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `${i}-${'v'.repeat(60)}`);
    dns.set('_acme-challenge.big.example', 'TXT', many);
    const res = await createUdpResolver({ server: dns.address }).txt('_acme-challenge.big.example');
    expect(res).toEqual({ status: 'found', records: many });
    expect(dns.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('reports nothing listening as a failure, not as "no records"', async () => {
    const res = await createUdpResolver({ server: '127.0.0.1:9', timeoutMs: 200, retries: 0 }).a('a.example');
    expect(res.status).toBe('failed');
  });
});

describe('DoH adapter specifics', () => {
  it('sends ID 0 as RFC 8484 recommends and treats HTTP errors as failures', async () => {
    expect(await createDohResolver({ url: dohUrl }).a('a.example')).toMatchObject({ status: 'found' });
    expect(dns.queries).toEqual([{ id: 0, name: 'a.example', type: 'A', transport: 'doh' }]);
    const wrongPath = dohUrl.replace('/dns-query', '/other');
    expect(await createDohResolver({ url: wrongPath }).a('a.example')).toMatchObject({ status: 'failed', reason: 'network' });
  });
});
