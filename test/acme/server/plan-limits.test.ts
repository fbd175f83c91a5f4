/**
 * The subscription's plan over ACME: names per order, wildcards, validity and the certificate count are
 * enforced at newOrder (and again at finalize), each refusal naming its limit; a revoked or ended
 * subscription's accounts can no longer order; each issued certificate is counted once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { acmeWorld, hostAt127, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { csrFor, issue, type AcmeReply, type AcmeTestClient } from '../../support/acme.js';

let w: AcmeWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const dns = (...names: string[]) => ({ identifiers: names.map((value) => ({ type: 'dns', value })) });

function refused(r: AcmeReply, type: string, detail: RegExp, status: number): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
}

async function usage(world: AcmeWorld): Promise<number> {
  const r = await world.fetch(`${world.baseUrl}/api/v1/subscriptions/${world.eab.subscriptionId}`, {
    headers: { authorization: `Bearer ${world.eab.customerToken}` },
  });
  return ((await r.json()) as { usage: { certificatesIssued: number } }).usage.certificatesIssued;
}

async function setUp(plan: unknown): Promise<{ world: AcmeWorld; c: AcmeTestClient }> {
  w = await acmeWorld({ plan });
  return { world: w, c: await w.registered() };
}

describe('plan limits at newOrder', () => {
  it('names per order (starter: 5)', async () => {
    const { c } = await setUp('starter');
    const names = Array.from({ length: 6 }, (_, i) => `n${i}.example.com`);
    refused(await c.post(c.dir.newOrder, dns(...names)), 'rejectedIdentifier', /at most 5 names per order \(maxNamesPerOrder\); this order has 6/, 400);
    expect((await c.post(c.dir.newOrder, dns(...names.slice(0, 5)))).status).toBe(201);
  });

  it('wildcards (starter: none)', async () => {
    const { c } = await setUp('starter');
    refused(await c.post(c.dir.newOrder, dns('example.com', '*.example.com')), 'rejectedIdentifier', /does not allow wildcard names \(wildcards: false\)/, 400);
  });

  it('validity (starter: 90 days) by notAfter; a shorter one is granted', async () => {
    const { world, c } = await setUp('starter');
    const days = (n: number) => new Date(world.h.clock.now().getTime() + n * 86_400_000).toISOString();
    refused(
      await c.post(c.dir.newOrder, { ...dns('long.example.com'), notAfter: days(120) }),
      'unauthorized',
      /at most 90 days \(maxValidityDays\); 120 days were asked for/,
      403,
    );
    hostAt127(world.dns, 'short.example.com');
    const got = await issue(c, world, ['short.example.com'], 'http-01', { notAfter: days(30) });
    expect(got.order.notAfter).toBe(days(30));
  });

  it('certificate count: the last allowed certificate is issued, then newOrder and finalize refuse', async () => {
    const { world, c } = await setUp({ preset: 'starter', maxCertificates: 1 });
    hostAt127(world.dns, 'first.example.com', 'second.example.com');
    // Both orders are placed while the count allows them; the second cannot be finalized once the first is issued.
    const second = await c.post(c.dir.newOrder, dns('second.example.com'));
    expect(second.status).toBe(201);
    await issue(c, world, ['first.example.com']);
    expect(await usage(world)).toBe(1);

    refused(await c.post(c.dir.newOrder, dns('third.example.com')), 'unauthorized', /1 certificates \(maxCertificates\) have all been issued/, 403);
    const authz = await c.get((second.body.authorizations as string[])[0]!);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((x) => x.type === 'http-01')!;
    world.http.setToken(ch.token, await c.keyAuthorization(ch.token));
    expect((await c.post(ch.url, {})).body.status).toBe('valid');
    const { csr } = await csrFor(['second.example.com']);
    refused(await c.post(second.body.finalize as string, { csr }), 'unauthorized', /\(maxCertificates\) have all been issued/, 403);
    expect(await usage(world)).toBe(1);
  });

  it("a revoked subscription's account can no longer order", async () => {
    const { world, c } = await setUp('business');
    expect((await world.admin(`/api/v1/admin/subscriptions/${world.eab.subscriptionId}/revoke`)).status).toBe(200);
    refused(await c.post(c.dir.newOrder, dns('after-revoke.example.com')), 'unauthorized', /subscription was revoked on .*: no new certificates/, 403);
  });

  it("an ended subscription's account can no longer order", async () => {
    w = await acmeWorld({ plan: { preset: 'business', notAfter: new Date(Date.now() + 5 * 86_400_000).toISOString() } });
    const c = await w.registered();
    w.h.clock.advance(6 * 86_400_000);
    refused(await c.post(c.dir.newOrder, dns('late.example.com'), { nonce: await c.freshNonce() }), 'unauthorized', /subscription ended on .*: no new certificates/, 403);
  });

  it('counts each issued certificate once', async () => {
    const { world, c } = await setUp('business');
    hostAt127(world.dns, 'a.count.example', 'b.count.example');
    await issue(c, world, ['a.count.example']);
    await issue(c, world, ['b.count.example']);
    expect(await usage(world)).toBe(2);
  });
});
