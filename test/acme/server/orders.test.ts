/**
 * Orders, authorizations, challenges, finalize and download over HTTP (RFC 8555 §7.1.6, §7.4, §7.5):
 * the objects, the state changes on success and on failure, CAA at finalize, the CSR checks, profiles,
 * expiry, the orders list and an issuer that answers later (processing + Retry-After, polled on read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, hostAt127, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { answer, csrFor, issue, type AcmeReply, type AcmeTestClient } from '../../support/acme.js';
import { pemBlocks } from '../../support/acme-server.js';
import { openssl } from '../../support/tools.js';
import { ORDERS_PAGE_SIZE } from '../../../src/acme/server/accounts.js';
import type { IssueRequest, IssueResult, Issuer } from '../../../src/ca/issuer.js';

let w: AcmeWorld;
let c: AcmeTestClient;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
});
afterAll(() => w.close());

const dns = (...names: string[]) => ({ identifiers: names.map((value) => ({ type: 'dns', value })) });
type Challenge = { type: string; token: string; url: string; status: string; error?: Record<string, unknown>; validated?: string };

function refused(r: AcmeReply, type: string, detail: RegExp, status: number): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
}

async function place(client: AcmeTestClient, ...names: string[]): Promise<AcmeReply> {
  const r = await client.post(client.dir.newOrder, dns(...names));
  expect(r.status, r.text).toBe(201);
  return r;
}

async function challengeOf(client: AcmeTestClient, authzUrl: string, type: string): Promise<Challenge> {
  const a = await client.get(authzUrl);
  return (a.body.challenges as Challenge[]).find((x) => x.type === type)!;
}

async function validate(client: AcmeTestClient, order: AcmeReply, type = 'http-01'): Promise<void> {
  for (const url of order.body.authorizations as string[]) {
    const a = await client.get(url);
    const name = `${a.body.wildcard ? '*.' : ''}${(a.body.identifier as { value: string }).value}`;
    const ch = (a.body.challenges as Challenge[]).find((x) => x.type === (a.body.wildcard ? 'dns-01' : type))!;
    await answer(client, w, name, ch);
    expect((await client.post(ch.url, {})).body.status).toBe('valid');
  }
}

describe('newOrder', () => {
  it('creates a pending order with one authorization per identifier and the challenges the VA offers', async () => {
    const r = await place(c, 'Shop.Example.com', '*.example.com');
    expect(r.headers.get('location')).toMatch(new RegExp(`^${w.baseUrl}/acme/order/`));
    expect(r.body).toMatchObject({
      status: 'pending',
      identifiers: [
        { type: 'dns', value: 'shop.example.com' },
        { type: 'dns', value: '*.example.com' },
      ],
      finalize: `${r.headers.get('location')}/finalize`,
    });
    expect(Date.parse(r.body.expires as string)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const [plain, wild] = await Promise.all((r.body.authorizations as string[]).map((u) => c.get(u)));
    expect(plain!.body).toMatchObject({ identifier: { type: 'dns', value: 'shop.example.com' }, status: 'pending' });
    expect((plain!.body.challenges as Challenge[]).map((x) => x.type)).toEqual(['http-01', 'dns-01', 'tls-alpn-01']);
    for (const ch of plain!.body.challenges as Challenge[]) {
      expect(ch).toMatchObject({ status: 'pending', token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), url: expect.stringContaining('/acme/chall/') });
    }
    // RFC 8555 §7.1.4: the wildcard's authorization names the base domain and says wildcard; dns-01 only.
    expect(wild!.body).toMatchObject({ identifier: { type: 'dns', value: 'example.com' }, wildcard: true });
    expect((wild!.body.challenges as Challenge[]).map((x) => x.type)).toEqual(['dns-01']);
  });

  it('refuses IP identifiers (RFC 8738 is not supported), other types and bad names', async () => {
    const ip = await c.post(c.dir.newOrder, { identifiers: [{ type: 'ip', value: '192.0.2.1' }] });
    refused(ip, 'unsupportedIdentifier', /IP address identifiers \(RFC 8738\) are not supported/, 400);
    refused(await c.post(c.dir.newOrder, { identifiers: [{ type: 'email', value: 'a@b.c' }] }), 'unsupportedIdentifier', /"email" is not supported/, 400);
    const bad = await c.post(c.dir.newOrder, dns('localhost', 'ok.example.com', 'co.uk', '-x.example.com'));
    refused(bad, 'rejectedIdentifier', /3 identifiers cannot be ordered/, 400);
    expect((bad.body.subproblems as { identifier: { value: string } }[]).map((p) => p.identifier.value)).toEqual(['localhost', 'co.uk', '-x.example.com']);
    refused(await c.post(c.dir.newOrder, { identifiers: [] }), 'malformed', /non-empty array/, 400);
  });

  it('profiles: unknown → invalidProfile; shortlived → a 7-day certificate; notBefore is refused', async () => {
    refused(await c.post(c.dir.newOrder, { ...dns('p.example.com'), profile: 'classic' }), 'invalidProfile', /"classic" is not offered/, 400);
    refused(await c.post(c.dir.newOrder, { ...dns('p.example.com'), notBefore: new Date().toISOString() }), 'malformed', /"notBefore" is not supported/, 400);
    hostAt127(w.dns, 'short.profile.example');
    const got = await issue(c, w, ['short.profile.example'], 'http-01', { profile: 'shortlived' });
    expect(got.order.profile).toBe('shortlived');
    const [leaf] = pemBlocks(got.pem);
    const dates = openssl(['x509', '-noout', '-startdate', '-enddate'], leaf).stdout;
    const start = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
    const end = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
    expect(end - start).toBe(7 * 86_400_000 - 1000);
  });
});

describe('challenges and authorizations', () => {
  it('a valid challenge makes the authorization valid and, with all of them, the order ready', async () => {
    hostAt127(w.dns, 'ready.example.com');
    const o = await place(c, 'ready.example.com', 'dns.ready.example.com');
    const [httpAuthz, dnsAuthz] = o.body.authorizations as string[];
    const ch = await challengeOf(c, httpAuthz!, 'http-01');
    await answer(c, w, 'ready.example.com', ch);
    const done = await c.post(ch.url, {});
    expect(done.body).toMatchObject({ status: 'valid', validated: expect.any(String) });
    expect(done.headers.get('link')).toContain(`<${httpAuthz}>;rel="up"`);
    const authz = await c.get(httpAuthz!);
    expect(authz.body.status).toBe('valid');
    expect((authz.body.challenges as Challenge[]).map((x) => x.type)).toEqual(['http-01']);
    expect((await c.get(o.headers.get('location')!)).body.status).toBe('pending');

    const d = await challengeOf(c, dnsAuthz!, 'dns-01');
    await answer(c, w, 'dns.ready.example.com', d);
    expect((await c.post(d.url, {})).body.status).toBe('valid');
    expect((await c.get(o.headers.get('location')!)).body.status).toBe('ready');
    // POSTing again changes nothing.
    expect((await c.post(d.url, {})).body.status).toBe('valid');
  });

  it('a failed challenge carries the problem; the authorization and the order become invalid', async () => {
    hostAt127(w.dns, 'fail.example.com');
    const o = await place(c, 'fail.example.com');
    const authzUrl = (o.body.authorizations as string[])[0]!;
    const ch = await challengeOf(c, authzUrl, 'http-01');
    w.http.setToken(ch.token, 'wrong-key-authorization');
    const r = await c.post(ch.url, {});
    expect(r.body).toMatchObject({ status: 'invalid', error: { type: 'urn:ietf:params:acme:error:incorrectResponse' } });
    expect((await c.get(authzUrl)).body.status).toBe('invalid');
    const order = await c.get(o.headers.get('location')!);
    expect(order.body).toMatchObject({ status: 'invalid', error: { type: 'urn:ietf:params:acme:error:incorrectResponse', identifier: { value: 'fail.example.com' } } });
    expect((order.body.error as { detail: string }).detail).toMatch(/http-01 validation of fail.example.com failed/);
    const { csr } = await csrFor(['fail.example.com']);
    refused(await c.post(o.body.finalize as string, { csr }), 'orderNotReady', /invalid/, 403);
  });

  it('a name without DNS records fails with a dns problem', async () => {
    const o = await place(c, 'nxdomain.example.com');
    const ch = await challengeOf(c, (o.body.authorizations as string[])[0]!, 'http-01');
    const r = await c.post(ch.url, {});
    expect(r.body).toMatchObject({ status: 'invalid', error: { type: 'urn:ietf:params:acme:error:dns' } });
  });

  it('deactivating an authorization makes its order invalid', async () => {
    const o = await place(c, 'deact.example.com');
    const authzUrl = (o.body.authorizations as string[])[0]!;
    refused(await c.post(authzUrl, { status: 'valid' }), 'malformed', /only \{"status": "deactivated"\}/, 400);
    expect((await c.post(authzUrl, { status: 'deactivated' })).body.status).toBe('deactivated');
    expect((await c.get(o.headers.get('location')!)).body.status).toBe('invalid');
    refused(await c.post(authzUrl, { status: 'deactivated' }), 'malformed', /is deactivated/, 400);
  });
});

describe('finalize and download', () => {
  it('orderNotReady before the authorizations are valid', async () => {
    const o = await place(c, 'early.example.com');
    const { csr } = await csrFor(['early.example.com']);
    refused(await c.post(o.body.finalize as string, { csr }), 'orderNotReady', /pending: every authorization must be valid/, 403);
  });

  it('badCSR naming what differs from the order, and for a bad CSR encoding', async () => {
    hostAt127(w.dns, 'csr.example.com', 'www.csr.example.com');
    const o = await place(c, 'csr.example.com', 'www.csr.example.com');
    await validate(c, o);
    const finalizeUrl = o.body.finalize as string;
    refused(
      await c.post(finalizeUrl, { csr: (await csrFor(['csr.example.com', 'extra.example.com'])).csr }),
      'badCSR',
      /lacks www.csr.example.com and has extra.example.com, which the order does not/,
      400,
    );
    refused(await c.post(finalizeUrl, { csr: 'not base64url!' }), 'badCSR', /base64url/, 400);
    refused(await c.post(finalizeUrl, { csr: 'AAAA' }), 'badCSR', /PKCS#10/, 400);
    expect((await c.get(o.headers.get('location')!)).body.status).toBe('ready');
  });

  it('issues: the order is valid with a certificate URL, the download is leaf then chain', async () => {
    hostAt127(w.dns, 'issue.example.com');
    const o = await place(c, 'issue.example.com', '*.issue.example.com');
    await validate(c, o);
    const { csr } = await csrFor(['issue.example.com', '*.issue.example.com']);
    const fin = await c.post(o.body.finalize as string, { csr });
    expect(fin.status).toBe(200);
    expect(fin.headers.get('location')).toBe(o.headers.get('location'));
    expect(fin.body).toMatchObject({ status: 'valid', certificate: expect.stringContaining('/acme/cert/') });
    const cert = await c.get(fin.body.certificate as string);
    expect(cert.headers.get('content-type')).toBe('application/pem-certificate-chain');
    const blocks = pemBlocks(cert.text);
    expect(blocks).toHaveLength(2);
    expect(blocks[1]!.trim()).toBe(w.h.deps.ca.chainPem.trim());
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName'], blocks[0]).stdout).toMatch(/DNS:issue.example.com, DNS:\*.issue.example.com/);

    refused(await c.post(o.body.finalize as string, { csr }), 'orderNotReady', /finalized already/, 403);
    const other = await w.registered();
    refused(await other.get(fin.body.certificate as string), 'unauthorized', /another account/, 403);
    refused(await c.post(fin.body.certificate as string, {}), 'malformed', /POST-as-GET/, 400);
  });

  it('checks CAA at finalize: a record for another CA makes the order invalid with a caa problem', async () => {
    hostAt127(w.dns, 'caa.example.net');
    w.dns.set('caa.example.net', 'CAA', [{ flags: 0, tag: 'issue', value: 'other-ca.example' }]);
    const o = await place(c, 'caa.example.net');
    await validate(c, o);
    const { csr } = await csrFor(['caa.example.net']);
    refused(await c.post(o.body.finalize as string, { csr }), 'caa', /authorizes other-ca.example, not eabgate.test/, 403);
    expect((await c.get(o.headers.get('location')!)).body).toMatchObject({ status: 'invalid', error: { type: 'urn:ietf:params:acme:error:caa' } });
  });

  it('CAA accounturi and validationmethods (RFC 8657) are matched against the account and the method used', async () => {
    hostAt127(w.dns, 'acct.example.net');
    w.dns.set('acct.example.net', 'CAA', [{ flags: 0, tag: 'issue', value: `eabgate.test; accounturi=${c.kid}; validationmethods=dns-01` }]);
    const viaHttp = await place(c, 'acct.example.net');
    await validate(c, viaHttp, 'http-01');
    const { csr } = await csrFor(['acct.example.net']);
    refused(await c.post(viaHttp.body.finalize as string, { csr }), 'caa', /limited to validation methods dns-01 \(this order used http-01\)/, 403);

    const viaDns = await place(c, 'acct.example.net');
    await validate(c, viaDns, 'dns-01');
    expect((await c.post(viaDns.body.finalize as string, { csr })).body.status).toBe('valid');

    const stranger = await w.registered();
    const theirs = await place(stranger, 'acct.example.net');
    await validate(stranger, theirs, 'dns-01');
    refused(await stranger.post(theirs.body.finalize as string, { csr }), 'caa', /limited to ACME account/, 403);
  });

  it('an order expires after 7 days and becomes invalid', async () => {
    const o = await place(c, 'expires.example.com');
    w.h.clock.advance(7 * 86_400_000 + 1000);
    try {
      const r = await c.get(o.headers.get('location')!, { nonce: await c.freshNonce() });
      expect(r.body).toMatchObject({ status: 'invalid', error: { detail: expect.stringMatching(/expired/) } });
      const authz = await c.get((o.body.authorizations as string[])[0]!);
      expect(authz.body.status).toBe('expired');
    } finally {
      w.h.clock.set(Date.now());
    }
  });
});

describe('the orders list', () => {
  it('lists the account\'s orders newest first, in pages linked with rel="next"; invalid orders are left out', async () => {
    const k = await w.registered();
    const urls: string[] = [];
    for (let i = 0; i < ORDERS_PAGE_SIZE + 2; i++) urls.push((await place(k, `list${i}.example.com`)).headers.get('location')!);
    const dead = await place(k, 'dead.example.com');
    await k.post((dead.body.authorizations as string[])[0]!, { status: 'deactivated' });

    const account = await k.get(k.kid!);
    const first = await k.get(account.body.orders as string);
    expect(first.body.orders).toEqual([...urls].reverse().slice(0, ORDERS_PAGE_SIZE));
    const next = /<([^>]+)>;rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBe(`${account.body.orders}?page=2`);
    const second = await k.get(next!);
    expect(second.body.orders).toEqual([...urls].reverse().slice(ORDERS_PAGE_SIZE));
    expect(second.headers.get('link')).not.toContain('rel="next"');
    refused(await k.get(`${account.body.orders}?page=zero`), 'malformed', /page number/, 400);
    refused(await c.get(account.body.orders as string), 'unauthorized', /signed by account/, 403);
  });
});

describe('an issuer that answers later', () => {
  it('keeps the order processing with Retry-After, polls it on read, then valid with the certificate', async () => {
    const calls: IssueRequest[] = [];
    let ready = false;
    let embedded: Issuer;
    const later: Issuer = {
      async submit(req) {
        calls.push(req);
        return { state: 'pending', handle: `h-${req.orderId}`, retryAfterSeconds: 7 };
      },
      async poll(handle): Promise<IssueResult> {
        if (!ready) return { state: 'pending', handle, retryAfterSeconds: 7 };
        return embedded.submit(calls[0]!);
      },
    };
    const lw = await acmeWorld({ issuer: later });
    embedded = lw.h.deps.issuer;
    try {
      const k = await lw.registered();
      hostAt127(lw.dns, 'later.example.com');
      const o = await k.post(k.dir.newOrder, dns('later.example.com'));
      const ch = await challengeOf(k, (o.body.authorizations as string[])[0]!, 'http-01');
      await answer(k, lw, 'later.example.com', ch);
      await k.post(ch.url, {});
      const { csr } = await csrFor(['later.example.com']);
      const fin = await k.post(o.body.finalize as string, { csr });
      expect(fin.body.status).toBe('processing');
      expect(fin.headers.get('retry-after')).toBe('7');
      expect(calls[0]).toMatchObject({ product: 'dv', domains: ['later.example.com'], validityDays: 200 });

      const still = await k.get(o.headers.get('location')!);
      expect(still.body.status).toBe('processing');
      // The issuer's hint, on every poll.
      expect(still.headers.get('retry-after')).toBe('7');
      ready = true;
      const done = await k.get(o.headers.get('location')!);
      expect(done.body).toMatchObject({ status: 'valid', certificate: expect.any(String) });
      expect((await k.get(done.body.certificate as string)).text).toContain('BEGIN CERTIFICATE');
    } finally {
      await lw.close();
    }
  });
});
