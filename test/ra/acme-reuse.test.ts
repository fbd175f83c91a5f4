/**
 * Reuse of ACME authorizations (as Boulder does), in-process ACME world on a loopback socket with the
 * ManualClock (no openssl here):
 *  - the same account ordering the same name again gets its earlier valid authorization: the new order is
 *    `ready` at once and lists the same authorization URL; another account (same subscription or not) does
 *    not;
 *  - after EABGATE_ACME_AUTHZ_REUSE_DAYS the authorization is no longer offered;
 *  - the Baseline Requirements cap it: on 2029-03-20 (10-day window) an authorization validated on
 *    2029-03-08 is not reused, and finalizing an older ready order that uses it is refused with
 *    urn:ietf:params:acme:error:unauthorized, the order becoming invalid;
 *  - deactivating a reused authorization invalidates every open order using it (finished ones stay valid).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.js';
import { acmeWorld, hostAt127, problemOf, type AcmeWorld } from '../support/acme-world.js';
import { answer, csrFor, type AcmeReply, type AcmeTestClient, postSurvivingNonce, getSurvivingNonce } from '../support/acme.js';

let w: AcmeWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function world(opts: { start?: string; env?: Record<string, string> } = {}): Promise<AcmeWorld> {
  w = await acmeWorld(opts);
  return w;
}

type Challenge = { type: string; token: string; url: string; status: string };

const send = postSurvivingNonce;
const get = getSurvivingNonce;

async function newOrder(c: AcmeTestClient, ...names: string[]): Promise<AcmeReply & { url: string }> {
  const r = await send(c, c.dir.newOrder, { identifiers: names.map((value) => ({ type: 'dns', value })) });
  expect(r.status, r.text).toBe(201);
  return { ...r, url: r.headers.get('location')! };
}

/** Answers http-01 for every pending authorization of the order. */
async function validateOrder(tw: AcmeWorld, c: AcmeTestClient, order: AcmeReply): Promise<void> {
  for (const url of order.body.authorizations as string[]) {
    const a = await get(c, url);
    if (a.body.status === 'valid') continue;
    const ch = (a.body.challenges as Challenge[]).find((x) => x.type === 'http-01')!;
    await answer(c, tw, (a.body.identifier as { value: string }).value, ch);
    const done = await send(c, ch.url, {});
    expect(done.body.status, done.text).toBe('valid');
  }
}

async function finalize(c: AcmeTestClient, order: AcmeReply, ...names: string[]): Promise<AcmeReply> {
  const { csr } = await csrFor(names);
  return send(c, order.body.finalize as string, { csr });
}

const authzId = (url: string) => url.split('/').pop()!;

let n = 0;
const fresh = (tw: AcmeWorld) => {
  const name = `authz-${++n}.example.com`;
  hostAt127(tw.dns, name);
  return name;
};

describe('the same account ordering the same name again', () => {
  it('gets the earlier valid authorization: ready at once, same authorization URL, and it finalizes', async () => {
    const tw = await world();
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    expect(first.body.status).toBe('pending');
    await validateOrder(tw, c, first);
    expect((await get(c, first.url)).body.status).toBe('ready');

    const second = await newOrder(c, name);
    expect(second.body.status).toBe('ready');
    expect(second.body.authorizations).toEqual(first.body.authorizations);
    const authz = await get(c, (second.body.authorizations as string[])[0]!);
    expect(authz.body.status).toBe('valid');
    // No new authorization was made for the second order.
    expect(tw.h.deps.sqlite.sqlite.prepare('SELECT count(*) AS n FROM acme_authorizations WHERE identifier_value = ?').get(name)).toEqual({ n: 1 });

    const fin = await finalize(c, second, name);
    expect(fin.status, fin.text).toBe(200);
    expect(fin.body.status).toBe('valid');
    // The first order, still ready with the same authorization, finalizes too.
    const fin1 = await finalize(c, first, name);
    expect(fin1.body.status, fin1.text).toBe('valid');
  });

  it('an order mixing a reused and a new name is pending, and ready once the new one is validated', async () => {
    const tw = await world();
    const c = await tw.registered();
    const a = fresh(tw);
    const b = fresh(tw);
    const first = await newOrder(c, a);
    await validateOrder(tw, c, first);
    const mixed = await newOrder(c, a, b);
    expect(mixed.body.status).toBe('pending');
    const urls = mixed.body.authorizations as string[];
    expect(urls[0]).toBe((first.body.authorizations as string[])[0]);
    expect(urls[1]).not.toBe(urls[0]);
    await validateOrder(tw, c, mixed);
    expect((await get(c, mixed.url)).body.status).toBe('ready');
  });

  it('another account does not get it (same subscription or another one)', async () => {
    const tw = await world();
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);

    const sameSub = await tw.registered();
    const o2 = await newOrder(sameSub, name);
    expect(o2.body.status).toBe('pending');
    expect(o2.body.authorizations).not.toEqual(first.body.authorizations);

    const other = await tw.registered('ES256', await tw.provision('bob-reuse@example.com'));
    const o3 = await newOrder(other, name);
    expect(o3.body.status).toBe('pending');
    expect(o3.body.authorizations).not.toEqual(first.body.authorizations);
    // And the other account cannot even read the first account's authorization.
    expect((await get(other, (first.body.authorizations as string[])[0]!)).status).not.toBe(200);
  });

  it('a wildcard authorization is not reused for the plain name, nor the plain one for the wildcard', async () => {
    const tw = await world();
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    const wild = await newOrder(c, `*.${name}`);
    expect(wild.body.status).toBe('pending');
    expect(wild.body.authorizations).not.toEqual(first.body.authorizations);
  });
});

describe('EABGATE_ACME_AUTHZ_REUSE_DAYS', () => {
  it('default 30: reused 29 days later, not 31 days later', async () => {
    const tw = await world({ start: '2026-06-01T12:00:00Z' });
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    const validated = Date.parse('2026-06-01T12:00:00Z');

    tw.h.clock.set(validated + 29 * DAY_MS);
    const inside = await newOrder(c, name);
    expect(inside.body.status).toBe('ready');
    expect(inside.body.authorizations).toEqual(first.body.authorizations);

    tw.h.clock.set(validated + 31 * DAY_MS);
    const outside = await newOrder(c, name);
    expect(outside.body.status).toBe('pending');
    expect(outside.body.authorizations).not.toEqual(first.body.authorizations);
  });

  it('a shorter setting (5) is honoured: reused after 4 days, not after 6, though the BR window (200 days) would allow it', async () => {
    const tw = await world({ start: '2026-06-01T12:00:00Z', env: { EABGATE_ACME_AUTHZ_REUSE_DAYS: '5' } });
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    const validated = Date.parse('2026-06-01T12:00:00Z');
    tw.h.clock.set(validated + 4 * DAY_MS);
    expect((await newOrder(c, name)).body.status).toBe('ready');
    tw.h.clock.set(validated + 6 * DAY_MS);
    const later = await newOrder(c, name);
    expect(later.body.status).toBe('pending');
    expect(later.body.authorizations).not.toEqual(first.body.authorizations);
  });

  it('0: never reused', async () => {
    const tw = await world({ env: { EABGATE_ACME_AUTHZ_REUSE_DAYS: '0' } });
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    const again = await newOrder(c, name);
    expect(again.body.status).toBe('pending');
    expect(again.body.authorizations).not.toEqual(first.body.authorizations);
  });
});

describe('the Baseline Requirements window caps reuse: 2029-03-20, validated 2029-03-08', () => {
  it('a new order does not reuse it; finalizing an older ready order that uses it → unauthorized, order invalid', async () => {
    const tw = await world({ start: '2029-03-08T12:00:00Z' });
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    const authzUrl = (first.body.authorizations as string[])[0]!;
    const authz = await tw.h.deps.store.acme.authorizations.byId(authzId(authzUrl));
    expect(authz!.validatedAt!.toISOString()).toBe('2029-03-08T12:00:00.000Z');

    // 2029-03-14 (6 days, 100-day window before 2029-03-15): reused; the order lives until 2029-03-21.
    tw.h.clock.set('2029-03-14T12:00:00Z');
    const older = await newOrder(c, name);
    expect(older.body.status).toBe('ready');
    expect(older.body.authorizations).toEqual([authzUrl]);

    // 2029-03-20: 12 days old, the 10-day window applies.
    tw.h.clock.set('2029-03-20T12:00:00Z');
    // Its expiry was brought forward by the 2029-03-15 cut-over: 10 days after its validation.
    expect((await get(c, authzUrl)).body.status).toBe('expired');
    const newer = await newOrder(c, name);
    expect(newer.body.status).toBe('pending');
    expect(newer.body.authorizations).not.toEqual([authzUrl]);

    expect((await get(c, older.url)).body.status).toBe('ready');
    const fin = await finalize(c, older, name);
    expect(problemOf(fin), fin.text).toMatchObject({ type: 'unauthorized', status: 403 });
    expect(fin.body.type).toBe('urn:ietf:params:acme:error:unauthorized');
    expect(fin.body.detail).toMatch(/2029-03-08/);
    expect(fin.body.detail).toMatch(/10 days/);
    const after = await get(c, older.url);
    expect(after.body.status).toBe('invalid');
    expect((after.body.error as { type: string }).type).toBe('urn:ietf:params:acme:error:unauthorized');
    // Nothing was issued or counted.
    expect(tw.h.deps.sqlite.sqlite.prepare('SELECT count(*) AS n FROM certificates WHERE acme_order_id = ?').get(authzId(older.url))).toEqual({ n: 0 });

    // The new order validates afresh and issues.
    await validateOrder(tw, c, newer);
    const ok = await finalize(c, newer, name);
    expect(ok.body.status, ok.text).toBe('valid');
  });

  it('2029-03-20, validated 2029-03-10 (exactly 10 days): reused, and it finalizes', async () => {
    const tw = await world({ start: '2029-03-10T12:00:00Z' });
    const c = await tw.registered();
    const name = fresh(tw);
    const first = await newOrder(c, name);
    await validateOrder(tw, c, first);
    tw.h.clock.set('2029-03-20T12:00:00Z');
    const again = await newOrder(c, name);
    expect(again.body.status).toBe('ready');
    expect(again.body.authorizations).toEqual(first.body.authorizations);
    expect((await finalize(c, again, name)).body.status).toBe('valid');
  });
});

describe('deactivating a reused authorization', () => {
  it('invalidates every open order using it; a finished order stays valid', async () => {
    const tw = await world();
    const c = await tw.registered();
    const name = fresh(tw);
    const other = fresh(tw);
    const own = await newOrder(c, name);
    await validateOrder(tw, c, own);
    const authzUrl = (own.body.authorizations as string[])[0]!;

    const done = await newOrder(c, name);
    expect((await finalize(c, done, name)).body.status).toBe('valid');
    const reused = await newOrder(c, name);
    expect(reused.body.status).toBe('ready');
    const mixed = await newOrder(c, name, other); // pending: `other` is not validated
    expect(mixed.body.status).toBe('pending');
    expect((mixed.body.authorizations as string[])[0]).toBe(authzUrl);

    const d = await send(c, authzUrl, { status: 'deactivated' });
    expect(d.status, d.text).toBe(200);
    expect(d.body.status).toBe('deactivated');

    for (const o of [own, reused, mixed]) {
      const now = await get(c, o.url);
      expect(now.body.status, o.url).toBe('invalid');
      expect((now.body.error as { type: string; detail: string }).type).toBe('urn:ietf:params:acme:error:unauthorized');
      expect((now.body.error as { detail: string }).detail).toMatch(/deactivated/);
    }
    expect((await get(c, done.url)).body.status).toBe('valid');

    // Not offered again: the next order for the name gets a new authorization.
    const next = await newOrder(c, name);
    expect(next.body.status).toBe('pending');
    expect(next.body.authorizations).not.toEqual([authzUrl]);
    // And finalizing one of the invalid orders is refused.
    const fin = await finalize(c, reused, name);
    expect(problemOf(fin).type).toBe('orderNotReady');
  });
});
