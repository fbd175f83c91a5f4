/**
 * Helpers for the issue-8 tests ("one winner per change, crash safety") against the real server:
 *  - a server child process that can be SIGKILLed and started again on the same port and data directory;
 *  - the REST calls of a tracking customer (place a DV order, track, validate, reissue, download);
 *  - a read-only look at the SQLite file (the ledger of certificates actually issued, integrity_check);
 *  - serial numbers normalised for comparison, and figures printed for the closing note.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { csrFor, type AcmeReply, type AcmeTestClient } from './acme.js';
import { serverArgs } from './server.js';

// ---------------------------------------------------------------------------------------------------------
// Figures

/** Prints one line of figures, prefixed so they are easy to grep out of the vitest output. */
export function figures(label: string, values: Record<string, unknown>): void {
  console.log(`[ra] ${label}: ${JSON.stringify(values)}`);
}

/** Serial numbers as openssl, the REST API and the store spell them differently: upper-case hex, no leading zeros. */
export function normSerial(s: string): string {
  return s.replace(/[^0-9a-fA-F]/g, '').toUpperCase().replace(/^0+(?=.)/, '');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32), so a failing crash run can be repeated with RA_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------
// A killable, restartable server

const children = new Set<ChildProcess>();

export interface KillableServer {
  port: number;
  baseUrl: string;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), and wait until the process is gone. */
  stop(): Promise<void>;
}

function exited(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
  });
}

/**
 * Starts the real server (the build, or the sources through tsx: see serverArgs) on 127.0.0.1:`port` with `dataDir`, and waits for /healthz.
 * Unlike startServer, the port is the caller's, so the same one (and so the same EABGATE_BASE_URL and
 * ACME URLs) serves again after a restart.
 */
export async function spawnServer(opts: { port: number; dataDir: string; env: Record<string, string>; startTimeoutMs?: number }): Promise<KillableServer> {
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  let out = '';
  const proc = spawn(process.execPath, serverArgs(), {
    env: {
      ...process.env,
      EABGATE_HOST: '127.0.0.1',
      EABGATE_PORT: String(opts.port),
      EABGATE_DATA_DIR: opts.dataDir,
      EABGATE_BASE_URL: baseUrl,
      EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited (${proc.exitCode ?? proc.signalCode}): ${out}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start on ${baseUrl}: ${out}`);
    }
    await sleep(40);
  }
  return {
    port: opts.port,
    baseUrl,
    dataDir: opts.dataDir,
    proc,
    output: () => out,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.kill('SIGTERM');
      await exited(proc);
      clearTimeout(t);
    },
  };
}

/** For afterAll: SIGKILL every server this module started that is still running (by its own handle). */
export async function killSpawnedServers(): Promise<void> {
  await Promise.all(
    [...children].map(async (p) => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await exited(p);
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// REST (tracking customer, admin)

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export async function rest(baseUrl: string, method: string, path: string, opts: { json?: unknown; token?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${baseUrl}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
  const text = await r.text();
  let body: Record<string, unknown> = {};
  if ((r.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
  }
  return { status: r.status, body, text };
}

export interface TrackingView {
  orderNumber: string;
  status: string;
  statusReason: string | null;
  domains: string[];
  validation: { domain: string; status: string; instructions: { http01?: { url: string; body: string }; dns01: { name: string; value: string } } }[];
  certificate: { serial: string; revoked: boolean } | null;
}

export interface PlacedDv {
  orderNumber: string;
  caReference: string;
  domains: string[];
}

/**
 * A DV order for `name` only (no www variant), placed by the customer behind `token`: AutoCSR, or with the
 * customer's own CSR (PEM) when one is given (much quicker to place: no key pair, no archive).
 */
export async function placeDv(baseUrl: string, token: string, name: string, csr?: string): Promise<PlacedDv> {
  const json = csr === undefined ? { product: 'dv', domains: [name], addWwwVariant: false } : { product: 'dv', domains: [name], csr };
  const r = await rest(baseUrl, 'POST', '/api/v1/orders', { token, json });
  if (r.status !== 201) throw new Error(`order ${name}: ${r.status} ${r.text}`);
  return { orderNumber: String(r.body.orderNumber), caReference: String(r.body.caReference), domains: r.body.domains as string[] };
}

export async function trackView(baseUrl: string, caReference: string): Promise<TrackingView> {
  const r = await rest(baseUrl, 'POST', '/api/v1/tracking', { json: { caReference } });
  if (r.status !== 200) throw new Error(`tracking: ${r.status} ${r.text}`);
  return r.body as unknown as TrackingView;
}

export const validateRef = (baseUrl: string, caReference: string) => rest(baseUrl, 'POST', '/api/v1/tracking/validate', { json: { caReference } });

export const reissueRef = (baseUrl: string, caReference: string, csr?: string) =>
  rest(baseUrl, 'POST', '/api/v1/tracking/reissue', { json: csr === undefined ? { caReference } : { caReference, csr } });

/** The leaf as PEM, or the reply when there is none (409 before issuance). */
export async function trackingPem(baseUrl: string, caReference: string): Promise<{ status: number; pem: string }> {
  const r = await fetch(`${baseUrl}/api/v1/tracking/certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ caReference, format: 'pem' }),
  });
  return { status: r.status, pem: await r.text() };
}

/** A P-256 CSR for `names` (CN = first) as PEM, made in-process (no openssl per request). */
export async function pemCsr(names: string[]): Promise<string> {
  const { csr } = await csrFor(names);
  const b64 = Buffer.from(csr, 'base64url').toString('base64');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

export async function subscriptionUsage(baseUrl: string, adminToken: string, id: string): Promise<{ certificatesIssued: number; maxCertificates: number }> {
  const r = await fetch(`${baseUrl}/api/v1/admin/subscriptions/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (r.status !== 200) throw new Error(`admin subscription ${id}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { usage: { certificatesIssued: number; maxCertificates: number } }).usage;
}

/**
 * POST-as-GET that survives a nonce from before a restart: a badNonce answer carries a fresh nonce, so the
 * request is simply sent again (a few times at most).
 */
export async function acmeGet(client: AcmeTestClient, url: string): Promise<AcmeReply> {
  let r = await client.get(url);
  for (let i = 0; i < 3 && r.status === 400 && String(r.body.type ?? '').endsWith(':badNonce'); i++) r = await client.get(url);
  return r;
}

/** The id at the end of an ACME order URL (…/acme/order/<id>). */
export const acmeOrderId = (orderUrl: string) => orderUrl.replace(/\/+$/, '').split('/').pop()!;

// ---------------------------------------------------------------------------------------------------------
// The ledger: what the store says was issued (read-only, never written)

export interface LedgerCert {
  serial: string;
  revoked: boolean;
}

export interface Ledger {
  /** Certificates issued for a tracking order, by its order number. */
  trackingCerts(orderNumber: string): LedgerCert[];
  /** Certificates issued for ACME orders, by order id. */
  acmeCerts(orderIds: string[]): (LedgerCert & { orderId: string })[];
  /** Certificates issued under a subscription's ACME accounts. */
  subscriptionCerts(subscriptionId: string): LedgerCert[];
  close(): void;
}

/**
 * Opens <dataDir>/eabgate.db read-only and reads the `certificates` table (today's schema). When the
 * schema is not the one expected (the RA rewrite may rename it), answers undefined and says so: the tests
 * then rely on what the API shows.
 */
export function openLedger(dataDir: string): Ledger | undefined {
  const file = join(dataDir, 'eabgate.db');
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const cols = (t: string) => (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
  const have = (t: string, ...c: string[]) => c.every((x) => cols(t).includes(x));
  if (!have('certificates', 'serial_hex', 'revoked_at', 'order_id', 'acme_order_id') || !have('orders', 'id', 'order_number') || !have('acme_orders', 'id', 'account_id') || !have('acme_accounts', 'id', 'subscription_id')) {
    console.warn('[ra] ledger: the store schema is not the one these helpers know; falling back to API checks only');
    db.close();
    return undefined;
  }
  const row = (r: { serial_hex: string; revoked_at: number | null }): LedgerCert => ({ serial: normSerial(r.serial_hex), revoked: r.revoked_at !== null });
  return {
    trackingCerts(orderNumber) {
      return (
        db
          .prepare('SELECT c.serial_hex, c.revoked_at FROM certificates c JOIN orders o ON o.id = c.order_id WHERE o.order_number = ? ORDER BY c.created_at')
          .all(orderNumber) as { serial_hex: string; revoked_at: number | null }[]
      ).map(row);
    },
    acmeCerts(orderIds) {
      if (!orderIds.length) return [];
      const rows = db
        .prepare(`SELECT serial_hex, revoked_at, acme_order_id FROM certificates WHERE acme_order_id IN (${orderIds.map(() => '?').join(',')})`)
        .all(...orderIds) as { serial_hex: string; revoked_at: number | null; acme_order_id: string }[];
      return rows.map((r) => ({ ...row(r), orderId: r.acme_order_id }));
    },
    subscriptionCerts(subscriptionId) {
      return (
        db
          .prepare(
            'SELECT c.serial_hex, c.revoked_at FROM certificates c JOIN acme_orders o ON o.id = c.acme_order_id JOIN acme_accounts a ON a.id = o.account_id WHERE a.subscription_id = ?',
          )
          .all(subscriptionId) as { serial_hex: string; revoked_at: number | null }[]
      ).map(row);
    },
    close: () => db.close(),
  };
}

/** Reads the ledger once and closes it; undefined when the schema is unknown. */
export function withLedger<T>(dataDir: string, f: (l: Ledger) => T): T | undefined {
  const l = openLedger(dataDir);
  if (!l) return undefined;
  try {
    return f(l);
  } finally {
    l.close();
  }
}

/** `PRAGMA integrity_check` on <dataDir>/eabgate.db, opened read-only (call it with the server stopped). */
export function integrityCheck(dataDir: string): string {
  const db = new Database(join(dataDir, 'eabgate.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}
