/**
 * The lean ACME client of the benchmark: the same code drives eabgate and Pebble. Keys, thumbprints and
 * CSRs are made before timing; each request takes the next nonce from the previous response; one
 * keep-alive connection pool (undici) per server; short poll intervals where the server answers later.
 *
 * One flow = [newAccount (ES256, EAB HS256), unless an account is reused] → newOrder (one name) → authorization → http-01 challenge
 * (answered by the loopback responder) → finalize → certificate download.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { x509 } from '../../src/core/x509.js';
import { toBase64Url, utf8 } from '../../src/core/encoding.js';

/**
 * The subscription the benches order under: the enterprise preset with the largest certificate allowance a
 * plan may have (src/caas/plans.ts), since the preset's 10,000 ran out under a long warm-up and made every
 * later flow fail with "maxCertificates".
 */
export const BENCH_PLAN = { preset: 'enterprise', maxCertificates: 1_000_000 } as const;

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
}

export interface Target {
  name: string;
  directoryUrl: string;
  dir: Directory;
  agent: Agent;
  eabKid: string;
  eabKey: CryptoKey;
  /** Publishes a key authorization for a token (the loopback http-01 responder). */
  publish(token: string, keyAuthorization: string): void;
  pollMs: number;
}

export interface Prepared {
  keys: CryptoKeyPair;
  jwk: Record<string, string>;
  thumbprint: string;
  name: string;
  csr: string;
}

/** An account made by `Session.account`: its key (a prepared flow's) and its URL. */
export interface Account {
  key: Prepared;
  kid: string;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const b64json = (v: unknown) => toBase64Url(utf8.encode(JSON.stringify(v)));
const header = (r: Reply, name: string) => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export async function prepare(names: string[]): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (const name of names) {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const full = await exportJWK(keys.publicKey);
    const jwk = { crv: full.crv!, kty: full.kty!, x: full.x!, y: full.y! };
    const csrKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: [name] }],
      keys: csrKeys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }])],
    });
    out.push({ keys, jwk, thumbprint: await calculateJwkThumbprint(jwk, 'sha256'), name, csr: toBase64Url(new Uint8Array(csr.rawData)) });
  }
  return out;
}

export async function hmacKey(keyText: string): Promise<CryptoKey> {
  const raw = Uint8Array.from(atob(keyText.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (keyText.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

export async function openTarget(
  name: string,
  directoryUrl: string,
  agent: Agent,
  eab: { kid: string; hmacKey: string },
  publish: Target['publish'],
  pollMs = 10,
): Promise<Target> {
  const r = await request(directoryUrl, { dispatcher: agent });
  const dir = (await r.body.json()) as Directory;
  return { name, directoryUrl, dir, agent, eabKid: eab.kid, eabKey: await hmacKey(eab.hmacKey), publish, pollMs };
}

/** One chain of requests: carries the nonce from each response to the next request. */
export class Session {
  private nonce: string | undefined;

  constructor(
    private readonly t: Target,
    private readonly signal: AbortSignal,
  ) {}

  private async send(url: string, method: 'GET' | 'HEAD' | 'POST', body?: string): Promise<Reply> {
    const r = await request(url, {
      method,
      dispatcher: this.t.agent,
      signal: this.signal,
      headers: body === undefined ? {} : { 'content-type': 'application/jose+json' },
      body,
    });
    const text = await r.body.text();
    const reply = { status: r.statusCode, headers: r.headers, body: text };
    const n = header(reply, 'replay-nonce');
    if (n) this.nonce = n;
    return reply;
  }

  private async nextNonce(): Promise<string> {
    // GET, not HEAD (RFC 8555 §7.2 allows both): undici closes the connection after every HEAD request
    // (client-h1.js, "close after a HEAD request to interop with misbehaving servers"), which would cost both
    // servers a TLS handshake per flow that keep-alive clients (certbot's requests, lego, acme-client's
    // agent) do not make.
    if (!this.nonce) await this.send(this.t.dir.newNonce, 'GET');
    const n = this.nonce!;
    this.nonce = undefined;
    return n;
  }

  async post(p: Prepared, url: string, payload: unknown, opts: { jwk?: boolean; kid?: string } = {}): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const protectedHeader: Record<string, unknown> = { alg: 'ES256', nonce: await this.nextNonce(), url };
      if (opts.jwk) protectedHeader.jwk = p.jwk;
      else protectedHeader.kid = opts.kid;
      const prot = b64json(protectedHeader);
      const pay = payload === '' ? '' : b64json(payload);
      const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, p.keys.privateKey, utf8.encode(`${prot}.${pay}`));
      const r = await this.send(url, 'POST', JSON.stringify({ protected: prot, payload: pay, signature: toBase64Url(new Uint8Array(sig)) }));
      if (r.status === 400 && attempt < 3 && r.body.includes('badNonce')) continue;
      if (r.status >= 400) throw new Error(`${this.t.name} ${url.replace(/^https?:\/\/[^/]+/, '')}: ${r.status} ${r.body.slice(0, 300)}`);
      return r;
    }
  }

  private async eab(url: string, p: Prepared): Promise<Record<string, string>> {
    const prot = b64json({ alg: 'HS256', kid: this.t.eabKid, url });
    const pay = b64json(p.jwk);
    const sig = await crypto.subtle.sign('HMAC', this.t.eabKey, utf8.encode(`${prot}.${pay}`));
    return { protected: prot, payload: pay, signature: toBase64Url(new Uint8Array(sig)) };
  }

  /** POST-as-GET of `url` every pollMs until `until` holds; throws when the resource became invalid. */
  async poll(p: Prepared, kid: string, url: string, until: (body: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const body = JSON.parse((await this.post(p, url, '', { kid })).body) as Record<string, unknown>;
      if (body.status === 'invalid') throw new Error(`${this.t.name}: ${url} is invalid: ${JSON.stringify(body).slice(0, 300)}`);
      if (until(body)) return body;
      await new Promise((r) => setTimeout(r, this.t.pollMs));
    }
  }

  /** A new account (ES256 key of `p`, EAB HS256); returns the account for later flows. */
  async account(p: Prepared): Promise<Account> {
    const t = this.t;
    const acct = await this.post(p, t.dir.newAccount, { termsOfServiceAgreed: true, externalAccountBinding: await this.eab(t.dir.newAccount, p) }, { jwk: true });
    return { key: p, kid: header(acct, 'location')! };
  }

  /**
   * The whole flow; returns the PEM chain. Without `reuse`, it starts with a new account on `p`'s key
   * (new account per flow); with it, the order is placed on that existing account (account reused).
   */
  async flow(p: Prepared, reuse?: Account): Promise<string> {
    const t = this.t;
    const { key: a, kid } = reuse ?? (await this.account(p));
    const created = await this.post(a, t.dir.newOrder, { identifiers: [{ type: 'dns', value: p.name }] }, { kid });
    const orderUrl = header(created, 'location')!;
    let order = JSON.parse(created.body) as { authorizations: string[]; finalize: string; status: string; certificate?: string };
    const authzUrl = order.authorizations[0]!;
    const authz = JSON.parse((await this.post(a, authzUrl, '', { kid })).body) as { challenges: { type: string; url: string; token: string }[] };
    const ch = authz.challenges.find((c) => c.type === 'http-01')!;
    t.publish(ch.token, `${ch.token}.${a.thumbprint}`);
    const answered = JSON.parse((await this.post(a, ch.url, {}, { kid })).body) as { status: string };
    if (answered.status !== 'valid') await this.poll(a, kid, authzUrl, (b) => b.status === 'valid');
    const fin = JSON.parse((await this.post(a, order.finalize, { csr: p.csr }, { kid })).body) as typeof order;
    order = fin.status === 'valid' && fin.certificate ? fin : ((await this.poll(a, kid, orderUrl, (b) => b.status === 'valid' && !!b.certificate)) as typeof order);
    const cert = await this.post(a, order.certificate!, '', { kid });
    if (!cert.body.includes('BEGIN CERTIFICATE')) throw new Error(`${t.name}: no certificate in the download`);
    return cert.body;
  }
}

/** The q-quantile of `xs` (nearest rank); NaN when empty. */
export const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

export interface FlowRun {
  latencies: number[];
  failed: number;
  firstError?: string;
  /** No flow completed for `stallS` seconds: the server stopped answering (Pebble 2.4 does under load). */
  stalled: boolean;
  wallS: number;
}

/**
 * Runs `prepared` through `concurrency` workers for at most `budgetS` seconds. With `accounts`, worker i
 * places all its orders on accounts[i] (account reused); otherwise each flow starts with a new account.
 * A server that completes no flow for `stallS` seconds is given up on; the run then counts up to its last
 * completed flow (the wait for the watchdog is no work).
 */
export async function runFlows(
  target: Target,
  prepared: Prepared[],
  concurrency: number,
  opts: { budgetS: number; stallS: number; accounts?: Account[] },
): Promise<FlowRun> {
  const abort = new AbortController();
  setMaxListeners(concurrency * 4, abort.signal);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stalled = false;
  let lastDone = performance.now();
  const started = performance.now();
  const watchdog = setInterval(() => {
    if (performance.now() - lastDone > opts.stallS * 1000) {
      stalled = true;
      abort.abort();
    }
  }, 250);
  const worker = async (i: number) => {
    const session = new Session(target, abort.signal);
    while (!abort.signal.aborted && next < prepared.length && performance.now() - started < opts.budgetS * 1000) {
      const p = prepared[next++]!;
      const t0 = performance.now();
      try {
        await session.flow(p, opts.accounts?.[i]);
        latencies.push(performance.now() - t0);
      } catch (err) {
        if (abort.signal.aborted) break;
        failed++;
        firstError ??= (err as Error).message;
      }
      lastDone = performance.now();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  clearInterval(watchdog);
  return { latencies, failed, firstError, stalled, wallS: ((stalled ? lastDone : performance.now()) - started) / 1000 };
}
