/**
 * Issue 8, crash safety: the real server (child process) on one data directory is SIGKILLed 20 times at
 * random moments while several ACME clients run full flows and tracking customers validate and reissue,
 * and started again each time on the same port (so the same EABGATE_BASE_URL and ACME URLs). Afterwards:
 *   - the SQLite file passes `PRAGMA integrity_check`;
 *   - every certificate a client received can still be downloaded, byte for byte (a tracking certificate
 *     replaced by a later reissue must instead be on the CRL);
 *   - after the issuance lease (EABGATE_ISSUANCE_LEASE_SECONDS=1) no ACME order is left `processing` and
 *     no tracking order is left `pending_issuance`, or holding a certificate it never moved on with;
 *   - no tracking order has more than one live certificate;
 *   - each subscription's certificatesIssued equals the certificates issued under it.
 *
 * Each kill comes 50–400 ms (random) after the server is back, then 0–30 ms into the next issuance request,
 * aimed in turn at an ACME finalize and at a tracking validate/reissue: most kills land inside an issuance.
 * Loopback only, bounded (RA_KILLS kills, default 20), the random delays reproducible with RA_SEED (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDnsServer } from '../support/dns-server.js';
import { Http01Responder } from '../support/http01-responder.js';
import { freePort } from '../support/server.js';
import { AcmeTestClient, answer, csrFor, provision, type AcmeReply, type Provisioned } from '../support/acme.js';
import { crlSerials, serialOf } from '../support/acme-server.js';
import {
  acmeGet,
  figures,
  integrityCheck,
  killSpawnedServers,
  normSerial,
  pemCsr,
  placeDv,
  prng,
  reissueRef,
  sleep,
  spawnServer,
  subscriptionUsage,
  trackView,
  trackingPem,
  validateRef,
  withLedger,
  type KillableServer,
  type Reply,
} from '../support/ra.js';

const ADMIN_TOKEN = 'admin-token-for-crash-tests-0123456';
const KILLS = Number(process.env.RA_KILLS ?? 20);
const SEED = Number(process.env.RA_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LEASE_SECONDS = 1;
const ACME_WORKERS = 3;
const TRACKING_WORKERS = 2;
/** Successful polls of a processing / pending_issuance order before a worker gives up on it (and moves on). */
const GIVE_UP_POLLS = 12;

let dns: TestDnsServer | undefined;
let http: Http01Responder | undefined;
let server: KillableServer | undefined;
let port: number;
let dataDir: string;
let env: Record<string, string>;
let stopping = false;
/** The data directory is kept for a post-mortem when the test fails (its path is printed), removed when it passes. */
let passed = false;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  http = await Http01Responder.start();
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'eabgate-crash-'));
  env = {
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(http.port),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    // The issuance lease the RA is to read: a processing order with no outcome for this long is taken up again.
    EABGATE_ISSUANCE_LEASE_SECONDS: String(LEASE_SECONDS),
  };
  server = await spawnServer({ port, dataDir, env });
});

afterAll(async () => {
  stopping = true;
  gate.open();
  await killSpawnedServers();
  await dns?.stop();
  await http?.stop();
  if (passed && dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// The server is up or down; workers wait for it when a request fails.

const gate = {
  up: true,
  waiters: [] as (() => void)[],
  open() {
    this.up = true;
    for (const f of this.waiters.splice(0)) f();
  },
  close() {
    this.up = false;
  },
  async wait() {
    if (!this.up) await new Promise<void>((r) => this.waiters.push(r));
  },
};

// ---------------------------------------------------------------------------------------------------------
// What the clients did and received

interface AcmeOrderSeen {
  url: string;
  name: string;
  subscription: string;
  client: AcmeTestClient;
  csr?: string;
  processingPolls: number;
}
interface AcmeCertReceived {
  orderUrl: string;
  certUrl: string;
  pem: string;
  client: AcmeTestClient;
}
interface TrackingOrderSeen {
  caReference: string;
  orderNumber: string;
  name: string;
  reissues: number;
  lastSerialDownloaded?: string;
  pendingPolls: number;
}
interface TrackingCertReceived {
  caReference: string;
  orderNumber: string;
  viewSerial: string;
  pem: string;
}

const acmeOrders: AcmeOrderSeen[] = [];
const acmeCerts: AcmeCertReceived[] = [];
const trackingOrders: TrackingOrderSeen[] = [];
const trackingCerts: TrackingCertReceived[] = [];
const stats = {
  kills: 0,
  killsDuringAcmeFinalize: 0,
  killsDuringTrackingIssuance: 0,
  acmeFlowsCompleted: 0,
  acmeFlowsInvalid: 0,
  acmeGivenUp: 0,
  trackingIssued: 0,
  trackingReissues: 0,
  trackingGivenUp: 0,
  requestErrors: 0,
  serverErrors: [] as string[],
};

/** Issuance requests in flight (ACME finalize; tracking validate and reissue), so that kills can land inside them. */
type Kind = 'acme' | 'tracking';
const issuing = { acme: 0, tracking: 0, listeners: [] as { kind?: Kind; f: () => void }[] };
async function duringIssuance<T>(kind: Kind, request: () => Promise<T>): Promise<T> {
  issuing[kind]++;
  issuing.listeners = issuing.listeners.filter((l) => (l.kind && l.kind !== kind ? true : (l.f(), false)));
  try {
    return await request();
  } finally {
    issuing[kind]--;
  }
}
const inFlight = (kind?: Kind) => (kind ? issuing[kind] : issuing.acme + issuing.tracking);
/** Resolves true as soon as an issuance request (of `kind`, or any) is in flight, false after `ms` without one. */
function issuanceInFlight(ms: number, kind?: Kind): Promise<boolean> {
  if (inFlight(kind) > 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const l = {
      kind,
      f: () => {
        clearTimeout(t);
        resolve(true);
      },
    };
    const t = setTimeout(() => {
      issuing.listeners = issuing.listeners.filter((x) => x !== l);
      resolve(false);
    }, ms);
    issuing.listeners.push(l);
  });
}

function note5xx(where: string, r: { status: number; text: string }): void {
  if (r.status >= 500) stats.serverErrors.push(`${where}: ${r.status} ${r.text.slice(0, 160)}`);
}

// ---------------------------------------------------------------------------------------------------------
// ACME: a resumable full flow (newOrder, http-01, finalize, poll, download), one step per call

async function acmeStep(w: number, c: AcmeTestClient, subscription: string, state: { cur?: AcmeOrderSeen; n: number }): Promise<void> {
  if (!state.cur) {
    const name = `w${w}-f${state.n++}.crash.ra.example`;
    dns!.set(name, 'A', ['127.0.0.1']);
    const created = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] });
    note5xx('newOrder', created);
    if (created.status !== 201) return;
    state.cur = { url: created.headers.get('location')!, name, subscription, client: c, processingPolls: 0 };
    acmeOrders.push(state.cur);
    return;
  }
  const cur = state.cur;
  const o = await c.get(cur.url);
  note5xx('order', o);
  if (o.status !== 200) return;
  switch (o.body.status) {
    case 'pending':
      for (const authzUrl of o.body.authorizations as string[]) {
        const a = await c.get(authzUrl);
        note5xx('authz', a);
        if (a.status !== 200 || a.body.status !== 'pending') continue;
        const ch = (a.body.challenges as { type: string; token: string; url: string; status: string }[]).find((x) => x.type === 'http-01')!;
        await answer(c, { dns: dns!, http: http! }, cur.name, ch);
        note5xx('challenge', await c.post(ch.url, {}));
      }
      return;
    case 'ready': {
      cur.csr ??= (await csrFor([cur.name])).csr;
      const csr = cur.csr;
      note5xx('finalize', await duringIssuance('acme', () => c.post(o.body.finalize as string, { csr })));
      return;
    }
    case 'processing':
      if (++cur.processingPolls >= GIVE_UP_POLLS) {
        stats.acmeGivenUp++;
        state.cur = undefined;
      } else await sleep(100);
      return;
    case 'valid': {
      const certUrl = o.body.certificate as string;
      const cert = await c.get(certUrl);
      note5xx('certificate', cert);
      if (cert.status !== 200) return;
      acmeCerts.push({ orderUrl: cur.url, certUrl, pem: cert.text, client: c });
      stats.acmeFlowsCompleted++;
      state.cur = undefined;
      return;
    }
    default:
      stats.acmeFlowsInvalid++;
      state.cur = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tracking: place a DV order, publish dns-01, validate, download, reissue twice with a CSR, download again

async function trackingStep(w: number, token: string, state: { cur?: TrackingOrderSeen; n: number }): Promise<void> {
  const base = server!.baseUrl;
  if (!state.cur) {
    const name = `t${w}-o${state.n++}.crash.ra.example`;
    dns!.set(name, 'A', ['127.0.0.1']);
    const placed = await placeDv(base, token, name, await pemCsr([name]));
    state.cur = { caReference: placed.caReference, orderNumber: placed.orderNumber, name, reissues: 0, pendingPolls: 0 };
    trackingOrders.push(state.cur);
    return;
  }
  const cur = state.cur;
  const view = await trackView(base, cur.caReference);
  const check = (where: string, r: Reply) => note5xx(where, r);
  switch (view.status) {
    case 'pending_validation':
      for (const v of view.validation) dns!.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
      check('validate', await duringIssuance('tracking', () => validateRef(base, cur.caReference)));
      return;
    case 'issued': {
      const serial = normSerial(view.certificate!.serial);
      if (serial !== cur.lastSerialDownloaded) {
        const d = await trackingPem(base, cur.caReference);
        note5xx('tracking certificate', { status: d.status, text: d.pem });
        if (d.status !== 200) return;
        trackingCerts.push({ caReference: cur.caReference, orderNumber: cur.orderNumber, viewSerial: serial, pem: d.pem });
        if (cur.lastSerialDownloaded === undefined) stats.trackingIssued++;
        cur.lastSerialDownloaded = serial;
        return;
      }
      if (cur.reissues < 2) {
        cur.reissues++;
        const csr = await pemCsr([cur.name]);
        const r = await duringIssuance('tracking', () => reissueRef(base, cur.caReference, csr));
        check('reissue', r);
        if (r.status === 200) stats.trackingReissues++;
        return;
      }
      state.cur = undefined;
      return;
    }
    case 'pending_issuance':
      if (++cur.pendingPolls >= GIVE_UP_POLLS) {
        stats.trackingGivenUp++;
        state.cur = undefined;
      } else await sleep(100);
      return;
    default:
      state.cur = undefined;
  }
}

async function worker(step: () => Promise<void>): Promise<void> {
  while (!stopping) {
    try {
      await gate.wait();
      await step();
    } catch {
      // The server went away under the request (or answered something unusable): wait for it and go on.
      stats.requestErrors++;
      await sleep(30);
      await gate.wait();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('crash safety: SIGKILL during issuance, restart on the same data directory', () => {
  it(`survives ${KILLS} SIGKILLs: intact store, every certificate still served, nothing stuck, counters right`, async () => {
    const started = Date.now();
    const rand = prng(SEED);
    const base = server!.baseUrl;
    const fetcher = (u: string, i?: RequestInit) => fetch(u, i);
    const subs: Provisioned[] = [
      await provision(fetcher, base, ADMIN_TOKEN, 'crash-a@example.com', 'business'),
      await provision(fetcher, base, ADMIN_TOKEN, 'crash-b@example.com', 'business'),
    ];
    const clients: { c: AcmeTestClient; sub: Provisioned }[] = [];
    for (let i = 0; i < ACME_WORKERS; i++) {
      const sub = subs[i % subs.length]!;
      const c = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
      const r = await c.register(sub);
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
      clients.push({ c, sub });
    }
    figures('crash setup', { seed: SEED, kills: KILLS, dataDir, port, acmeWorkers: ACME_WORKERS, trackingWorkers: TRACKING_WORKERS });

    // The load runs across every restart.
    const workers = [
      ...clients.map(({ c, sub }, i) => {
        const state: { cur?: AcmeOrderSeen; n: number } = { n: 0 };
        return worker(() => acmeStep(i, c, sub.subscriptionId, state));
      }),
      ...Array.from({ length: TRACKING_WORKERS }, (_, i) => {
        const state: { cur?: TrackingOrderSeen; n: number } = { n: 0 };
        return worker(() => trackingStep(i, subs[0]!.customerToken, state));
      }),
    ];

    const delays: number[] = [];
    try {
      for (let k = 0; k < KILLS; k++) {
        const delay = Math.round(50 + rand() * 350);
        delays.push(delay);
        await sleep(delay);
        // Then aim, in turn at an ACME finalize and at a tracking validate/reissue: kill a few ms into one when
        // one comes soon (else into any issuance request, else now).
        const kind: Kind = k % 2 === 0 ? 'acme' : 'tracking';
        if ((await issuanceInFlight(500, kind)) || (await issuanceInFlight(200))) await sleep(Math.floor(rand() * 30));
        if (inFlight('acme') > 0) stats.killsDuringAcmeFinalize++;
        if (inFlight('tracking') > 0) stats.killsDuringTrackingIssuance++;
        gate.close();
        await server!.kill();
        stats.kills++;
        server = await spawnServer({ port, dataDir, env });
        gate.open();
      }
    } finally {
      stopping = true;
      gate.open();
      await Promise.all(workers);
    }
    figures('crash load', {
      kills: stats.kills,
      killsDuringAcmeFinalize: stats.killsDuringAcmeFinalize,
      killsDuringTrackingIssuance: stats.killsDuringTrackingIssuance,
      delaysMs: delays,
      acmeOrdersCreated: acmeOrders.length,
      acmeFlowsCompleted: stats.acmeFlowsCompleted,
      acmeFlowsInvalid: stats.acmeFlowsInvalid,
      acmeGivenUpWhileProcessing: stats.acmeGivenUp,
      acmeCertificatesReceived: acmeCerts.length,
      trackingOrdersPlaced: trackingOrders.length,
      trackingOrdersIssued: stats.trackingIssued,
      trackingReissuesAnswered: stats.trackingReissues,
      trackingCertificatesReceived: trackingCerts.length,
      trackingGivenUpWhilePending: stats.trackingGivenUp,
      requestErrors: stats.requestErrors,
      serverErrors: stats.serverErrors.length,
      loadSeconds: Math.round((Date.now() - started) / 1000),
    });
    if (stats.serverErrors.length) figures('5xx answers during the load', { first: stats.serverErrors.slice(0, 10) });

    // --- Recovery: wait out the lease, then read every order (a read may take a stale order up again).
    await sleep(LEASE_SECONDS * 1000 + 500);
    const finalStatus = new Map<string, string>();
    const recoveryDeadline = Date.now() + 10_000;
    let stillProcessing: AcmeOrderSeen[] = acmeOrders;
    for (;;) {
      const next: AcmeOrderSeen[] = [];
      for (const o of stillProcessing) {
        const r: AcmeReply = await acmeGet(o.client, o.url);
        const status = r.status === 200 ? String(r.body.status) : `http ${r.status}`;
        finalStatus.set(o.url, status);
        if (status === 'processing') next.push(o);
      }
      stillProcessing = next;
      if (!next.length || Date.now() > recoveryDeadline) break;
      await sleep(300);
    }

    const trackingFinal = [];
    for (const t of trackingOrders) {
      const view = await trackView(server!.baseUrl, t.caReference);
      const ledger = withLedger(dataDir, (l) => l.trackingCerts(t.orderNumber));
      trackingFinal.push({ t, view, ledger });
    }
    const pendingIssuance = trackingFinal.filter((x) => x.view.status === 'pending_issuance').map((x) => x.t.orderNumber);
    const certButNotIssued = trackingFinal
      .filter((x) => x.view.status !== 'issued' && (x.ledger ?? []).length > 0)
      .map((x) => ({ order: x.t.orderNumber, status: x.view.status, certificates: x.ledger!.length }));
    const severalLive = trackingFinal
      .map((x) => ({ order: x.t.orderNumber, live: (x.ledger ?? []).filter((c) => !c.revoked).length, issued: (x.ledger ?? []).length }))
      .filter((x) => x.live > 1);

    // --- Every certificate received is still served as it was.
    const acmeMismatch: string[] = [];
    for (const got of acmeCerts) {
      const r = await acmeGet(got.client, got.certUrl);
      if (r.status !== 200) acmeMismatch.push(`${got.certUrl}: ${r.status} ${r.text.slice(0, 120)}`);
      else if (r.text !== got.pem) acmeMismatch.push(`${got.certUrl}: different bytes`);
    }
    const crl = new Set((await crlSerials(server!.baseUrl)).map(normSerial));
    const trackingMismatch: string[] = [];
    const current = new Map<string, string>();
    for (const ref of new Set(trackingCerts.map((x) => x.caReference))) {
      const d = await trackingPem(server!.baseUrl, ref);
      if (d.status === 200) current.set(ref, d.pem);
    }
    for (const got of trackingCerts) {
      const serial = normSerial(serialOf(got.pem));
      const now = current.get(got.caReference);
      if (now === undefined) trackingMismatch.push(`${got.orderNumber} (${serial}): no certificate served any more`);
      else if (now === got.pem) continue;
      else if (normSerial(serialOf(now)) === serial) trackingMismatch.push(`${got.orderNumber} (${serial}): different bytes`);
      else if (!crl.has(serial)) trackingMismatch.push(`${got.orderNumber} (${serial}): replaced, but not on the CRL`);
    }

    // --- Counters: certificatesIssued = orders of the subscription that became valid = certificates in the store.
    const counters = [];
    for (const s of subs) {
      const usage = await subscriptionUsage(server!.baseUrl, ADMIN_TOKEN, s.subscriptionId);
      const validOrders = acmeOrders.filter((o) => o.subscription === s.subscriptionId && finalStatus.get(o.url) === 'valid').length;
      const stored = withLedger(dataDir, (l) => l.subscriptionCerts(s.subscriptionId).length);
      counters.push({ subscription: s.subscriptionId, certificatesIssued: usage.certificatesIssued, validOrders, certificatesInStore: stored });
    }

    // --- The store itself, with the server stopped.
    await server!.stop();
    const integrity = integrityCheck(dataDir);

    const statusCounts: Record<string, number> = {};
    for (const s of finalStatus.values()) statusCounts[s] = (statusCounts[s] ?? 0) + 1;
    const result = {
      integrity,
      acmeOrderStatuses: statusCounts,
      acmeStillProcessing: stillProcessing.map((o) => o.url.split('/').pop()),
      acmeCertificatesChecked: acmeCerts.length,
      acmeMismatch,
      trackingCertificatesChecked: trackingCerts.length,
      trackingMismatch,
      trackingPendingIssuance: pendingIssuance,
      trackingCertificateButNotIssued: certButNotIssued,
      trackingOrdersWithSeveralLiveCertificates: severalLive,
      counters,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    figures('crash result', result);
    const why = JSON.stringify(result);

    expect(integrity, why).toBe('ok');
    expect(acmeMismatch, `ACME certificates received but no longer served as received: ${why}`).toEqual([]);
    expect(trackingMismatch, `tracking certificates received but no longer served (nor revoked): ${why}`).toEqual([]);
    expect(result.acmeStillProcessing, `ACME orders still processing ${LEASE_SECONDS}s+ after the last restart: ${why}`).toEqual([]);
    expect(pendingIssuance, `tracking orders still pending_issuance: ${why}`).toEqual([]);
    expect(certButNotIssued, `tracking orders holding a certificate they never moved on with: ${why}`).toEqual([]);
    expect(severalLive, `tracking orders with more than one live certificate: ${why}`).toEqual([]);
    for (const c of counters) {
      expect(c.certificatesIssued, `certificatesIssued vs ACME orders that became valid: ${why}`).toBe(c.validOrders);
      if (c.certificatesInStore !== undefined) expect(c.certificatesIssued, `certificatesIssued vs certificates in the store: ${why}`).toBe(c.certificatesInStore);
    }
    // The load really ran: something was issued, and kills happened during it.
    expect(stats.kills).toBe(KILLS);
    expect(acmeCerts.length + trackingCerts.length, why).toBeGreaterThan(0);
    passed = true;
  }, 240_000);
});
