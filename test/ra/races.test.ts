/**
 * Issue 8, "one winner per change": the same change asked for several times at once, against the real
 * server (child process, loopback DNS server and http-01 responder). Whatever the interleaving, one
 * certificate results per change, the losers get a clear 4xx (or the winner's outcome), never a 5xx, and
 * the plan counter counts exactly the certificates that exist.
 *
 * What exists is read three ways: what the API answers (tracking view, ACME order), the CRL, and the
 * store's own ledger (read-only), because the tracking view only ever shows the latest certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeServerWorld, crlSerials, ADMIN_TOKEN, type AcmeServerWorld } from '../support/acme-server.js';
import { AcmeTestClient, answer, csrFor, type AcmeReply, type Provisioned } from '../support/acme.js';
import { hostAt127 } from '../support/tracking.js';
import {
  acmeOrderId,
  figures,
  normSerial,
  pemCsr,
  placeDv,
  reissueRef,
  subscriptionUsage,
  trackView,
  validateRef,
  withLedger,
  killSpawnedServers,
  type Reply,
} from '../support/ra.js';

const N = 6;

let w: AcmeServerWorld;
let customer: Provisioned;
/** Every subscription these tests issued under, for the closing counter check. */
const subscriptions: { label: string; id: string; maxCertificates: number }[] = [];

beforeAll(async () => {
  w = await acmeServerWorld();
  customer = await w.provision('races@example.com', 'business');
});
afterAll(async () => {
  await w?.close();
  await killSpawnedServers();
});

const base = () => w.server.baseUrl;
const statuses = (rs: { status: number }[]) => rs.map((r) => r.status).sort((a, b) => a - b);
const fiveHundreds = (rs: { status: number }[]) => rs.filter((r) => r.status >= 500);

/** Serials in the tracking replies (order.certificate.serial), normalised and distinct. */
function servedSerials(rs: Reply[]): string[] {
  const out = new Set<string>();
  for (const r of rs) {
    const cert = (r.body.order as { certificate?: { serial: string } | null } | undefined)?.certificate;
    if (r.status === 200 && cert?.serial) out.add(normSerial(cert.serial));
  }
  return [...out];
}

/** A DV order for `name` with its dns-01 TXT published, so that a validate succeeds. */
async function validatedDv(name: string) {
  hostAt127(w.dns, name);
  const order = await placeDv(base(), customer.customerToken, name);
  const view = await trackView(base(), order.caReference);
  for (const v of view.validation) w.dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
  return order;
}

describe('tracking: one winner per change', () => {
  it(`${N} parallel validates of one validated DV order leave exactly one live certificate`, async () => {
    const order = await validatedDv('validate-race.ra.example');
    const replies = await Promise.all(Array.from({ length: N }, () => validateRef(base(), order.caReference)));
    const served = servedSerials(replies);
    const view = await trackView(base(), order.caReference);
    const crl = new Set((await crlSerials(base())).map(normSerial));
    const ledger = withLedger(w.server.dataDir, (l) => l.trackingCerts(order.orderNumber));
    const liveServed = served.filter((s) => !crl.has(s));
    const f = {
      statuses: statuses(replies),
      orderStatus: view.status,
      distinctSerialsServed: served.length,
      liveServed: liveServed.length,
      onCrl: served.length - liveServed.length,
      ledgerCertificates: ledger?.length,
      ledgerLive: ledger?.filter((c) => !c.revoked).length,
    };
    figures('validate race', f);
    const why = JSON.stringify(f);

    expect(fiveHundreds(replies), why).toEqual([]);
    expect(view.status, why).toBe('issued');
    expect(view.certificate, why).not.toBeNull();
    expect(view.certificate!.revoked, why).toBe(false);
    expect(crl.has(normSerial(view.certificate!.serial)), why).toBe(false);
    // Every validate reports the one certificate the change produced.
    expect(served, why).toEqual([normSerial(view.certificate!.serial)]);
    if (ledger) {
      expect(ledger.filter((c) => !c.revoked).map((c) => c.serial), `live certificates in the store for one validated order: ${why}`).toEqual([
        normSerial(view.certificate!.serial),
      ]);
      // A validate is one change: it issues once, not N times with N-1 revoked afterwards.
      expect(ledger.length, `certificates issued for one validated order: ${why}`).toBe(1);
    }
  });

  it(`${N} parallel reissues (each with its own CSR) leave exactly one live certificate; the losers get 409 or the same outcome, never a 5xx`, async () => {
    const name = 'reissue-race.ra.example';
    const order = await validatedDv(name);
    const first = await validateRef(base(), order.caReference);
    expect((first.body.order as { status: string }).status, first.text).toBe('issued');
    const before = normSerial((await trackView(base(), order.caReference)).certificate!.serial);

    const csrs = await Promise.all(Array.from({ length: N }, () => pemCsr([name])));
    const replies = await Promise.all(csrs.map((csr) => reissueRef(base(), order.caReference, csr)));
    const won = replies.filter((r) => r.status === 200);
    const lost = replies.filter((r) => r.status !== 200);
    const served = servedSerials(replies);
    const view = await trackView(base(), order.caReference);
    const current = normSerial(view.certificate!.serial);
    const crl = new Set((await crlSerials(base())).map(normSerial));
    const ledger = withLedger(w.server.dataDir, (l) => l.trackingCerts(order.orderNumber));
    const ledgerLive = ledger?.filter((c) => !c.revoked).map((c) => c.serial);
    const f = {
      statuses: statuses(replies),
      losers: lost.map((r) => ({ status: r.status, type: r.body.type, detail: r.body.detail })),
      distinctSerialsServed: served.length,
      servedNotOnCrl: served.filter((s) => !crl.has(s)).length,
      oldOnCrl: crl.has(before),
      ledgerCertificates: ledger?.length,
      ledgerLive: ledgerLive?.length,
    };
    figures('reissue race', f);
    const why = JSON.stringify(f);

    expect(fiveHundreds(replies), why).toEqual([]);
    expect(won.length, why).toBeGreaterThanOrEqual(1);
    for (const r of lost) {
      // A loser is told plainly that another change won (409 problem), not left guessing.
      expect(r.status, why).toBe(409);
      expect(String(r.body.detail ?? r.body.title ?? ''), why).not.toBe('');
    }
    expect(view.status, why).toBe('issued');
    expect(view.certificate!.revoked, why).toBe(false);
    expect(crl.has(current), why).toBe(false);
    // The certificate being replaced is revoked (superseded) once its successor exists.
    expect(crl.has(before), why).toBe(true);
    // Every serial a reissue reported is either the one live certificate or on the CRL.
    expect(served.filter((s) => s !== current && !crl.has(s)), `served serials still live besides ${current}: ${why}`).toEqual([]);
    if (ledgerLive) expect(ledgerLive, `live certificates in the store after ${N} reissues: ${why}`).toEqual([current]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// ACME

async function registered(eab: Provisioned): Promise<AcmeTestClient> {
  const c = await AcmeTestClient.open((u, i) => fetch(u, i), w.directoryUrl);
  const r = await c.register(eab);
  if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
  return c;
}

/** newOrder for `name` and its http-01 challenge answered: the order is ready. */
async function readyOrder(c: AcmeTestClient, name: string): Promise<{ url: string; finalize: string; name: string }> {
  hostAt127(w.dns, name);
  const created = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] });
  if (created.status !== 201) throw new Error(`newOrder ${name}: ${created.status} ${created.text}`);
  for (const authzUrl of created.body.authorizations as string[]) {
    const authz = await c.get(authzUrl);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((x) => x.type === 'http-01')!;
    await answer(c, { dns: w.dns, http: w.http! }, name, ch);
    const done = await c.post(ch.url, {});
    if (done.body.status !== 'valid') throw new Error(`challenge ${name}: ${done.text}`);
  }
  const url = created.headers.get('location')!;
  const o = await c.get(url);
  if (o.body.status !== 'ready') throw new Error(`order ${name} is ${String(o.body.status)}, not ready`);
  return { url, finalize: created.body.finalize as string, name };
}

/** Fires the finalizes together: each with its own fresh nonce, fetched beforehand. */
async function finalizeAtOnce(c: AcmeTestClient, jobs: { finalize: string; name: string }[]): Promise<AcmeReply[]> {
  const prepared = await Promise.all(jobs.map(async (j) => ({ ...j, nonce: await c.freshNonce(), csr: (await csrFor([j.name])).csr })));
  return Promise.all(prepared.map((p) => c.post(p.finalize, { csr: p.csr }, { nonce: p.nonce })));
}

const problemType = (r: AcmeReply) => String(r.body.type ?? '').replace('urn:ietf:params:acme:error:', '');

describe('ACME: one winner per change', () => {
  it('four ready orders on a maxCertificates: 1 plan, finalized at once: one certificate, the others refused, usage 1', async () => {
    const eab = await w.provision('plan-race@example.com', { preset: 'business', maxCertificates: 1 });
    subscriptions.push({ label: 'plan race (max 1)', id: eab.subscriptionId, maxCertificates: 1 });
    const c = await registered(eab);
    const orders: { url: string; finalize: string; name: string }[] = [];
    for (let i = 0; i < 4; i++) orders.push(await readyOrder(c, `plan-race-${i}.ra.example`));

    const replies = await finalizeAtOnce(c, orders);
    const after = await Promise.all(orders.map((o) => c.get(o.url)));
    const valid = after.filter((o) => o.body.status === 'valid');
    const usage = await subscriptionUsage(base(), ADMIN_TOKEN, eab.subscriptionId);
    const ledger = withLedger(w.server.dataDir, (l) => l.acmeCerts(orders.map((o) => acmeOrderId(o.url))));
    const f = {
      finalizeReplies: replies.map((r) => `${r.status} ${r.status === 200 ? String(r.body.status) : problemType(r)}`),
      ordersValid: valid.length,
      orderStatuses: after.map((o) => String(o.body.status)),
      certificatesIssuedCounter: usage.certificatesIssued,
      maxCertificates: usage.maxCertificates,
      ledgerCertificates: ledger?.length,
    };
    figures('ACME plan race (4 orders, maxCertificates 1)', f);
    const why = JSON.stringify(f);

    expect(fiveHundreds(replies), why).toEqual([]);
    expect(replies.filter((r) => r.status === 200).length, `finalizes that succeeded: ${why}`).toBe(1);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(['unauthorized', 'orderNotReady'], why).toContain(problemType(r));
    }
    expect(valid.length, `orders that became valid: ${why}`).toBe(1);
    if (ledger) expect(ledger.length, `certificates in the store: ${why}`).toBe(1);
    expect(usage.certificatesIssued, `plan counter: ${why}`).toBe(1);
  });

  it(`${N} parallel finalizes of one ready order: one certificate, the others orderNotReady (or the same valid order)`, async () => {
    const eab = await w.provision('finalize-race@example.com', { preset: 'business', maxCertificates: 1 });
    subscriptions.push({ label: 'one-order race (max 1)', id: eab.subscriptionId, maxCertificates: 1 });
    const c = await registered(eab);
    const o = await readyOrder(c, 'finalize-race.ra.example');

    const replies = await finalizeAtOnce(c, Array.from({ length: N }, () => o));
    const final = await c.get(o.url);
    const usage = await subscriptionUsage(base(), ADMIN_TOKEN, eab.subscriptionId);
    const ledger = withLedger(w.server.dataDir, (l) => l.acmeCerts([acmeOrderId(o.url)]));
    const certUrls = new Set(replies.filter((r) => r.status === 200 && r.body.certificate).map((r) => String(r.body.certificate)));
    const f = {
      finalizeReplies: replies.map((r) => `${r.status} ${r.status === 200 ? String(r.body.status) : problemType(r)}`),
      finalStatus: final.body.status,
      distinctCertificateUrls: certUrls.size,
      certificatesIssuedCounter: usage.certificatesIssued,
      ledgerCertificates: ledger?.length,
    };
    figures('ACME one-order finalize race', f);
    const why = JSON.stringify(f);

    expect(fiveHundreds(replies), why).toEqual([]);
    expect(replies.filter((r) => r.status === 200).length, why).toBeGreaterThanOrEqual(1);
    for (const r of replies.filter((x) => x.status !== 200)) expect(problemType(r), why).toBe('orderNotReady');
    expect(final.body.status, why).toBe('valid');
    expect(certUrls.size, why).toBeLessThanOrEqual(1);
    if (ledger) expect(ledger.length, `certificates in the store for one order: ${why}`).toBe(1);
    expect(usage.certificatesIssued, `plan counter: ${why}`).toBe(1);
  });

  it('the same races with more room in the plan (maxCertificates 2, four orders): never more than the plan allows', async () => {
    const eab = await w.provision('plan-race-2@example.com', { preset: 'business', maxCertificates: 2 });
    subscriptions.push({ label: 'plan race (max 2)', id: eab.subscriptionId, maxCertificates: 2 });
    const c = await registered(eab);
    const orders: { url: string; finalize: string; name: string }[] = [];
    for (let i = 0; i < 4; i++) orders.push(await readyOrder(c, `plan-race2-${i}.ra.example`));
    const replies = await finalizeAtOnce(c, orders);
    const after = await Promise.all(orders.map((o) => c.get(o.url)));
    const usage = await subscriptionUsage(base(), ADMIN_TOKEN, eab.subscriptionId);
    const f = {
      finalizeReplies: replies.map((r) => `${r.status} ${r.status === 200 ? String(r.body.status) : problemType(r)}`),
      ordersValid: after.filter((o) => o.body.status === 'valid').length,
      certificatesIssuedCounter: usage.certificatesIssued,
    };
    figures('ACME plan race (4 orders, maxCertificates 2)', f);
    const why = JSON.stringify(f);
    expect(fiveHundreds(replies), why).toEqual([]);
    expect(after.filter((o) => o.body.status === 'valid').length, why).toBe(2);
    expect(usage.certificatesIssued, why).toBe(2);
  });

  it('every plan counter equals the certificates actually issued under it, and never exceeds the plan', async () => {
    const rows = [];
    for (const s of subscriptions) {
      const usage = await subscriptionUsage(base(), ADMIN_TOKEN, s.id);
      const issued = withLedger(w.server.dataDir, (l) => l.subscriptionCerts(s.id).length);
      rows.push({ ...s, counter: usage.certificatesIssued, ledgerCertificates: issued });
    }
    figures('plan counters vs certificates issued', { rows });
    const why = JSON.stringify(rows);
    expect(rows.length, 'the ACME race tests ran first').toBeGreaterThan(0);
    for (const r of rows) {
      if (r.ledgerCertificates !== undefined) expect(r.counter, `${r.label}: ${why}`).toBe(r.ledgerCertificates);
      expect(r.counter, `${r.label}: ${why}`).toBeLessThanOrEqual(r.maxCertificates);
      if (r.ledgerCertificates !== undefined) expect(r.ledgerCertificates, `${r.label}: ${why}`).toBeLessThanOrEqual(r.maxCertificates);
    }
  });
});
