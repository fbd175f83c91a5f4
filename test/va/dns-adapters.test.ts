/**
 * The three DnsResolver adapters against the loopback DNS server. The system resolver is Node's c-ares,
 * an independent implementation: it checks that the test server's wire format is right, while the UDP and
 * DoH adapters check our own codec against the same answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { TestDnsServer } from '../support/dns-server.js';
import { createUdpResolver } from '../../src/adapters/node/dns-udp.js';
import { createSystemResolver } from '../../src/adapters/node/dns-system.js';
import { createDohResolver } from '../../src/adapters/workers/doh.js';
import type { DnsResolver } from '../../src/va/ports.js';
import { WireDnsResolver } from '../../src/va/wire-resolver.js';
import { RCode, RRType, decodeMessage, encodeA, encodeMessage, encodeName, encodeSoa, type EncodeRecord } from '../../src/va/dns-wire.js';

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

  it('says for how long an answer may be kept: the smallest TTL of the answer, min(SOA TTL, MINIMUM) of a negative one', async () => {
    const soa = (ttl: number, minimum: number): EncodeRecord => ({
      name: 'example',
      type: RRType.SOA,
      ttl,
      rdata: encodeSoa({ mname: 'ns.example', rname: 'hostmaster.example', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum }),
    });
    // A transport that answers each query with the records given for its name (the codec is the real one).
    const answers: Record<string, { rcode?: number; answers?: EncodeRecord[]; authorities?: EncodeRecord[] }> = {
      'a.example': { answers: [{ name: 'a.example', type: RRType.CNAME, ttl: 30, rdata: encodeName('b.example') }, { name: 'b.example', type: RRType.A, ttl: 300, rdata: encodeA('192.0.2.1') }] },
      'big.example': { answers: [{ name: 'big.example', type: RRType.A, ttl: 0x80000000, rdata: encodeA('192.0.2.2') }] },
      'nodata.example': { authorities: [soa(3600, 120)] },
      'nx.example': { rcode: RCode.NXDOMAIN, authorities: [soa(90, 900)] },
      'bare.example': { rcode: RCode.NXDOMAIN },
    };
    const resolver = new WireDnsResolver(async (query) => {
      const q = decodeMessage(query);
      const a = answers[q.questions[0]!.name]!;
      return encodeMessage({ id: q.id, response: true, questions: q.questions, rcode: a.rcode, answers: a.answers, authorities: a.authorities });
    });
    expect(await resolver.a('a.example')).toEqual({ status: 'found', records: ['192.0.2.1'], ttl: 30 });
    // RFC 2181 §8: a TTL with the top bit set counts as 0, which is not kept.
    expect(await resolver.a('big.example')).toEqual({ status: 'found', records: ['192.0.2.2'] });
    expect(await resolver.caa('nodata.example')).toEqual({ status: 'nodata', ttl: 120 });
    expect(await resolver.caa('nx.example')).toEqual({ status: 'nxdomain', ttl: 90 });
    expect(await resolver.caa('bare.example')).toEqual({ status: 'nxdomain' });
  });

  it('reports nothing listening as a failure, not as "no records"', async () => {
    const res = await createUdpResolver({ server: '127.0.0.1:9', timeoutMs: 200, retries: 0 }).a('a.example');
    expect(res.status).toBe('failed');
  });
});

/**
 * A UDP front for `dns` on loopback: records each query's source port, holds the queries until `batch` have
 * come, then sends first a datagram answering nobody (a wrong ID) and then the answers in reverse order.
 */
async function reorderingFront(batch: number, port = 0): Promise<{ socket: Socket; address: string; sourcePorts: number[]; ids: number[] }> {
  const socket = createSocket('udp4');
  const sourcePorts: number[] = [];
  const ids: number[] = [];
  let held: { msg: Uint8Array; port: number }[] = [];
  socket.on('message', (msg, rinfo) => {
    sourcePorts.push(rinfo.port);
    ids.push((msg[0]! << 8) | msg[1]!);
    held.push({ msg: new Uint8Array(msg), port: rinfo.port });
    if (held.length < batch) return;
    const out = held.reverse();
    held = [];
    const stray = dns.answer(out[0]!.msg, 'udp')!;
    stray[0] = stray[0]! ^ 0xff; // an ID no query in flight has
    socket.send(stray, out[0]!.port, '127.0.0.1');
    for (const q of out) socket.send(dns.answer(q.msg, 'udp')!, q.port, '127.0.0.1');
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return { socket, address: `127.0.0.1:${(socket.address() as AddressInfo).port}`, sourcePorts, ids };
}

/**
 * The shared socket's port and how many queries it carried. A query whose random ID is already in flight there
 * (a birthday draw: about 0.3% of batches of 20) goes out on a socket of its own, so the shared port carries
 * exactly one query per distinct ID.
 */
function sharedPort(front: { sourcePorts: number[]; ids: number[] }): { port: number; queries: number; distinctIds: number } {
  const counts = new Map<number, number>();
  for (const p of front.sourcePorts) counts.set(p, (counts.get(p) ?? 0) + 1);
  const [port, queries] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { port, queries, distinctIds: new Set(front.ids).size };
}

describe('UDP adapter: one socket towards a loopback resolver', () => {
  it('keeps many queries in flight on one socket, each matched to its own answer by ID, strays ignored', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.example`);
    names.forEach((n, i) => dns.set(n, 'A', [`192.0.2.${i + 1}`]));
    const front = await reorderingFront(names.length);
    try {
      const r = createUdpResolver({ server: front.address, timeoutMs: 2000, retries: 0 });
      const answers = await Promise.all(names.map((n) => r.a(n)));
      expect(answers).toEqual(names.map((_, i) => ({ status: 'found', records: [`192.0.2.${i + 1}`] })));
      expect(front.sourcePorts).toHaveLength(names.length);
      const first = sharedPort(front);
      expect(first.queries).toBe(first.distinctIds);
      expect(new Set(front.sourcePorts).size).toBe(1 + names.length - first.distinctIds);
      // Later queries use the same socket.
      front.sourcePorts.length = 0;
      front.ids.length = 0;
      await Promise.all(names.map((n) => r.a(n)));
      const later = sharedPort(front);
      expect(later).toEqual({ port: first.port, queries: later.distinctIds, distinctIds: later.distinctIds });
    } finally {
      front.socket.close();
    }
  });

  it('fails the queries when nothing listens, then opens a new socket once the resolver is there', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = createUdpResolver({ server: `127.0.0.1:${port}`, timeoutMs: 300, retries: 0 });
    // ICMP "port unreachable" on the connected socket: a network failure, at once rather than a timeout.
    expect(await r.a('a.example')).toMatchObject({ status: 'failed', reason: 'network' });
    const front = await reorderingFront(1, port);
    try {
      expect(await r.a('a.example')).toEqual({ status: 'found', records: ['127.0.0.1', '192.0.2.10'] });
    } finally {
      front.socket.close();
    }
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
