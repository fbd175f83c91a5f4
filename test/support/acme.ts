/**
 * A small, explicit ACME client for the server tests: jose keys and JWS, every header member under the
 * test's control (to build the refusal matrices), and the same code in-process (app.request) or over a
 * real socket (fetch). Plus provisioning of a customer, a subscription and its EAB credentials through
 * the REST and admin APIs, and the http-01 / dns-01 answers for the loopback responders.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import { x509 } from '../../src/core/x509.js';
import { fromBase64Url, toBase64Url, utf8 } from '../../src/core/encoding.js';
import type { Harness } from './harness.js';
import { sign, testKey, type TestKey } from '../acme/jws/support.js';
import type { TestDnsServer } from './dns-server.js';
import type { Http01Responder } from './http01-responder.js';

export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

export const appFetcher =
  (h: Harness): Fetcher =>
  async (url, init) =>
    h.app.request(url, init);

export const PASSWORD = 'correct horse battery staple';

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  renewalInfo: string;
  meta: Record<string, unknown>;
}

export interface Eab {
  kid: string;
  hmacKey: string;
}

export interface Provisioned extends Eab {
  subscriptionId: string;
  customerToken: string;
  email: string;
}

/** A customer account, a subscription on `plan` (admin API) and its EAB credentials (customer API). */
export async function provision(fetch: Fetcher, baseUrl: string, adminToken: string, email: string, plan: unknown = 'business'): Promise<Provisioned> {
  const json = (body: unknown, token?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const ok = async (what: string, r: Response, status: number) => {
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  };
  await ok('register', await fetch(`${baseUrl}/api/v1/accounts`, json({ email, password: PASSWORD })), 201);
  const session = await ok('login', await fetch(`${baseUrl}/api/v1/sessions`, json({ email, password: PASSWORD })), 201);
  const sub = await ok('subscribe', await fetch(`${baseUrl}/api/v1/admin/subscriptions`, json({ accountEmail: email, plan }, adminToken)), 201);
  const token = session.token as string;
  const creds = await ok('reveal', await fetch(`${baseUrl}/api/v1/subscriptions/${sub.id}/eab-credentials`, json(undefined, token)), 200);
  return { kid: creds.kid as string, hmacKey: creds.hmacKey as string, subscriptionId: sub.id as string, customerToken: token, email };
}

export async function adminPost(fetch: Fetcher, baseUrl: string, adminToken: string, path: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
}

export interface AcmeReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export interface PostOptions {
  /** Sign with this key instead of the client's. */
  key?: TestKey;
  /** Embed the key (`jwk`) instead of `kid`. */
  jwk?: boolean;
  /** Replace the `kid`. */
  kid?: string;
  /** Use this nonce (default: the last Replay-Nonce, or a fresh one). */
  nonce?: string;
  /** Members merged into the protected header last (undefined deletes one). */
  header?: Record<string, unknown>;
  contentType?: string;
  /** Send this body as is. */
  rawBody?: string;
}

export class AcmeTestClient {
  dir!: Directory;
  kid: string | undefined;
  private nonce: string | undefined;

  constructor(
    readonly fetch: Fetcher,
    readonly directoryUrl: string,
    public key: TestKey,
  ) {}

  static async open(fetch: Fetcher, directoryUrl: string, alg: Parameters<typeof testKey>[0] = 'ES256'): Promise<AcmeTestClient> {
    const client = new AcmeTestClient(fetch, directoryUrl, await testKey(alg));
    const r = await fetch(directoryUrl);
    if (r.status !== 200) throw new Error(`directory: ${r.status}`);
    client.dir = (await r.json()) as Directory;
    return client;
  }

  /** Another client on the same directory, with a new key and no account. */
  async sibling(alg: Parameters<typeof testKey>[0] = 'ES256'): Promise<AcmeTestClient> {
    const other = new AcmeTestClient(this.fetch, this.directoryUrl, await testKey(alg));
    other.dir = this.dir;
    return other;
  }

  async freshNonce(): Promise<string> {
    const r = await this.fetch(this.dir.newNonce, { method: 'HEAD' });
    const n = r.headers.get('replay-nonce');
    if (!n) throw new Error('newNonce gave no Replay-Nonce');
    return n;
  }

  async takeNonce(): Promise<string> {
    const n = this.nonce;
    this.nonce = undefined;
    return n ?? this.freshNonce();
  }

  async jws(url: string, payload: unknown, opts: PostOptions = {}): Promise<{ protected: string; payload: string; signature: string }> {
    const key = opts.key ?? this.key;
    const header: Record<string, unknown> = { alg: key.alg, nonce: opts.nonce ?? (await this.takeNonce()), url };
    if (opts.jwk || !(opts.kid ?? this.kid)) header.jwk = key.publicJwk;
    else header.kid = opts.kid ?? this.kid;
    for (const [k, v] of Object.entries(opts.header ?? {})) {
      if (v === undefined) delete header[k];
      else header[k] = v;
    }
    return sign(key.privateKey, header, payload);
  }

  async post(url: string, payload: unknown, opts: PostOptions = {}): Promise<AcmeReply> {
    const body = opts.rawBody ?? JSON.stringify(await this.jws(url, payload, opts));
    const r = await this.fetch(url, { method: 'POST', headers: { 'content-type': opts.contentType ?? 'application/jose+json' }, body });
    const n = r.headers.get('replay-nonce');
    if (n) this.nonce = n;
    const text = await r.text();
    let parsed: Record<string, unknown> = {};
    if ((r.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text) as Record<string, unknown>;
    return { status: r.status, headers: r.headers, body: parsed, text };
  }

  /** POST-as-GET. */
  get(url: string, opts: PostOptions = {}): Promise<AcmeReply> {
    return this.post(url, '', opts);
  }

  /** The EAB JWS of RFC 8555 §7.3.4, with every part overridable. */
  async eab(
    eab: Eab,
    opts: { alg?: string; url?: string; header?: Record<string, unknown>; payloadJwk?: JWK; hmacKey?: Uint8Array } = {},
  ): Promise<{ protected: string; payload: string; signature: string }> {
    const header: Record<string, unknown> = { alg: opts.alg ?? 'HS256', kid: eab.kid, url: opts.url ?? this.dir.newAccount, ...opts.header };
    for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
    return sign(opts.hmacKey ?? fromBase64Url(eab.hmacKey), header, opts.payloadJwk ?? this.key.publicJwk);
  }

  /** newAccount with EAB (or `payload` as given); remembers the account URL. */
  async register(eab: Eab | undefined, payload: Record<string, unknown> = {}, opts: PostOptions = {}): Promise<AcmeReply> {
    const body = {
      termsOfServiceAgreed: true,
      contact: ['mailto:ops@example.com'],
      ...(eab ? { externalAccountBinding: await this.eab(eab) } : {}),
      ...payload,
    };
    const r = await this.post(this.dir.newAccount, body, { jwk: true, ...opts });
    if ((r.status === 201 || r.status === 200) && !opts.key) this.kid = r.headers.get('location') ?? undefined;
    return r;
  }

  async keyAuthorization(token: string): Promise<string> {
    return `${token}.${await calculateJwkThumbprint(this.key.publicJwk, 'sha256')}`;
  }
}

/** The dns-01 TXT value of a key authorization. */
export async function dns01Value(keyAuthorization: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(keyAuthorization))));
}

export interface Responders {
  dns: TestDnsServer;
  http: Http01Responder;
}

/** Publishes the answer to a challenge object (http-01 on the responder, dns-01 in the test DNS). */
export async function answer(client: AcmeTestClient, r: Responders, name: string, challenge: { type: string; token: string }): Promise<void> {
  const keyAuth = await client.keyAuthorization(challenge.token);
  if (challenge.type === 'http-01') r.http.setToken(challenge.token, keyAuth);
  else if (challenge.type === 'dns-01') r.dns.set(`_acme-challenge.${name.replace(/^\*\./, '')}`, 'TXT', [await dns01Value(keyAuth)]);
  else throw new Error(`cannot answer ${challenge.type}`);
}

/** A P-256 CSR for `names` (first = CN), as base64url DER, with its key pair. */
export async function csrFor(names: string[], opts: { cn?: string | null } = {}): Promise<{ csr: string; keys: CryptoKeyPair }> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cn = opts.cn === undefined ? names[0] : opts.cn;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: cn ? [{ CN: [cn] }] : [],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))] : [],
  });
  return { csr: toBase64Url(new Uint8Array(req.rawData)), keys };
}

export interface Issued {
  order: Record<string, unknown>;
  orderUrl: string;
  pem: string;
  keys: CryptoKeyPair;
}

/**
 * The whole flow with the test client: newOrder, answer each authorization's `via` challenge, finalize,
 * download. Fails loudly at the first unexpected answer.
 */
export async function issue(client: AcmeTestClient, r: Responders, names: string[], via: 'http-01' | 'dns-01' = 'http-01', extra: Record<string, unknown> = {}): Promise<Issued> {
  const created = await client.post(client.dir.newOrder, { identifiers: names.map((value) => ({ type: 'dns', value })), ...extra });
  if (created.status !== 201) throw new Error(`newOrder: ${created.status} ${created.text}`);
  const orderUrl = created.headers.get('location')!;
  for (const authzUrl of created.body.authorizations as string[]) {
    const authz = await client.get(authzUrl);
    const name = ((authz.body.wildcard ? '*.' : '') + (authz.body.identifier as { value: string }).value) as string;
    const type = name.startsWith('*.') ? 'dns-01' : via;
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((c) => c.type === type)!;
    await answer(client, r, name, ch);
    const done = await client.post(ch.url, {});
    if (done.body.status !== 'valid') throw new Error(`challenge ${type} for ${name}: ${done.text}`);
  }
  const { csr, keys } = await csrFor(names);
  const fin = await client.post(created.body.finalize as string, { csr });
  if (fin.status !== 200 || fin.body.status !== 'valid') throw new Error(`finalize: ${fin.status} ${fin.text}`);
  const cert = await client.get(fin.body.certificate as string);
  if (cert.status !== 200) throw new Error(`certificate: ${cert.status} ${cert.text}`);
  return { order: fin.body, orderUrl, pem: cert.text, keys };
}

/**
 * A signed POST that survives a nonce the server no longer knows (a moved clock expired it, or a restart):
 * `badNonce` carries a fresh one, so it is sent again, up to three times.
 */
export async function postSurvivingNonce(c: AcmeTestClient, url: string, payload: unknown): Promise<AcmeReply> {
  let r = await c.post(url, payload);
  for (let i = 0; i < 3 && r.status === 400 && String(r.body.type ?? '').endsWith(':badNonce'); i++) r = await c.post(url, payload);
  return r;
}

/** POST-as-GET that survives a stale nonce (see postSurvivingNonce). */
export const getSurvivingNonce = (c: AcmeTestClient, url: string): Promise<AcmeReply> => postSurvivingNonce(c, url, '');

/** A P-256 CSR with these SANs (and a CN when given), made with WebCrypto and @peculiar/x509. */
export async function p256Csr(sans: { type: 'dns' | 'ip'; value: string }[], cn?: string): Promise<{ pem: string; der: Uint8Array }> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: cn ? [{ CN: [cn] }] : [],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(sans)],
  });
  return { pem: req.toString('pem'), der: new Uint8Array(req.rawData) };
}
