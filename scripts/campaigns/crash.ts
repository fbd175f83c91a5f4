/**
 * Crash campaign (issue 9, "Crash campaign"): `npm run crash-campaign` (node --import tsx scripts/campaigns/crash.ts).
 *
 * The real server (child process, test/support/ra.ts spawnServer) on one data directory and one port is
 * SIGKILLed CRASH_KILLS times (50) under mixed load, and started again each time on the same data
 * directory. The load, across every restart:
 *   - ACME workers: full flows (newOrder, http-01, finalize, poll, download) on two subscriptions;
 *   - an ACME registration worker: newAccount with EAB for new keys (a third subscription);
 *   - tracking workers (REST): DV orders with a CSR, validate, download, reissue twice with a CSR;
 *   - a REST order worker: DV orders with AutoCSR (key pair, archive), only placed;
 *   - a REST account worker: new customer accounts (argon2id), each logged in once.
 * Kills land CRASH_UP_MIN_MS–CRASH_UP_MAX_MS (1000–3000) ms after a restart, then a few ms into an issuance request (ACME finalize, tracking
 * validate/reissue, in turn) or into a write (account creation, order placement, newAccount).
 *
 * Afterwards (EABGATE_ISSUANCE_LEASE_SECONDS=1, so recovery is due at once):
 *   - `PRAGMA integrity_check` is ok (server stopped);
 *   - nothing acknowledged is lost: every certificate a client received is still downloadable and identical
 *     (a tracking certificate replaced by a later reissue must instead be on the CRL); every order answered
 *     201 is still found (tracking by its CA Reference, ACME by its URL); every account answered 201 still
 *     logs in (REST: a session; ACME: its account URL answers with the account, status valid);
 *   - no order stuck: no ACME order `processing`, no tracking order `pending_issuance` (nor holding a
 *     certificate it never moved on with, nor more than one live certificate);
 *   - plan counters: each subscription's certificatesIssued = its ACME orders that became valid = the
 *     certificates the store holds under it.
 * Prints the figures; exit code 1 on any failed check, 2 when the campaign itself could not run.
 * Knobs: CRASH_KILLS (50), CRASH_SEED (random, printed), CRASH_MAX_SECONDS (900: past it no more kills),
 * CRASH_UP_MIN_MS and CRASH_UP_MAX_MS (1000, 3000).
 * Loopback only; the data directory is kept (path printed) when a check fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../../src/core/x509.js';
import { freePort } from '../../test/support/server.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { AcmeTestClient, answer, csrFor, provision, PASSWORD, type AcmeReply, type Provisioned } from '../../test/support/acme.js';
import {
  acmeGet,
  integrityCheck,
  killSpawnedServers,
  normSerial,
  pemCsr,
  placeDv,
  prng,
  reissueRef,
  rest,
  spawnServer,
  subscriptionUsage,
  trackView,
  trackingPem,
  validateRef,
  withLedger,
  type KillableServer,
  type Reply,
  type TrackingView,
} from '../../test/support/ra.js';
import { envInt, rssMb, sleep, Tally, truncate } from './lib.js';

const ADMIN_TOKEN = 'admin-token-for-crash-campaign-0123456';
const KILLS = envInt('CRASH_KILLS', 50);
const SEED = envInt('CRASH_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const MAX_SECONDS = envInt('CRASH_MAX_SECONDS', 900);
const LEASE_SECONDS = 1;
/** How long the server runs after a restart before the next kill is aimed (random in between). */
const UP_MIN_MS = envInt('CRASH_UP_MIN_MS', 1000);
const UP_MAX_MS = Math.max(UP_MIN_MS, envInt('CRASH_UP_MAX_MS', 3000));
const ACME_WORKERS = 3;
const TRACKING_WORKERS = 2;
/** Polls of a processing / pending_issuance order before a worker moves on (the end checks it again). */
const GIVE_UP_POLLS = 12;

const rand = prng(SEED);
let dns: TestDnsServer;
let http: Http01Responder;
let server: KillableServer;
let stopping = false;

// ---------------------------------------------------------------------------------------------------------
// Up or down: workers wait for the server when a request fails.

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
// What the clients were told (acknowledged) and received

interface AcmeOrderSeen {
  url: string;
  name: string;
  subscription: string;
  client: AcmeTestClient;
  csr?: string;
  processingPolls: number;
}
interface AcmeCertReceived {
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
  autoCsr: boolean;
}
interface TrackingCertReceived {
  caReference: string;
  orderNumber: string;
  pem: string;
}

const acmeOrders: AcmeOrderSeen[] = [];
const acmeCerts: AcmeCertReceived[] = [];
const acmeAccounts: { url: string; client: AcmeTestClient }[] = [];
const trackingOrders: TrackingOrderSeen[] = [];
const trackingCerts: TrackingCertReceived[] = [];
const restAccounts: { email: string; loggedIn: boolean }[] = [];
const stats = {
  kills: 0,
  killsInto: new Tally(),
  acmeFlowsCompleted: 0,
  acmeFlowsInvalid: 0,
  acmeGivenUp: 0,
  trackingIssued: 0,
  trackingReissues: 0,
  trackingGivenUp: 0,
  autoCsrOrders: 0,
  requestErrors: 0,
  errorSamples: [] as string[],
  serverErrors: [] as string[],
  restartMs: [] as number[],
  rss: [] as number[],
};

// ---------------------------------------------------------------------------------------------------------
// Requests in flight, so that kills can land inside them

type Kind = 'acme' | 'tracking' | 'write';
const inflight: Record<Kind, number> = { acme: 0, tracking: 0, write: 0 };
let listeners: { kind?: Kind; f: () => void }[] = [];

async function during<T>(kind: Kind, request: () => Promise<T>): Promise<T> {
  inflight[kind]++;
  listeners = listeners.filter((l) => (l.kind && l.kind !== kind ? true : (l.f(), false)));
  try {
    return await request();
  } finally {
    inflight[kind]--;
  }
}

function soon(ms: number, kind?: Kind): Promise<boolean> {
  if (kind ? inflight[kind] > 0 : inflight.acme + inflight.tracking + inflight.write > 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const l = {
      kind,
      f: () => {
        clearTimeout(t);
        resolve(true);
      },
    };
    const t = setTimeout(() => {
      listeners = listeners.filter((x) => x !== l);
      resolve(false);
    }, ms);
    listeners.push(l);
  });
}

function note5xx(where: string, r: { status: number; text: string }): void {
  if (r.status >= 500) stats.serverErrors.push(`${where}: ${r.status} ${truncate(r.text, 200)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Workers (one step per call; a failed request means the server went away: wait for it and go on)

async function acmeStep(w: number, c: AcmeTestClient, subscription: string, state: { cur?: AcmeOrderSeen; n: number }): Promise<void> {
  if (!state.cur) {
    const name = `w${w}-f${state.n++}.crash.campaign.example`;
    dns.set(name, 'A', ['127.0.0.1']);
    const created = await during('write', () => c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] }));
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
        const ch = (a.body.challenges as { type: string; token: string; url: string }[]).find((x) => x.type === 'http-01')!;
        await answer(c, { dns, http }, cur.name, ch);
        note5xx('challenge', await c.post(ch.url, {}));
      }
      return;
    case 'ready': {
      cur.csr ??= (await csrFor([cur.name])).csr;
      const csr = cur.csr;
      note5xx('finalize', await during('acme', () => c.post(o.body.finalize as string, { csr })));
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
      acmeCerts.push({ certUrl, pem: cert.text, client: c });
      stats.acmeFlowsCompleted++;
      state.cur = undefined;
      return;
    }
    default:
      stats.acmeFlowsInvalid++;
      state.cur = undefined;
  }
}

async function acmeAccountStep(client: AcmeTestClient, sub: Provisioned): Promise<void> {
  const c = await client.sibling();
  const r = await during('write', () => c.register(sub));
  note5xx('newAccount', r);
  if (r.status === 201 && c.kid) acmeAccounts.push({ url: c.kid, client: c });
  await sleep(150);
}

async function trackingStep(w: number, token: string, state: { cur?: TrackingOrderSeen; n: number }): Promise<void> {
  const base = server.baseUrl;
  if (!state.cur) {
    const name = `t${w}-o${state.n++}.crash.campaign.example`;
    dns.set(name, 'A', ['127.0.0.1']);
    const csr = await pemCsr([name]);
    const placed = await during('write', () => placeDv(base, token, name, csr));
    state.cur = { caReference: placed.caReference, orderNumber: placed.orderNumber, name, reissues: 0, pendingPolls: 0, autoCsr: false };
    trackingOrders.push(state.cur);
    return;
  }
  const cur = state.cur;
  const view = await trackView(base, cur.caReference);
  switch (view.status) {
    case 'pending_validation':
      for (const v of view.validation) dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
      note5xx('validate', await during('tracking', () => validateRef(base, cur.caReference)));
      return;
    case 'issued': {
      const serial = normSerial(view.certificate!.serial);
      if (serial !== cur.lastSerialDownloaded) {
        const d = await trackingPem(base, cur.caReference);
        note5xx('tracking certificate', { status: d.status, text: d.pem });
        if (d.status !== 200) return;
        trackingCerts.push({ caReference: cur.caReference, orderNumber: cur.orderNumber, pem: d.pem });
        if (cur.lastSerialDownloaded === undefined) stats.trackingIssued++;
        cur.lastSerialDownloaded = serial;
        return;
      }
      if (cur.reissues < 2) {
        cur.reissues++;
        const csr = await pemCsr([cur.name]);
        const r: Reply = await during('tracking', () => reissueRef(base, cur.caReference, csr));
        note5xx('reissue', r);
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

/** AutoCSR orders: placed only (the key pair and archive are the expensive, crash-worthy part). */
async function autoCsrStep(token: string, state: { n: number }): Promise<void> {
  const name = `auto-o${state.n++}.crash.campaign.example`;
  const r = await during('write', () => rest(server.baseUrl, 'POST', '/api/v1/orders', { token, json: { product: 'dv', domains: [name], addWwwVariant: false } }));
  note5xx('AutoCSR order', r);
  if (r.status === 201) {
    stats.autoCsrOrders++;
    trackingOrders.push({ caReference: String(r.body.caReference), orderNumber: String(r.body.orderNumber), name, reissues: 2, pendingPolls: 0, autoCsr: true });
  }
  await sleep(200);
}

async function accountStep(state: { n: number }): Promise<void> {
  const email = `acct${state.n++}-${SEED}@crash.campaign.example`;
  const r = await during('write', () => rest(server.baseUrl, 'POST', '/api/v1/accounts', { json: { email, password: PASSWORD } }));
  note5xx('account', r);
  if (r.status !== 201) return;
  const a = { email, loggedIn: false };
  restAccounts.push(a);
  const s = await rest(server.baseUrl, 'POST', '/api/v1/sessions', { json: { email, password: PASSWORD } });
  note5xx('session', s);
  a.loggedIn = s.status === 201;
  await sleep(100);
}

async function worker(step: () => Promise<void>): Promise<void> {
  while (!stopping) {
    try {
      await gate.wait();
      await step();
    } catch (err) {
      stats.requestErrors++;
      if (stats.errorSamples.length < 5) stats.errorSamples.push(truncate(String(err), 160));
      await sleep(30);
      await gate.wait();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

async function crlSerials(baseUrl: string): Promise<Set<string>> {
  const der = new Uint8Array(await (await fetch(`${baseUrl}/ca/crl`)).arrayBuffer());
  const crl = new x509.X509Crl(der);
  return new Set(crl.entries.map((e) => normSerial(e.serialNumber)));
}

const serialOfPem = (pem: string) => normSerial(new x509.X509Certificate(pem.split(/(?=-----BEGIN CERTIFICATE-----)/)[0]!).serialNumber);

async function main(): Promise<number> {
  const started = Date.now();
  dns = await TestDnsServer.start();
  http = await Http01Responder.start();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-crash-campaign-'));
  const env = {
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(http.port),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_ISSUANCE_LEASE_SECONDS: String(LEASE_SECONDS),
  };
  let passed = false;
  try {
    server = await spawnServer({ port, dataDir, env });
    const base = server.baseUrl;
    const fetcher = (u: string, i?: RequestInit) => fetch(u, i);
    const subs: Provisioned[] = [
      await provision(fetcher, base, ADMIN_TOKEN, 'crash-a@example.com', 'business'),
      await provision(fetcher, base, ADMIN_TOKEN, 'crash-b@example.com', 'business'),
    ];
    const registrations = await provision(fetcher, base, ADMIN_TOKEN, 'crash-accounts@example.com', 'business');
    const clients: { c: AcmeTestClient; sub: Provisioned }[] = [];
    for (let i = 0; i < ACME_WORKERS; i++) {
      const sub = subs[i % subs.length]!;
      const c = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
      const r = await c.register(sub);
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
      clients.push({ c, sub });
    }
    console.log(`[crash] setup: ${JSON.stringify({ seed: SEED, kills: KILLS, maxSeconds: MAX_SECONDS, upMs: [UP_MIN_MS, UP_MAX_MS], dataDir, port, leaseSeconds: LEASE_SECONDS })}`);

    const workers = [
      ...clients.map(({ c, sub }, i) => {
        const state: { cur?: AcmeOrderSeen; n: number } = { n: 0 };
        return worker(() => acmeStep(i, c, sub.subscriptionId, state));
      }),
      worker(() => acmeAccountStep(clients[0]!.c, registrations)),
      ...Array.from({ length: TRACKING_WORKERS }, (_, i) => {
        const state: { cur?: TrackingOrderSeen; n: number } = { n: 0 };
        return worker(() => trackingStep(i, subs[0]!.customerToken, state));
      }),
      (() => {
        const state = { n: 0 };
        return worker(() => autoCsrStep(subs[1]!.customerToken, state));
      })(),
      (() => {
        const state = { n: 0 };
        return worker(() => accountStep(state));
      })(),
    ];

    const kinds: Kind[] = ['acme', 'tracking', 'write'];
    try {
      for (let k = 0; k < KILLS; k++) {
        if (Date.now() - started > MAX_SECONDS * 1000) {
          console.log(`[crash] time budget (${MAX_SECONDS} s) spent after ${k} kills`);
          break;
        }
        await sleep(Math.round(UP_MIN_MS + rand() * (UP_MAX_MS - UP_MIN_MS)));
        const kind = kinds[k % kinds.length]!;
        if ((await soon(500, kind)) || (await soon(200))) await sleep(Math.floor(rand() * 30));
        for (const x of kinds) if (inflight[x] > 0) stats.killsInto.add(x);
        if (!kinds.some((x) => inflight[x] > 0)) stats.killsInto.add('idle');
        stats.rss.push(rssMb(server.proc.pid));
        gate.close();
        await server.kill();
        stats.kills++;
        const t0 = Date.now();
        server = await spawnServer({ port, dataDir, env, startTimeoutMs: 60_000 });
        stats.restartMs.push(Date.now() - t0);
        gate.open();
        if (stats.kills % 10 === 0) {
          console.log(`[crash] … ${stats.kills} kills, ${Math.round((Date.now() - started) / 1000)} s, ACME certificates ${acmeCerts.length}, tracking certificates ${trackingCerts.length}, orders ${acmeOrders.length + trackingOrders.length}, accounts ${restAccounts.length + acmeAccounts.length}`);
        }
      }
    } finally {
      stopping = true;
      gate.open();
      await Promise.all(workers);
    }
    const restarts = [...stats.restartMs].sort((a, b) => a - b);
    console.log(
      `[crash] load: ${JSON.stringify({
        kills: stats.kills,
        killsLandingDuring: stats.killsInto.obj(),
        restartMsMedian: restarts[Math.floor(restarts.length / 2)],
        restartMsMax: restarts[restarts.length - 1],
        acmeOrdersAcknowledged: acmeOrders.length,
        acmeFlowsCompleted: stats.acmeFlowsCompleted,
        acmeFlowsInvalid: stats.acmeFlowsInvalid,
        acmeGivenUpWhileProcessing: stats.acmeGivenUp,
        acmeCertificatesReceived: acmeCerts.length,
        acmeAccountsAcknowledged: acmeAccounts.length,
        trackingOrdersAcknowledged: trackingOrders.length,
        autoCsrOrdersAcknowledged: stats.autoCsrOrders,
        trackingOrdersIssued: stats.trackingIssued,
        trackingReissuesAnswered: stats.trackingReissues,
        trackingCertificatesReceived: trackingCerts.length,
        trackingGivenUpWhilePending: stats.trackingGivenUp,
        restAccountsAcknowledged: restAccounts.length,
        requestErrors: stats.requestErrors,
        requestErrorSamples: stats.errorSamples,
        serverErrors5xx: stats.serverErrors.length,
        rssMbBeforeKillsMax: Math.max(...stats.rss.filter((x) => !Number.isNaN(x))),
        loadSeconds: Math.round((Date.now() - started) / 1000),
      })}`,
    );
    if (stats.serverErrors.length) console.log(`[crash] 5xx answers during the load (first 10): ${JSON.stringify(stats.serverErrors.slice(0, 10))}`);

    // --- Recovery: wait out the lease, then read every ACME order until none is processing (or 15 s).
    await sleep(LEASE_SECONDS * 1000 + 500);
    const finalAcme = new Map<string, string>();
    let still: AcmeOrderSeen[] = acmeOrders;
    const acmeDeadline = Date.now() + 15_000;
    for (;;) {
      const next: AcmeOrderSeen[] = [];
      for (const o of still) {
        const r: AcmeReply = await acmeGet(o.client, o.url);
        const status = r.status === 200 ? String(r.body.status) : `http ${r.status}`;
        finalAcme.set(o.url, status);
        if (status === 'processing') next.push(o);
      }
      still = next;
      if (!next.length || Date.now() > acmeDeadline) break;
      await sleep(300);
    }
    const acmeOrdersLost = [...finalAcme.entries()].filter(([, s]) => s.startsWith('http ')).map(([u, s]) => `${u}: ${s}`);

    // Tracking: every acknowledged order found by its CA Reference; none left pending_issuance (re-read for 15 s).
    const trackingFinal = new Map<string, TrackingView | string>();
    let pendingT = trackingOrders;
    const trackingDeadline = Date.now() + 15_000;
    for (;;) {
      const next: TrackingOrderSeen[] = [];
      for (const t of pendingT) {
        const r = await rest(server.baseUrl, 'POST', '/api/v1/tracking', { json: { caReference: t.caReference } });
        trackingFinal.set(t.caReference, r.status === 200 ? (r.body as unknown as TrackingView) : `http ${r.status} ${truncate(r.text, 120)}`);
        if (r.status === 200 && (r.body as unknown as TrackingView).status === 'pending_issuance') next.push(t);
      }
      pendingT = next;
      if (!next.length || Date.now() > trackingDeadline) break;
      await sleep(300);
    }
    const trackingOrdersLost: string[] = [];
    const trackingStatuses = new Tally();
    const certButNotIssued: string[] = [];
    const severalLive: string[] = [];
    for (const t of trackingOrders) {
      const v = trackingFinal.get(t.caReference)!;
      if (typeof v === 'string') {
        trackingOrdersLost.push(`${t.orderNumber}: ${v}`);
        continue;
      }
      trackingStatuses.add(`${t.autoCsr ? 'autocsr ' : ''}${v.status}`);
      const ledger = withLedger(dataDir, (l) => l.trackingCerts(t.orderNumber)) ?? [];
      if (v.status !== 'issued' && ledger.length > 0) certButNotIssued.push(`${t.orderNumber} (${v.status}, ${ledger.length} certificates)`);
      const live = ledger.filter((c) => !c.revoked).length;
      if (live > 1) severalLive.push(`${t.orderNumber}: ${live} live`);
    }

    // Every certificate received is still served as received.
    const acmeCertMismatch: string[] = [];
    for (const got of acmeCerts) {
      const r = await acmeGet(got.client, got.certUrl);
      if (r.status !== 200) acmeCertMismatch.push(`${got.certUrl}: ${r.status} ${truncate(r.text, 120)}`);
      else if (r.text !== got.pem) acmeCertMismatch.push(`${got.certUrl}: different bytes`);
    }
    const crl = await crlSerials(server.baseUrl);
    const current = new Map<string, string>();
    for (const ref of new Set(trackingCerts.map((x) => x.caReference))) {
      const d = await trackingPem(server.baseUrl, ref);
      if (d.status === 200) current.set(ref, d.pem);
    }
    const trackingCertMismatch: string[] = [];
    let replacedOnCrl = 0;
    for (const got of trackingCerts) {
      const serial = serialOfPem(got.pem);
      const now = current.get(got.caReference);
      if (now === undefined) trackingCertMismatch.push(`${got.orderNumber} (${serial}): no certificate served any more`);
      else if (now === got.pem) continue;
      else if (serialOfPem(now) === serial) trackingCertMismatch.push(`${got.orderNumber} (${serial}): different bytes`);
      else if (!crl.has(serial)) trackingCertMismatch.push(`${got.orderNumber} (${serial}): replaced, but not on the CRL`);
      else replacedOnCrl++;
    }

    // Every account acknowledged still logs in.
    const restAccountsLost: string[] = [];
    for (const a of restAccounts) {
      const s = await rest(server.baseUrl, 'POST', '/api/v1/sessions', { json: { email: a.email, password: PASSWORD } });
      if (s.status !== 201) restAccountsLost.push(`${a.email}: ${s.status} ${truncate(s.text, 120)}`);
    }
    const acmeAccountsLost: string[] = [];
    for (const a of acmeAccounts) {
      const r = await acmeGet(a.client, a.url);
      if (r.status !== 200 || r.body.status !== 'valid') acmeAccountsLost.push(`${a.url}: ${r.status} ${truncate(r.text, 120)}`);
    }

    // Counters.
    const counters = [];
    const counterMismatch: string[] = [];
    for (const s of [...subs, registrations]) {
      const usage = await subscriptionUsage(server.baseUrl, ADMIN_TOKEN, s.subscriptionId);
      const validOrders = acmeOrders.filter((o) => o.subscription === s.subscriptionId && finalAcme.get(o.url) === 'valid').length;
      const stored = withLedger(dataDir, (l) => l.subscriptionCerts(s.subscriptionId).length);
      counters.push({ subscription: s.email, certificatesIssued: usage.certificatesIssued, validOrders, certificatesInStore: stored });
      if (usage.certificatesIssued !== validOrders || (stored !== undefined && stored !== usage.certificatesIssued)) {
        counterMismatch.push(`${s.email}: certificatesIssued ${usage.certificatesIssued}, valid orders ${validOrders}, certificates in store ${stored}`);
      }
    }
    const rssEnd = rssMb(server.proc.pid);

    await server.stop();
    const integrity = integrityCheck(dataDir);

    const result = {
      integrity,
      acmeOrderStatuses: new Tally(),
      acmeStillProcessing: still.map((o) => o.url.split('/').pop()),
      acmeOrdersLost,
      acmeCertificatesChecked: acmeCerts.length,
      acmeCertMismatch,
      acmeAccountsChecked: acmeAccounts.length,
      acmeAccountsLost,
      trackingOrdersChecked: trackingOrders.length,
      trackingStatuses: trackingStatuses.obj(),
      trackingOrdersLost,
      trackingPendingIssuance: pendingT.map((t) => t.orderNumber),
      trackingCertificatesChecked: trackingCerts.length,
      trackingCertificatesReplacedAndOnCrl: replacedOnCrl,
      trackingCertMismatch,
      trackingCertificateButNotIssued: certButNotIssued,
      trackingOrdersWithSeveralLiveCertificates: severalLive,
      restAccountsChecked: restAccounts.length,
      restAccountsLost,
      counters,
      counterMismatch,
      rssMbEnd: rssEnd,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    for (const s of finalAcme.values()) result.acmeOrderStatuses.add(s);
    console.log(`[crash] result: ${JSON.stringify({ ...result, acmeOrderStatuses: result.acmeOrderStatuses.obj() })}`);

    const failures: string[] = [];
    if (integrity !== 'ok') failures.push(`integrity_check: ${integrity}`);
    if (stats.kills < KILLS) failures.push(`only ${stats.kills} of ${KILLS} kills within the time budget`);
    if (acmeOrdersLost.length) failures.push(`ACME orders acknowledged but not found: ${acmeOrdersLost.length}`);
    if (acmeCertMismatch.length) failures.push(`ACME certificates not served as received: ${acmeCertMismatch.length}`);
    if (acmeAccountsLost.length) failures.push(`ACME accounts acknowledged but gone: ${acmeAccountsLost.length}`);
    if (still.length) failures.push(`ACME orders still processing after the recovery time: ${still.length}`);
    if (trackingOrdersLost.length) failures.push(`tracking orders acknowledged but not found by CA Reference: ${trackingOrdersLost.length}`);
    if (pendingT.length) failures.push(`tracking orders still pending_issuance: ${pendingT.length}`);
    if (trackingCertMismatch.length) failures.push(`tracking certificates not served as received (nor revoked): ${trackingCertMismatch.length}`);
    if (certButNotIssued.length) failures.push(`tracking orders holding a certificate they never moved on with: ${certButNotIssued.length}`);
    if (severalLive.length) failures.push(`tracking orders with more than one live certificate: ${severalLive.length}`);
    if (restAccountsLost.length) failures.push(`REST accounts acknowledged that no longer log in: ${restAccountsLost.length}`);
    if (counterMismatch.length) failures.push(`plan counters: ${counterMismatch.join('; ')}`);
    if (acmeCerts.length + trackingCerts.length === 0) failures.push('nothing was issued: the load did not run');
    passed = failures.length === 0;
    console.log(passed ? `[crash] PASS: ${stats.kills} SIGKILLs, every check held` : `[crash] FAIL:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    return passed ? 0 : 1;
  } catch (err) {
    console.error('[crash] campaign error:', err);
    if (server) console.error(server.output().slice(-3000));
    return 2;
  } finally {
    stopping = true;
    gate.open();
    await killSpawnedServers();
    await dns?.stop();
    await http?.stop();
    if (passed) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`[crash] data directory kept: ${dataDir}`);
  }
}

process.exitCode = await main();
