/**
 * Fuzz campaign (issue 9, "Fuzz campaign"): `npm run fuzz` (node --import tsx scripts/campaigns/fuzz.ts).
 *
 * Starts the real Node server as a child process (fresh data directory, EABGATE_ADMIN_TOKEN set,
 * EABGATE_LOG_REQUESTS=false, DNS and http-01 pointed at loopback doubles in this process, so nothing leaves
 * 127.0.0.1), sets up a customer, a subscription with EAB, an ACME account with pending, ready and valid
 * orders, a tracking order and portal sessions, then sends malformed requests at a fixed concurrency over
 * keep-alive (undici Pool) until the request budget or the time budget is spent:
 *
 *   rest    every operation in the server's own /openapi.json: bodies generated from the schemas and then
 *           broken (wrong types, dropped/unknown fields, huge strings and arrays, prototype keys), non-JSON,
 *           invalid UTF-8, deep nesting, bodies over the 64 KiB limit, wrong/missing content types, junk path
 *           parameters and query strings, missing/forged/wrong-kind Bearer tokens, odd methods;
 *   acme    malformed JWS (bad base64url, non-JSON or nested protected headers, wrong/none alg, missing
 *           nonce/url, wrong url, kid of unknown accounts, jwk junk, both/neither jwk and kid, bad signatures),
 *           properly signed requests with junk payloads (identifiers, CSRs, EAB, key change, revocation,
 *           account updates), huge payloads, wrong content types, wrong methods, junk ids;
 *   portal  form POSTs with and without the CSRF token (missing, forged, another context's), cross-site
 *           Origin / Sec-Fetch-Site, junk and oversized fields, bad percent-encoding, raw invalid UTF-8,
 *           wrong content types, and GETs with junk parameters;
 *   other   the CA files, /openapi.json, unknown paths, long and odd paths, odd Host headers.
 *
 * Pass: no answer ≥ 500, the server process still alive, /healthz 200 at the end. Prints the requests per
 * family, the status histogram (per family too), every ≥ 500 with the request that caused it (truncated),
 * requests/s and the server's RSS. Exit code 1 on a ≥ 500, a dead server or an unhealthy end; 0 otherwise.
 *
 * Knobs: FUZZ_REQUESTS (100000), FUZZ_MAX_SECONDS (600), FUZZ_CONCURRENCY (32), FUZZ_SEED (random, printed),
 * FUZZ_KEEP_DATA=1 keeps the data directory. Ends by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { freePort } from '../../test/support/server.js';
import { spawnServer, killSpawnedServers, pemCsr, placeDv, type KillableServer } from '../../test/support/ra.js';
import { TestDnsServer } from '../../test/support/dns-server.js';
import { Http01Responder } from '../../test/support/http01-responder.js';
import { AcmeTestClient, answer, csrFor, provision, PASSWORD, type Provisioned } from '../../test/support/acme.js';
import { alive, b64u, b64uJson, ecKey, envInt, hmacSha256, Rand, rssMb, signEs256, sleep, Tally, truncate, type EcKey } from './lib.js';

const REQUESTS = envInt('FUZZ_REQUESTS', 100_000);
const MAX_SECONDS = envInt('FUZZ_MAX_SECONDS', 600);
const CONCURRENCY = envInt('FUZZ_CONCURRENCY', 32);
const SEED = envInt('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 30_000;

type Family = 'rest' | 'acme' | 'portal' | 'other';
type Body = string | Buffer | undefined;

interface Req {
  family: Family;
  /** The route template and the kind of damage, for the figures and for reports of a ≥ 500. */
  route: string;
  note: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Body;
}

const rand = new Rand(SEED);

// ---------------------------------------------------------------------------------------------------------
// Junk

const JUNK_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '😀',
  '\u202e\u0645',
  'e\u0301\u0301\u0301',
  'ｅｘａｍｐｌｅ.com',
  '../../../../etc/passwd',
  '%00',
  '%ff',
  "' OR 1=1 --",
  '"; DROP TABLE orders; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x7fffffff',
  '\r\n\r\nX: y',
  '\t',
  '*',
  '*.*.example.com',
  '*.',
  '.',
  '..',
  'xn--',
  'xn--zz',
  'xn--80ak6aa92e.com',
  'a'.repeat(64) + '.example.com',
  ('a'.repeat(63) + '.').repeat(5) + 'com',
  'UPPER.EXAMPLE.COM.',
  '127.0.0.1',
  '::1',
  '::ffff:127.0.0.1',
  '0x7f.1',
  '256.256.256.256',
  'fe80::1%eth0',
  '10.0.0.0/8',
  'localhost',
  'example',
  '-leading.example.com',
  'under_score.example.com',
  'mailto:someone@example.com',
  'a@b',
  '@',
  'a'.repeat(255) + '@example.com',
  'x@' + 'y'.repeat(300) + '.com',
  '2020-13-45T25:61:61Z',
  '9999-12-31T23:59:59Z',
  '0000-00-00',
  '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
  '-----BEGIN CERTIFICATE REQUEST-----\n' + 'QUFB'.repeat(400) + '\n-----END CERTIFICATE REQUEST-----',
  '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
];

function junkString(): string {
  switch (rand.int(0, 5)) {
    case 0:
      return 'x'.repeat(rand.pick([256, 1000, 5000, 20_000]));
    case 1:
      return rand.alnum(rand.int(1, 40));
    case 2:
      return String.fromCharCode(...Array.from({ length: rand.int(1, 30) }, () => rand.int(0, 0xffff)));
    default:
      return rand.pick(JUNK_STRINGS);
  }
}

function deep(n: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

function junkValue(depth = 0): unknown {
  const k = rand.int(0, depth > 1 ? 10 : 16);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rand.chance(0.5);
    case 2:
      return rand.pick([0, -1, 1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 4294967296, 65536]);
    case 3:
    case 4:
    case 5:
    case 6:
      return junkString();
    case 7:
      return [];
    case 8:
      return {};
    case 9:
      return rand.pick([{ __proto__: { admin: true } }, JSON.parse('{"__proto__":{"admin":true}}'), { constructor: { prototype: { admin: true } } }]);
    case 10:
      return [junkString(), junkString()];
    case 11:
      return deep(rand.int(10, 500), rand.chance(0.5) ? 'array' : 'object');
    case 12:
      return Array.from({ length: rand.int(100, 3000) }, () => rand.alnum(8));
    case 13:
      return { [junkString()]: junkValue(depth + 1) };
    case 14:
      return [junkValue(depth + 1), junkValue(depth + 1)];
    default:
      return { a: junkValue(depth + 1), b: junkValue(depth + 1) };
  }
}

const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0x80, 0x80, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

/** A JSON text with invalid UTF-8 bytes inside a string (or raw bytes, or a BOM of another encoding). */
function invalidUtf8Json(fields: Record<string, unknown>): Buffer {
  const text = JSON.stringify(fields);
  const at = text.indexOf('"', text.indexOf(':')) + 1 || 1;
  const bad = rand.pick(INVALID_UTF8);
  switch (rand.int(0, 3)) {
    case 0:
      return Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]);
    case 1:
      return Buffer.concat([bad, Buffer.from(text)]);
    case 2:
      return Buffer.from(text, 'utf16le');
    default:
      return Buffer.from(rand.bytes(rand.int(1, 400)));
  }
}

const NOT_JSON: readonly string[] = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  'nul',
  'NaN',
  'Infinity',
  '-',
  '1e99999',
  '"unterminated',
  '\u0000',
  '[]',
  '""',
  '123',
  'null',
  'true',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '\ufeff{}',
  '<?xml version="1.0"?><a/>',
  'email=a%40b.c&password=x',
  '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
];

function deepText(): string {
  const n = rand.pick([100, 1000, 5000, 10_000, 20_000, 30_000]);
  switch (rand.int(0, 3)) {
    case 0:
      return '['.repeat(n) + ']'.repeat(n);
    case 1: {
      const m = Math.min(n, 10_000);
      return '{"a":'.repeat(m) + '1' + '}'.repeat(m);
    }
    case 2:
      return '['.repeat(n);
    default: {
      const m = Math.min(n, 5000);
      return '{"x":{"y":['.repeat(m) + ']}}'.repeat(m);
    }
  }
}

/** A body over (or right at) the 64 KiB limits; rarely a 2 MiB one. */
function hugeText(fields: Record<string, unknown>): string {
  const size = rand.chance(0.03) ? 2 * 1024 * 1024 : rand.pick([64 * 1024 - 200, 64 * 1024 + 1, 100_000, 300_000]);
  const key = Object.keys(fields)[0] ?? 'a';
  return JSON.stringify({ ...fields, [key]: 'A'.repeat(size) });
}

const WRONG_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  'application/jsonx',
  'application/json-patch+json',
  'application/jose+json',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/json; boundary="',
  'application/xml',
  '*/*',
  'json',
  '',
  ';',
  'application/' + 'x'.repeat(5000),
];

const ODD_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'FOO', 'M-SEARCH', 'PURGE', 'LINK'];

const JUNK_PARAMS: readonly string[] = [
  '',
  '%20',
  '%00',
  '%ff%fe',
  '%c0%af',
  '%ed%a0%80',
  '%',
  '%zz',
  '..',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '-1',
  '0',
  '1e999',
  '0x10',
  '9'.repeat(40),
  '%F0%9F%98%80',
  '{id}',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  "'%20OR%201=1--",
  'a'.repeat(2000),
  'a'.repeat(9000),
  'EAB-0000-0000',
  'sub_' + 'x'.repeat(30),
];

const junkParam = () => (rand.chance(0.3) ? rand.alnum(rand.int(1, 64)) : rand.pick(JUNK_PARAMS));

function junkQuery(): string {
  return rand.pick([
    '?',
    '?a=%ff',
    '?a=1&a=2&a[]=3',
    '?limit=-1&cursor=%00',
    '?cursor=' + 'x'.repeat(3000),
    '?next=//evil.example/',
    '?next=javascript:alert(1)',
    '?__proto__[admin]=1',
    '?%zz=%zz',
    '?' + 'a=1&'.repeat(2000),
    '#frag',
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// The world set up before the fuzzing (real ids, tokens, keys, nonces)

interface World {
  base: string;
  customer: Provisioned;
  acctKey: { privateKey: CryptoKey; jwk: Record<string, unknown> };
  acctUrl: string;
  otherKeys: EcKey[];
  dir: Record<string, string>;
  pendingOrder: { url: string; finalize: string; authz: string; chall: string[] };
  readyOrders: { url: string; finalize: string }[];
  validOrder: { url: string; cert: string; certDerB64u: string };
  /** CSRs for other names (a mismatch, never the right CSR for a ready order). */
  wrongCsrs: string[];
  tracking: { orderNumber: string; caReference: string };
  portal: { anon: PortalCtx; session: PortalCtx };
  nonces: string[];
}

interface PortalCtx {
  cookie: string;
  csrf: string;
}

let world: World;

/** Set-Cookie headers → "a=b; c=d". */
function cookiesOf(headers: Record<string, string | string[] | undefined>): string {
  const raw = headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((c) => c.split(';')[0]!).join('; ');
}

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

async function setUpPortal(pool: Pool, email: string): Promise<{ anon: PortalCtx; session: PortalCtx }> {
  const page = await pool.request({ method: 'GET', path: '/portal/login' });
  const anon: PortalCtx = { cookie: cookiesOf(page.headers), csrf: csrfIn(await page.body.text()) };
  if (!anon.cookie || !anon.csrf) throw new Error('portal: no CSRF cookie or token on /portal/login');
  const login = await pool.request({
    method: 'POST',
    path: '/portal/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: anon.cookie },
    body: new URLSearchParams({ email, password: PASSWORD, _csrf: anon.csrf }).toString(),
  });
  await login.body.text();
  const sessionCookie = cookiesOf(login.headers);
  if (login.statusCode !== 303 || !sessionCookie.includes('session')) throw new Error(`portal login: ${login.statusCode}`);
  const form = await pool.request({ method: 'GET', path: '/portal/orders/new', headers: { cookie: sessionCookie } });
  const session: PortalCtx = { cookie: sessionCookie, csrf: csrfIn(await form.body.text()) };
  if (!session.csrf) throw new Error('portal: no CSRF token on /portal/orders/new');
  return { anon, session };
}

async function setUp(pool: Pool, base: string, dns: TestDnsServer, http: Http01Responder): Promise<World> {
  const fetcher = (u: string, i?: RequestInit) => fetch(u, i);
  const customer = await provision(fetcher, base, ADMIN_TOKEN, 'fuzz-customer@example.com', 'business');
  const client = await AcmeTestClient.open(fetcher, `${base}/acme/directory`);
  const reg = await client.register(customer);
  if (reg.status !== 201) throw new Error(`ACME register: ${reg.status} ${reg.text}`);
  const acctUrl = client.kid!;
  const dir = client.dir as unknown as Record<string, string>;

  const newOrder = async (name: string) => {
    const r = await client.post(client.dir.newOrder, { identifiers: [{ type: 'dns', value: name }] });
    if (r.status !== 201) throw new Error(`newOrder ${name}: ${r.status} ${r.text}`);
    return { url: r.headers.get('location')!, body: r.body };
  };
  const makeReady = async (name: string) => {
    const o = await newOrder(name);
    const authz = await client.get((o.body.authorizations as string[])[0]!);
    const ch = (authz.body.challenges as { type: string; token: string; url: string }[]).find((c) => c.type === 'dns-01')!;
    await answer(client, { dns, http }, name, ch);
    const done = await client.post(ch.url, {});
    if (done.body.status !== 'valid') throw new Error(`challenge for ${name}: ${done.text}`);
    return { url: o.url, finalize: o.body.finalize as string };
  };

  const pending = await newOrder('pending.fuzz.example');
  const authzUrl = (pending.body.authorizations as string[])[0]!;
  const authz = await client.get(authzUrl);
  const pendingOrder = {
    url: pending.url,
    finalize: pending.body.finalize as string,
    authz: authzUrl,
    chall: (authz.body.challenges as { url: string }[]).map((c) => c.url),
  };
  const readyOrders = [];
  for (let i = 0; i < 4; i++) readyOrders.push(await makeReady(`ready${i}.fuzz.example`));
  const v = await makeReady('valid.fuzz.example');
  const fin = await client.post(v.finalize, { csr: (await csrFor(['valid.fuzz.example'])).csr });
  if (fin.body.status !== 'valid') throw new Error(`finalize: ${fin.text}`);
  const certUrl = fin.body.certificate as string;
  const certPem = (await client.get(certUrl)).text;
  const leafB64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(certPem)![1]!.replace(/\s+/g, '');
  const validOrder = { url: v.url, cert: certUrl, certDerB64u: Buffer.from(leafB64, 'base64').toString('base64url') };

  const wrongCsrs = [
    (await csrFor(['other.fuzz.example'])).csr,
    (await csrFor(['ready0.fuzz.example', 'extra.fuzz.example'])).csr,
    (await csrFor([], { cn: 'ready1.fuzz.example' })).csr,
    (await csrFor(['READY2.FUZZ.EXAMPLE'], { cn: null })).csr,
  ];

  dns.set('track.fuzz.example', 'A', ['127.0.0.1']);
  const tracking = await placeDv(base, customer.customerToken, 'track.fuzz.example', await pemCsr(['track.fuzz.example']));
  const portal = await setUpPortal(pool, customer.email);
  return {
    base,
    customer,
    acctKey: { privateKey: client.key.privateKey as unknown as CryptoKey, jwk: client.key.publicJwk as Record<string, unknown> },
    acctUrl,
    otherKeys: [await ecKey(), await ecKey(), await ecKey()],
    dir,
    pendingOrder,
    readyOrders,
    validOrder,
    wrongCsrs,
    tracking: { orderNumber: tracking.orderNumber, caReference: tracking.caReference },
    portal,
    nonces: [],
  };
}

// ---------------------------------------------------------------------------------------------------------
// REST: every operation of /openapi.json

interface Op {
  method: string;
  path: string;
  params: string[];
  schema?: Schema;
  security?: 'admin' | 'session';
}
type Schema = Record<string, unknown>;

let components: Record<string, Schema> = {};
let ops: Op[] = [];

function loadOps(openapi: { paths: Record<string, Record<string, Record<string, unknown>>>; components?: { schemas?: Record<string, Schema> } }): void {
  components = openapi.components?.schemas ?? {};
  ops = [];
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const rb = op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined;
      const sec = (op.security as Record<string, unknown>[] | undefined)?.[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        params,
        schema: rb?.content?.['application/json']?.schema,
        security: sec ? (Object.keys(sec)[0] as 'admin' | 'session') : undefined,
      });
    }
  }
}

const resolve = (s: Schema): Schema => (typeof s.$ref === 'string' ? (components[(s.$ref as string).split('/').pop()!] ?? {}) : s);

/** A plausible value for a schema (names and emails near the real ones, passwords mostly too short). */
function sample(s0: Schema, name = ''): unknown {
  const s = resolve(s0);
  const alts = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (alts?.length) return sample(rand.pick(alts), name);
  if (Array.isArray(s.enum)) return rand.pick(s.enum as unknown[]);
  const type = Array.isArray(s.type) ? rand.pick(s.type as string[]) : (s.type as string | undefined);
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const req = new Set((s.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) if (req.has(k) || k === 'csr' || rand.chance(0.5)) out[k] = sample(v, k);
      return out;
    }
    case 'array':
      return Array.from({ length: rand.int(1, 3) }, () => sample((s.items ?? {}) as Schema, name));
    case 'number':
    case 'integer':
      return rand.pick([1, 5, 10, 90, 200]);
    case 'boolean':
      return rand.chance(0.5);
    case 'null':
      return null;
    case 'string':
    default:
      return sampleString(name);
  }
}

function sampleString(name: string): string {
  switch (name) {
    case 'email':
    case 'accountEmail':
      return rand.chance(0.3) ? world.customer.email : `fz${rand.alnum(6)}@fuzz.example`;
    case 'password':
      return rand.chance(0.1) ? rand.alnum(12) : rand.alnum(rand.int(0, 11));
    case 'domains':
      return rand.chance(0.5) ? `d${rand.int(0, 99)}.fuzz.example` : rand.pick(JUNK_STRINGS);
    case 'csr':
      return rand.pick(JUNK_STRINGS.filter((x) => x.includes('BEGIN')));
    case 'caReference':
      return rand.chance(0.5) ? world.tracking.caReference : rand.alnum(rand.int(1, 80));
    case 'country':
    case 'jurisdictionCountry':
      return rand.pick(['DE', 'US', 'XX', 'de', 'D']);
    case 'notAfter':
      return rand.pick(['2030-01-01', '2020-01-01', 'tomorrow', '2026-02-30T00:00:00Z']);
    case 'preset':
      return rand.pick(['starter', 'business', 'enterprise', 'gold']);
    default:
      return rand.alnum(rand.int(1, 20));
  }
}

function mutate(body: unknown): { body: unknown; note: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body: junkValue(), note: 'junk-root' };
  const o = { ...(body as Record<string, unknown>) };
  const keys = Object.keys(o);
  const notes: string[] = [];
  for (let i = rand.int(1, 3); i > 0; i--) {
    const k = keys.length ? rand.pick(keys) : 'x';
    switch (rand.int(0, 9)) {
      case 0:
      case 1:
      case 2:
        o[k] = junkValue();
        notes.push(`${k}=junk`);
        break;
      case 3:
        delete o[k];
        notes.push(`-${k}`);
        break;
      case 4:
        o[junkString().slice(0, 50) || 'unknown'] = junkValue();
        notes.push('+unknown');
        break;
      case 5:
        o[k] = 'Z'.repeat(rand.pick([300, 5000, 60_000]));
        notes.push(`${k}=long`);
        break;
      case 6:
        o[k] = Array.from({ length: rand.pick([101, 1000, 5000]) }, (_, n) => `n${n}.fuzz.example`);
        notes.push(`${k}=big-array`);
        break;
      case 7:
        o[k] = typeof o[k] === 'object' && o[k] !== null ? mutate(o[k]).body : [o[k]];
        notes.push(`${k}=nested`);
        break;
      case 8:
        Object.defineProperty(o, '__proto__', { value: { admin: true }, enumerable: true, configurable: true, writable: true });
        notes.push('__proto__');
        break;
      default:
        o[k] = rand.pick(JUNK_STRINGS);
        notes.push(`${k}=junkstr`);
    }
  }
  return { body: o, note: notes.join(',') };
}

const FORGED_AUTH: (() => string)[] = [
  () => 'Bearer',
  () => 'Bearer ',
  () => `Bearer ${rand.alnum(43)}`,
  () => `Bearer ${rand.alnum(rand.int(1, 8))}`,
  () => `Bearer ${'x'.repeat(rand.pick([1000, 7000]))}`,
  () => `bearer ${ADMIN_TOKEN}`,
  () => `Bearer  ${ADMIN_TOKEN}`,
  () => `Bearer ${world.customer.customerToken.slice(0, -1)}${world.customer.customerToken.endsWith('A') ? 'B' : 'A'}`,
  () => `Bearer ${world.customer.customerToken}x`,
  () => `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
  () => `Bearer ${ADMIN_TOKEN} `,
  () => `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
  () => `Token ${world.customer.customerToken}`,
  () => `Bearer \u00e9\u00ff`,
  () => `Bearer ${world.customer.customerToken}, Bearer ${ADMIN_TOKEN}`,
  () => `Bearer %00`,
  () => `Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.`,
];

function restAuth(op: Op, method: string): { header?: string; note: string } {
  const real = op.security === 'admin' ? ADMIN_TOKEN : world.customer.customerToken;
  const other = op.security === 'admin' ? world.customer.customerToken : ADMIN_TOKEN;
  // Never log our own session out (an odd method on the log-in route is a DELETE /api/v1/sessions too).
  const logout = method === 'DELETE' && op.path === '/api/v1/sessions';
  const mode = rand.weighted([
    [15, 'none'],
    [logout ? 0 : 35, 'real'],
    [logout ? 0 : 10, 'other'],
    [40, 'forged'],
  ] as const);
  if (mode === 'none') return { note: 'no-auth' };
  if (mode === 'real') return { header: `Bearer ${real}`, note: 'auth' };
  if (mode === 'other') return { header: `Bearer ${other}`, note: 'wrong-kind-auth' };
  return { header: rand.pick(FORGED_AUTH)(), note: 'forged-auth' };
}

/** Path parameters: real values where it cannot change what the rest of the campaign relies on. */
function restPath(op: Op, method: string): string {
  const destructive = method !== 'GET' && /revoke|replace/.test(op.path);
  let path = op.path;
  for (const p of op.params) {
    let v: string;
    if (!destructive && rand.chance(0.4)) v = p === 'orderNumber' ? world.tracking.orderNumber : world.customer.subscriptionId;
    else v = junkParam();
    path = path.replace(`{${p}}`, v);
  }
  return path + (rand.chance(0.12) ? junkQuery() : '');
}

function restBody(op: Op): { body: Body; ct?: string; note: string } {
  const base = (op.schema ? sample(op.schema) : { a: 1 }) as Record<string, unknown>;
  const json = 'application/json';
  const strategy = rand.weighted([
    [45, 'mutated'],
    [10, 'not-json'],
    [8, 'invalid-utf8'],
    [6, 'deep'],
    [4, 'huge'],
    [10, 'wrong-ct'],
    [5, 'empty'],
    [3, 'ct-no-body'],
    [3, 'valid-sample'],
    [2, 'duplicate-keys'],
    [2, 'bom'],
    [2, 'no-ct'],
  ] as const);
  switch (strategy) {
    case 'mutated': {
      const m = mutate(base);
      return { body: JSON.stringify(m.body), ct: json, note: `mutated(${m.note})` };
    }
    case 'not-json':
      return { body: rand.pick(NOT_JSON), ct: json, note: 'not-json' };
    case 'invalid-utf8':
      return { body: invalidUtf8Json(base), ct: rand.pick([json, 'application/json; charset=utf-8']), note: 'invalid-utf8' };
    case 'deep':
      return { body: deepText(), ct: json, note: 'deep-nesting' };
    case 'huge':
      return { body: hugeText(base), ct: json, note: 'huge' };
    case 'wrong-ct':
      return { body: JSON.stringify(base), ct: rand.pick(WRONG_CONTENT_TYPES), note: 'wrong-content-type' };
    case 'empty':
      return { body: '', ct: json, note: 'empty-body' };
    case 'ct-no-body':
      return { body: undefined, ct: json, note: 'content-type-no-body' };
    case 'valid-sample':
      return { body: JSON.stringify(base), ct: json, note: 'sample' };
    case 'duplicate-keys': {
      const t = JSON.stringify(base);
      return { body: t.slice(0, -1) + (t.length > 2 ? ',' : '') + t.slice(1), ct: json, note: 'duplicate-keys' };
    }
    case 'bom':
      return { body: '\ufeff' + JSON.stringify(base), ct: json, note: 'bom' };
    case 'no-ct':
      return { body: JSON.stringify(base), note: 'no-content-type' };
  }
}

function genRest(): Req {
  const op = rand.pick(ops);
  const method = rand.chance(0.82) ? op.method : rand.pick(ODD_METHODS);
  const path = restPath(op, method);
  const auth = restAuth(op, method);
  const headers: Record<string, string> = {};
  if (auth.header !== undefined) headers.authorization = auth.header;
  let note = auth.note;
  let body: Body;
  if (op.schema || method === 'POST' || rand.chance(0.15)) {
    const b = restBody(op);
    body = b.body;
    if (b.ct !== undefined) headers['content-type'] = b.ct;
    note += ` ${b.note}`;
  }
  if (method === 'HEAD' || (method === 'GET' && rand.chance(0.7))) body = undefined;
  if (method !== op.method) note += ` method=${method}`;
  return { family: 'rest', route: `${op.method} ${op.path}`, note, method, path, headers, body };
}

// ---------------------------------------------------------------------------------------------------------
// ACME

async function nonce(pool: Pool): Promise<string> {
  const n = world.nonces.pop();
  if (n) return n;
  const r = await pool.request({ method: 'HEAD', path: '/acme/new-nonce' });
  await r.body.dump();
  counters.helperRequests++;
  return String(r.headers['replay-nonce'] ?? 'none');
}

const pathOf = (url: string) => new URL(url).pathname;

/** Junk a JSON body of a JWS may be instead of {protected, payload, signature}. */
function unsignedJunk(url: string): { body: Body; note: string } {
  const p = b64uJson({ alg: 'ES256', nonce: 'x', url, kid: world.acctUrl });
  const pl = b64uJson({});
  const k = rand.int(0, 19);
  const env = (protectedB64: unknown, payload: unknown = pl, signature: unknown = b64u(rand.bytes(64))) =>
    JSON.stringify({ protected: protectedB64, payload, signature });
  switch (k) {
    case 0:
      return { body: rand.pick(NOT_JSON), note: 'not-json' };
    case 1:
      return { body: JSON.stringify(junkValue()), note: 'junk-json' };
    case 2:
      return { body: env(rand.pick(['!!!', '====', 'a', 'a===', 'ab+/cd', 'YQ==', '%%', ' ', '\u00e9'])), note: 'protected-bad-base64url' };
    case 3:
      return { body: env(b64u(rand.pick(['not json', '[]', 'null', '1', '"s"', '{', '{"alg":']))), note: 'protected-not-object' };
    case 4:
      return { body: env(b64u(deepText())), note: 'protected-deep' };
    case 5:
      return { body: env(b64u(Buffer.concat([Buffer.from('{"alg":"'), rand.pick(INVALID_UTF8), Buffer.from('"}')]))), note: 'protected-invalid-utf8' };
    case 6:
      return { body: env(p, rand.pick(['!!!', 'a', 12, null, {}, 'a'.repeat(70_000)])), note: 'payload-bad' };
    case 7:
      return { body: env(p, pl, rand.pick(['', '!!!', 'A', 0, null, [], 'A'.repeat(5000)])), note: 'signature-bad' };
    case 8:
      return { body: JSON.stringify({ protected: p, payload: pl }), note: 'no-signature' };
    case 9:
      return { body: JSON.stringify({ payload: pl, signature: 'AA' }), note: 'no-protected' };
    case 10:
      return { body: JSON.stringify({ signatures: [{ protected: p, signature: 'AA' }], payload: pl }), note: 'general-serialization' };
    case 11:
      return { body: `${p}.${pl}.${b64u(rand.bytes(64))}`, note: 'compact-serialization' };
    case 12:
      return { body: env(p, pl) .replace('{', `{"header":${JSON.stringify({ alg: 'none', kid: world.acctUrl })},`), note: 'unprotected-header' };
    case 13:
      return { body: Buffer.concat([Buffer.from('{"protected":"'), rand.pick(INVALID_UTF8), Buffer.from('","payload":"","signature":""}')]), note: 'invalid-utf8' };
    case 14:
      return { body: env(b64uJson({ alg: 'ES256', nonce: 'x', url, kid: world.acctUrl, pad: 'x'.repeat(rand.pick([30_000, 70_000])) })), note: 'huge-protected' };
    case 15:
      return { body: '', note: 'empty' };
    case 16:
      return { body: deepText(), note: 'deep-body' };
    case 17:
      return { body: env(p + '=', pl + '=='), note: 'padded-base64' };
    case 18:
      return { body: JSON.stringify({ protected: [p], payload: { a: 1 }, signature: { s: 1 } }), note: 'members-wrong-type' };
    default:
      return { body: Buffer.from(rand.bytes(rand.int(1, 2000))), note: 'random-bytes' };
  }
}

const JUNK_JWKS: (() => unknown)[] = [
  () => ({ kty: 'EC', crv: 'P-256', x: b64u(rand.bytes(32)), y: b64u(rand.bytes(32)) }),
  () => ({ kty: 'EC', crv: 'P-256', x: b64u(rand.bytes(31)), y: b64u(rand.bytes(33)) }),
  () => ({ kty: 'EC', crv: 'P-192', x: b64u(rand.bytes(24)), y: b64u(rand.bytes(24)) }),
  () => ({ kty: 'EC', crv: 'P-256', x: '', y: '' }),
  () => ({ kty: 'RSA', n: b64u(rand.bytes(64)), e: 'AQAB' }),
  () => ({ kty: 'RSA', n: b64u(rand.bytes(256)), e: 'Aw' }),
  () => ({ kty: 'RSA', n: b64u(rand.bytes(2048)), e: 'AQAB' }),
  () => ({ kty: 'RSA', n: '', e: '' }),
  () => ({ kty: 'OKP', crv: 'Ed25519', x: b64u(rand.bytes(31)) }),
  () => ({ kty: 'OKP', crv: 'X25519', x: b64u(rand.bytes(32)) }),
  () => ({ kty: 'oct', k: b64u(rand.bytes(32)) }),
  () => ({ ...world.acctKey.jwk, d: b64u(rand.bytes(32)) }),
  () => ({ kty: 'none' }),
  () => 'jwk',
  () => [],
  () => deep(200, 'object'),
  () => ({ ...world.acctKey.jwk, x: 12 }),
];

/** A protected header for url, with one kind of damage now and then. */
function acmeHeader(url: string, n: string, useJwk: boolean, key: { jwk: Record<string, unknown> }): { header: Record<string, unknown>; note: string } {
  const h: Record<string, unknown> = { alg: 'ES256', nonce: n, url };
  if (useJwk) h.jwk = key.jwk;
  else h.kid = world.acctUrl;
  if (rand.chance(0.45)) return { header: h, note: 'ok-header' };
  const k = rand.int(0, 20);
  switch (k) {
    case 0:
      delete h.nonce;
      return { header: h, note: 'no-nonce' };
    case 1:
      delete h.url;
      return { header: h, note: 'no-url' };
    case 2:
      h.nonce = rand.pick([b64u(rand.bytes(16)), '', 'x', 12, null, 'A'.repeat(3000)]);
      return { header: h, note: 'bad-nonce' };
    case 3:
      h.url = rand.pick([`${world.base}/acme/other`, 'http://evil.example/acme/new-order', url + '/', url.toUpperCase(), '', 5, null]);
      return { header: h, note: 'wrong-url' };
    case 4:
      h.alg = rand.pick(['none', 'HS256', 'RS256', 'ES384', 'EdDSA', 'es256', 'RS1', '', 123, null, ['ES256']]);
      return { header: h, note: 'wrong-alg' };
    case 5:
      h.kid = `${world.base}/acme/acct/${rand.pick([rand.alnum(16), '0', '-1', '%00', '../acct/x', 'a'.repeat(3000)])}`;
      delete h.jwk;
      return { header: h, note: 'unknown-kid' };
    case 6:
      h.kid = rand.pick([`http://evil.example/acme/acct/1`, world.acctUrl + '/orders', world.acctUrl.replace('http', 'https'), '', 7, {}, null]);
      delete h.jwk;
      return { header: h, note: 'foreign-kid' };
    case 7:
      h.kid = world.acctUrl;
      h.jwk = key.jwk;
      return { header: h, note: 'kid-and-jwk' };
    case 8:
      delete h.kid;
      delete h.jwk;
      return { header: h, note: 'neither-kid-nor-jwk' };
    case 9:
      delete h.kid;
      h.jwk = rand.pick(JUNK_JWKS)();
      return { header: h, note: 'jwk-junk' };
    case 10:
      h.url = deep(rand.pick([50, 500, 1500]), 'object');
      return { header: h, note: 'url-nested' };
    case 11:
      h.nonce = { n };
      return { header: h, note: 'nonce-object' };
    case 12:
      h.crit = rand.pick([['b64'], ['exp'], 'b64', [], [1]]);
      if (rand.chance(0.5)) h.b64 = false;
      return { header: h, note: 'crit' };
    case 13:
      h.b64 = false;
      return { header: h, note: 'b64-false' };
    case 14:
      h.x5c = [b64u(rand.bytes(300))];
      return { header: h, note: 'x5c' };
    case 15:
      h.typ = rand.pick(['JWT', 'dpop+jwt', 42]);
      h.cty = 'application/json';
      return { header: h, note: 'typ-cty' };
    case 16:
      return { header: JSON.parse(JSON.stringify(h).replace('{', '{"__proto__":{"alg":"none"},')), note: '__proto__' };
    case 17:
      h.extra = 'x'.repeat(rand.pick([1000, 40_000]));
      return { header: h, note: 'header-padding' };
    case 18:
      h.kid = world.acctUrl;
      delete h.jwk;
      return { header: h, note: 'kid-on-jwk-endpoint' };
    case 19:
      h.jwk = key.jwk;
      delete h.kid;
      return { header: h, note: 'jwk-on-kid-endpoint' };
    default:
      return { header: JSON.parse(JSON.stringify(h).replace('"alg":"ES256"', '"alg":"ES256","alg":"none"')), note: 'duplicate-alg' };
  }
}

async function eabJunk(jwk: Record<string, unknown>): Promise<{ value: unknown; note: string }> {
  const c = world.customer;
  const url = world.dir.newAccount!;
  const key = new Uint8Array(Buffer.from(c.hmacKey, 'base64url'));
  const mk = async (header: Record<string, unknown>, payload: unknown, hmac: Uint8Array<ArrayBuffer> = key) => {
    const p = b64uJson(header);
    const pl = b64uJson(payload);
    return { protected: p, payload: pl, signature: await hmacSha256(hmac, `${p}.${pl}`) };
  };
  switch (rand.int(0, 13)) {
    case 0:
      return { value: await mk({ alg: 'HS256', kid: rand.alnum(20), url }, jwk), note: 'eab-unknown-kid' };
    case 1:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url }, jwk, rand.bytes(32)), note: 'eab-wrong-hmac' };
    case 2:
      return { value: await mk({ alg: rand.pick(['none', 'RS256', 'ES256', 'HS1', '', 5]), kid: c.kid, url }, jwk), note: 'eab-wrong-alg' };
    case 3:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url: `${world.base}/acme/new-order` }, jwk), note: 'eab-wrong-url' };
    case 4:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url }, rand.pick(world.otherKeys).jwk), note: 'eab-other-jwk' };
    case 5:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url }, junkValue()), note: 'eab-payload-junk' };
    case 6:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url, nonce: 'abc' }, jwk), note: 'eab-with-nonce' };
    case 7:
      return { value: await mk({ alg: 'HS256', kid: junkValue(), url }, jwk), note: 'eab-kid-junk' };
    case 8:
      return { value: junkValue(), note: 'eab-junk' };
    case 9:
      return { value: { protected: '!!!', payload: b64uJson(jwk), signature: 'AA' }, note: 'eab-bad-base64' };
    case 10:
      return { value: { protected: b64uJson(deep(1000, 'object')), payload: '', signature: '' }, note: 'eab-deep' };
    case 11:
      return { value: await mk({ alg: 'HS256', kid: c.kid, url }, jwk), note: 'eab-valid' };
    case 12:
      return { value: await mk({ alg: 'HS512', kid: c.kid, url }, jwk), note: 'eab-alg-mismatch' };
    default:
      return { value: await mk({ alg: 'HS256', kid: c.kid.toUpperCase() + ' ', url }, jwk), note: 'eab-kid-variant' };
  }
}

function identifierJunk(): unknown {
  switch (rand.int(0, 9)) {
    case 0:
      return junkValue();
    case 1:
      return [];
    case 2:
      return Array.from({ length: rand.pick([51, 101, 1000]) }, (_, i) => ({ type: 'dns', value: `n${i}.fuzz.example` }));
    case 3:
      return [{ type: rand.pick(['ip', 'email', 'DNS', '', 5, null]), value: rand.pick(JUNK_STRINGS) }];
    case 4:
      return [{ type: 'dns', value: junkValue() }];
    case 5:
      return [{ type: 'dns', value: rand.pick(JUNK_STRINGS) }];
    case 6:
      return [{ type: 'dns', value: `x${rand.int(0, 999)}.fuzz.example` }, { type: 'dns', value: `x${rand.int(0, 999)}.fuzz.example` }];
    case 7:
      return [{ type: 'dns', value: '*.fuzz.example' }, { type: 'dns', value: 'fuzz.example' }, { type: 'dns', value: 'FUZZ.example.' }];
    case 8:
      return [{ type: 'ip', value: rand.pick(['127.0.0.1', '::1', '999.1.1.1', '::ffff:1.2.3.4', '1.2.3.4/24']) }];
    default:
      return [{ type: 'dns', value: 'a.fuzz.example', extra: deep(100, 'array') }];
  }
}

function csrJunk(): unknown {
  switch (rand.int(0, 8)) {
    case 0:
      return rand.pick(world.wrongCsrs);
    case 1:
      return b64u(rand.bytes(rand.int(0, 3000)));
    case 2:
      return rand.pick(JUNK_STRINGS);
    case 3:
      return Buffer.from(Buffer.from(rand.pick(world.wrongCsrs), 'base64url')).toString('base64');
    case 4:
      return junkValue();
    case 5: {
      const der = Buffer.from(rand.pick(world.wrongCsrs), 'base64url');
      const i = rand.int(0, der.length - 1);
      der[i] = der[i]! ^ 0xff;
      return der.toString('base64url');
    }
    case 6:
      return '30' + 'A'.repeat(rand.pick([100, 50_000]));
    case 7:
      // A DER SEQUENCE claiming a huge length, and nested SEQUENCEs.
      return rand.pick([b64u(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00])), b64u(Buffer.alloc(4000, 0x30).map((_, i) => (i % 2 ? 0x80 : 0x30)))]);
    default:
      return `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(rand.pick(world.wrongCsrs), 'base64url').toString('base64')}\n-----END CERTIFICATE REQUEST-----`;
  }
}

async function innerKeyChangeJunk(outerUrl: string): Promise<{ value: unknown; note: string }> {
  const nk = rand.pick(world.otherKeys);
  const header: Record<string, unknown> = { alg: 'ES256', jwk: nk.jwk, url: outerUrl };
  const payload: Record<string, unknown> = { account: world.acctUrl, oldKey: world.acctKey.jwk };
  // Always at least one defect: a valid key change would take the account's key away from the campaign.
  const k = rand.int(0, 8);
  let note = '';
  switch (k) {
    case 0:
      header.url = `${world.base}/acme/new-order`;
      note = 'inner-url';
      break;
    case 1:
      payload.account = `${world.base}/acme/acct/${rand.alnum(10)}`;
      note = 'inner-account';
      break;
    case 2:
      payload.oldKey = rand.pick(JUNK_JWKS)();
      note = 'inner-oldkey';
      break;
    case 3:
      header.jwk = world.acctKey.jwk;
      note = 'inner-same-key';
      break;
    case 4:
      header.jwk = rand.pick(JUNK_JWKS)();
      note = 'inner-jwk-junk';
      break;
    case 5:
      header.nonce = 'x';
      header.url = 'http://evil.example/';
      note = 'inner-nonce-url';
      break;
    case 6:
      header.alg = rand.pick(['none', 'HS256', 'RS256']);
      note = 'inner-alg';
      break;
    case 7:
      return { value: junkValue(), note: 'inner-junk' };
    default:
      note = 'inner-bad-signature';
  }
  const p = b64uJson(header);
  const pl = b64uJson(payload);
  const sig = k === 8 ? b64u(rand.bytes(64)) : await signEs256(nk.privateKey, p, pl);
  return { value: { protected: p, payload: pl, signature: sig }, note };
}

type AcmeTarget = { name: string; url: string; kind: 'jwk' | 'kid' | 'get' };

function acmeTarget(): AcmeTarget {
  const w = world;
  const b = `${w.base}/acme`;
  const ready = rand.pick(w.readyOrders);
  return rand.weighted<AcmeTarget>([
    [14, { name: 'new-account', url: w.dir.newAccount!, kind: 'jwk' }],
    [14, { name: 'new-order', url: w.dir.newOrder!, kind: 'kid' }],
    [9, { name: 'finalize(ready)', url: ready.finalize, kind: 'kid' }],
    [2, { name: 'finalize(pending)', url: w.pendingOrder.finalize, kind: 'kid' }],
    [4, { name: 'order', url: rand.pick([w.pendingOrder.url, ready.url, w.validOrder.url]), kind: 'kid' }],
    [4, { name: 'authz', url: w.pendingOrder.authz, kind: 'kid' }],
    [4, { name: 'chall', url: rand.pick(w.pendingOrder.chall), kind: 'kid' }],
    [6, { name: 'acct', url: w.acctUrl, kind: 'kid' }],
    [3, { name: 'acct/orders', url: `${w.acctUrl}/orders`, kind: 'kid' }],
    [8, { name: 'key-change', url: w.dir.keyChange!, kind: 'kid' }],
    [8, { name: 'revoke-cert', url: w.dir.revokeCert!, kind: rand.chance(0.3) ? 'jwk' : 'kid' }],
    [3, { name: 'cert', url: w.validOrder.cert, kind: 'kid' }],
    [6, { name: 'junk-id', url: `${b}/${rand.pick(['acct', 'order', 'authz', 'chall', 'cert', 'order'])}/${junkParam()}${rand.chance(0.3) ? '/finalize' : ''}`, kind: 'kid' }],
    [5, { name: 'renewal-info', url: `${b}/renewal-info/${rand.pick([junkParam(), `${b64u(rand.bytes(20))}.${b64u(rand.bytes(16))}`, 'a.b.c', '.', 'AAAA.'])}`, kind: 'get' }],
    [4, { name: rand.pick(['directory', 'new-nonce', 'terms']), url: `${b}/${rand.pick(['directory', 'new-nonce', 'terms'])}`, kind: 'get' }],
    [2, { name: 'unknown', url: `${b}/${junkParam()}`, kind: 'get' }],
  ]);
}

async function acmePayload(t: AcmeTarget, jwk: Record<string, unknown>): Promise<{ payload: unknown; note: string }> {
  const r = rand.next();
  if (r < 0.08) return { payload: '', note: 'post-as-get' };
  if (r < 0.16) return { payload: junkValue(), note: 'payload-junk' };
  if (r < 0.19) return { payload: { pad: 'x'.repeat(rand.pick([40_000, 70_000, 200_000])) }, note: 'payload-huge' };
  switch (t.name) {
    case 'new-account': {
      const e = await eabJunk(jwk);
      const p: Record<string, unknown> = { termsOfServiceAgreed: rand.pick([true, false, 'yes', 1]), contact: rand.pick([['mailto:f@fuzz.example'], junkValue(), [junkString()], ['mailto:' + 'a'.repeat(300) + '@x.com', 'tel:123']]) };
      if (rand.chance(0.9)) p.externalAccountBinding = e.value;
      if (rand.chance(0.1)) p.onlyReturnExisting = rand.pick([true, 'true', 1]);
      return { payload: p, note: e.note };
    }
    case 'new-order': {
      const p: Record<string, unknown> = { identifiers: identifierJunk() };
      if (rand.chance(0.3)) p.notAfter = rand.pick(JUNK_STRINGS.filter((s) => /\d{4}-/.test(s)).concat(['2020-01-01T00:00:00Z', '9999-01-01T00:00:00Z']));
      if (rand.chance(0.2)) p.notBefore = junkValue();
      if (rand.chance(0.2)) p.profile = junkValue();
      if (rand.chance(0.2)) p.replaces = rand.pick([junkString(), `${b64u(rand.bytes(20))}.${b64u(rand.bytes(16))}`, 5]);
      return { payload: p, note: 'new-order-junk' };
    }
    case 'finalize(ready)':
    case 'finalize(pending)':
      return { payload: rand.chance(0.9) ? { csr: csrJunk() } : { csr: rand.pick(world.wrongCsrs), extra: junkValue() }, note: 'csr-junk' };
    case 'authz':
      return { payload: rand.pick([{ status: rand.pick(['valid', 'invalid', 'DEACTIVATED', 1, null]) }, junkValue(), {}]), note: 'authz-junk' };
    case 'chall':
      return { payload: rand.pick([{}, { keyAuthorization: junkString() }, junkValue()]), note: 'chall' };
    case 'acct':
      return {
        payload: rand.pick([
          { contact: junkValue() },
          { contact: [junkString()] },
          { status: rand.pick(['valid', 'revoked', 'DEACTIVATED', 0, null]) },
          { termsOfServiceAgreed: junkValue() },
          { externalAccountBinding: (await eabJunk(jwk)).value },
          { orders: junkValue() },
        ]),
        note: 'acct-update-junk',
      };
    case 'key-change': {
      const inner = await innerKeyChangeJunk(t.url);
      return { payload: inner.value, note: inner.note };
    }
    case 'revoke-cert':
      return {
        payload: rand.pick([
          { certificate: csrJunk() },
          { certificate: world.validOrder.certDerB64u, reason: rand.pick([-1, 2, 7, 8, 11, 99, '1', null, 1.5, 2 ** 40]) },
          { certificate: junkValue(), reason: junkValue() },
          { certificate: world.validOrder.certDerB64u.slice(0, -10) },
        ]),
        note: 'revoke-junk',
      };
    default:
      return { payload: '', note: 'post-as-get' };
  }
}

const JOSE = 'application/jose+json';

async function genAcme(pool: Pool): Promise<Req> {
  const t = acmeTarget();
  const path = pathOf(t.url);
  if (t.kind === 'get') {
    const method = rand.chance(0.7) ? rand.pick(['GET', 'HEAD']) : rand.pick(ODD_METHODS);
    const body = method === 'GET' || method === 'HEAD' ? undefined : unsignedJunk(t.url).body;
    return { family: 'acme', route: `${method} /acme/${t.name}`, note: rand.chance(0.2) ? 'query' : 'plain', method, path: path + (rand.chance(0.2) ? junkQuery() : ''), headers: body ? { 'content-type': JOSE } : {}, body };
  }
  const headers: Record<string, string> = { 'content-type': rand.chance(0.9) ? JOSE : rand.pick([...WRONG_CONTENT_TYPES, 'application/jose', 'application/json']) };
  let method = 'POST';
  if (rand.chance(0.05)) method = rand.pick(ODD_METHODS);
  if (rand.chance(0.3)) {
    const j = unsignedJunk(t.url);
    return { family: 'acme', route: `POST /acme/${t.name}`, note: `unsigned ${j.note}`, method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : j.body };
  }
  const useJwk = t.kind === 'jwk';
  const key = useJwk && t.name === 'new-account' ? rand.pick(world.otherKeys) : { privateKey: world.acctKey.privateKey, jwk: world.acctKey.jwk };
  const h = acmeHeader(t.url, await nonce(pool), useJwk, key);
  const pay = await acmePayload(t, key.jwk);
  const p = b64uJson(h.header);
  const pl = pay.payload === '' ? '' : b64uJson(pay.payload);
  let sig = await signEs256(key.privateKey, p, pl);
  let note = `${h.note} ${pay.note}`;
  if (rand.chance(0.1)) {
    sig = rand.pick(['', b64u(rand.bytes(64)), b64u(rand.bytes(70)), sig.slice(0, -2), sig + 'AA', '!!' + sig]);
    note += ' bad-signature';
  }
  const body = JSON.stringify({ protected: p, payload: pl, signature: sig });
  return { family: 'acme', route: `POST /acme/${t.name}`, note: `signed ${note}`, method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body };
}

// ---------------------------------------------------------------------------------------------------------
// Portal

const PORTAL_FORMS: Record<string, string[]> = {
  '/portal/signup': ['email', 'password', 'password2'],
  '/portal/login': ['email', 'password', 'next'],
  '/portal/logout': [],
  '/portal/orders/new': ['csr', 'domains'],
  '/portal/orders': ['product', 'domains', 'csr', 'www', 'key', 'form_id', 'org_name', 'org_unit', 'org_locality', 'org_state', 'org_country', 'org_email', 'ev_category', 'ev_registration', 'ev_jurisdiction_country', 'ev_jurisdiction_state', 'ev_jurisdiction_locality'],
  '/portal/orders/:n/unlock-code': [],
  '/portal/track': ['caReference'],
  '/portal/track/validate': ['caReference'],
  '/portal/track/certificate': ['caReference', 'format'],
  '/portal/track/reissue': ['caReference', 'csr', 'confirm'],
  '/portal/caas/:id/reveal': [],
  '/portal/caas/:id/replace': ['confirm'],
  '/portal/csr': ['csr', 'domains'],
};

const PORTAL_PAGES = ['/portal/', '/portal', '/', '/portal/signup', '/portal/login', '/portal/orders', '/portal/orders/new', '/portal/orders/:n', '/portal/track', '/portal/caas', '/portal/csr', '/portal/assets/:n', '/portal/:n'];

function portalValue(field: string): string {
  if (rand.chance(0.45)) return junkString();
  switch (field) {
    case 'email':
      return rand.chance(0.3) ? world.customer.email : `p${rand.alnum(5)}@fuzz.example`;
    case 'password':
    case 'password2':
      return rand.alnum(rand.int(0, 14));
    case 'caReference':
      return rand.chance(0.5) ? world.tracking.caReference : rand.alnum(rand.int(1, 80));
    case 'product':
      return rand.pick(['dv', 'ov', 'ev', 'xx']);
    case 'domains':
      return rand.pick(['a.fuzz.example', 'a.fuzz.example\r\nb.fuzz.example', 'a b c', '*.fuzz.example', ', , ,']);
    case 'format':
      return rand.pick(['pem', 'fullchain', 'der', 'p7b', 'zip', '']);
    case 'confirm':
      return rand.pick(['1', '0', 'yes', '']);
    case 'next':
      return rand.pick(['/portal/orders', '//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']);
    default:
      return rand.alnum(rand.int(0, 30));
  }
}

/** application/x-www-form-urlencoded of any JS string (a lone surrogate goes out as U+FFFD, as browsers do). */
function formEncode(v: string): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) out += /[A-Za-z0-9*\-._]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function genPortal(): Req {
  const w = world.portal;
  if (rand.chance(0.2)) {
    const page = rand.pick(PORTAL_PAGES);
    const path = page.replace(':n', rand.chance(0.3) ? world.tracking.orderNumber : junkParam()) + (rand.chance(0.3) ? junkQuery() : '');
    const method = rand.chance(0.8) ? 'GET' : rand.pick(ODD_METHODS);
    const ctx = rand.pick([w.anon, w.session, { cookie: rand.pick(['eabgate_session=' + rand.alnum(43), 'eabgate_csrf=%ff', 'a', '=;=;']), csrf: '' }]);
    return { family: 'portal', route: `GET ${page}`, note: method === 'GET' ? 'page' : `method=${method}`, method, path, headers: ctx.cookie ? { cookie: ctx.cookie } : {} };
  }
  const route = rand.pick(Object.keys(PORTAL_FORMS));
  const realParam = route.includes(':n') ? world.tracking.orderNumber : world.customer.subscriptionId;
  const useReal = rand.chance(0.4);
  const path = route.replace(/:n|:id/, useReal ? realParam : junkParam());
  const ctx = rand.chance(0.6) ? w.session : w.anon;
  const csrfMode = rand.weighted([
    [15, 'missing'],
    [15, 'forged'],
    [55, 'right'],
    [10, 'other-context'],
    [5, 'duplicated'],
  ] as const);
  let csrf: string | undefined =
    csrfMode === 'missing' ? undefined : csrfMode === 'forged' ? rand.pick([rand.alnum(43), '', ctx.csrf.slice(0, -1), ctx.csrf.toUpperCase(), 'x'.repeat(5000)]) : csrfMode === 'other-context' ? (ctx === w.session ? w.anon.csrf : w.session.csrf) : ctx.csrf;
  const fields: [string, string][] = PORTAL_FORMS[route]!.filter(() => rand.chance(0.8)).map((f) => [f, portalValue(f)]);
  // Keep the campaign's own session and credentials: no logout and no credential replacement with a valid token.
  if (csrf === ctx.csrf && ctx === w.session && (route === '/portal/logout' || (route.endsWith('/replace') && useReal))) csrf = w.anon.csrf;
  if (rand.chance(0.2)) fields.push([junkString().slice(0, 40), junkString()]);
  if (csrf !== undefined) fields.push(['_csrf', csrf]);
  if (csrfMode === 'duplicated') fields.push(['_csrf', rand.alnum(43)]);
  const headers: Record<string, string> = { cookie: ctx.cookie, 'content-type': 'application/x-www-form-urlencoded' };
  const origin = rand.weighted([
    [80, 'none'],
    [7, 'evil'],
    [5, 'cross-site'],
    [3, 'null'],
    [5, 'null-same-origin'],
  ] as const);
  if (origin === 'evil') headers.origin = rand.pick(['http://evil.example', `http://127.0.0.1.evil.example`, 'null ', world.base + '.evil']);
  if (origin === 'cross-site') headers['sec-fetch-site'] = rand.pick(['cross-site', 'same-site', 'none', 'junk']);
  if (origin === 'null') headers.origin = 'null';
  if (origin === 'null-same-origin') Object.assign(headers, { origin: 'null', 'sec-fetch-site': 'same-origin' });
  if (rand.chance(0.1)) headers.cookie = rand.pick(['', 'eabgate_session=' + rand.alnum(43), ctx.cookie + '; eabgate_session=x', 'eabgate_csrf=' + rand.alnum(43), 'eabgate_session=%ff%fe; eabgate_csrf="x"']);
  const encode = (fs: [string, string][]) => fs.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join('&');
  const kind = rand.weighted([
    [58, 'form'],
    [5, 'oversized-field'],
    [4, 'over-limit'],
    [6, 'bad-percent'],
    [5, 'raw-invalid-utf8'],
    [5, 'json'],
    [5, 'multipart'],
    [3, 'text'],
    [4, 'empty'],
    [3, 'many-fields'],
    [2, 'no-content-type'],
  ] as const);
  let body: Body = encode(fields);
  switch (kind) {
    case 'oversized-field':
      body = encode([...fields, [fields[0]?.[0] ?? 'email', 'Q'.repeat(rand.pick([10_000, 60_000]))]]);
      break;
    case 'over-limit':
      body = encode([...fields, ['x', 'Q'.repeat(rand.pick([64 * 1024, 300_000]))]]);
      break;
    case 'bad-percent':
      body = encode(fields) + rand.pick(['&a=%', '&a=%zz', '&%ff%fe=%c0%af', '&email=%ed%a0%80', '&=&&==&']);
      break;
    case 'raw-invalid-utf8':
      body = Buffer.concat([Buffer.from(encode(fields) + '&email='), rand.pick(INVALID_UTF8)]);
      break;
    case 'json':
      headers['content-type'] = 'application/json';
      body = JSON.stringify(Object.fromEntries(fields));
      break;
    case 'multipart':
      headers['content-type'] = rand.pick(['multipart/form-data; boundary=x', 'multipart/form-data', 'multipart/form-data; boundary=']);
      body = fields.map(([k, v]) => `--x\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + rand.pick(['--x--\r\n', '', '--y--']);
      break;
    case 'text':
      headers['content-type'] = rand.pick(['text/plain', 'application/x-www-form-urlencoded; charset=utf-16', 'application/octet-stream']);
      break;
    case 'empty':
      body = '';
      break;
    case 'many-fields':
      body = encode([...fields, ...Array.from({ length: rand.pick([1000, 5000]) }, (_, i) => [`f${i}`, 'v'] as [string, string])]);
      break;
    case 'no-content-type':
      delete headers['content-type'];
      break;
  }
  let method = 'POST';
  if (rand.chance(0.05)) method = rand.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  return { family: 'portal', route: `POST ${route}`, note: `csrf=${csrfMode} origin=${origin} ${kind}`, method, path, headers, body };
}

// ---------------------------------------------------------------------------------------------------------
// Other paths

function genOther(): Req {
  const paths = [
    '/ca/root.pem',
    '/ca/intermediate.pem',
    '/ca/intermediate.crt',
    '/ca/crl',
    '/openapi.json',
    '/healthz',
    '/api/v2/orders',
    '/api/v1/',
    '/api/v1/../../etc/passwd',
    '/api/v1/%2e%2e/%2e%2e/',
    '//',
    '/%00',
    '/%ff',
    '/api/v1/orders/%',
    '/' + 'a/'.repeat(3000),
    '/' + 'b'.repeat(7000),
    '/api/v1/admin/',
    '/acme',
    '/favicon.ico',
    '/.env',
    '/api/v1/orders;jsessionid=1',
    '/api/v1/orders/%2F..%2F',
    '/api//v1//orders',
  ];
  const path = rand.pick(paths) + (rand.chance(0.3) ? junkQuery() : '');
  const method = rand.chance(0.6) ? 'GET' : rand.pick(ODD_METHODS);
  const headers: Record<string, string> = {};
  if (rand.chance(0.2)) headers.host = rand.pick(['evil.example', '', '127.0.0.1:1', 'a'.repeat(500), '[::1]', 'localhost:99999']);
  if (rand.chance(0.1)) headers['x-forwarded-for'] = rand.pick(['1.2.3.4', 'junk', '::1, 1.1.1.1']);
  if (rand.chance(0.1)) headers.accept = rand.pick(['*/*', 'application/problem+json', '\u00e9', 'x'.repeat(3000)]);
  if (rand.chance(0.05)) headers['range'] = rand.pick(['bytes=0-1', 'bytes=-1', 'bytes=99999999-', 'junk']);
  const body = method === 'GET' || method === 'HEAD' ? undefined : rand.chance(0.5) ? rand.pick(NOT_JSON) : undefined;
  return { family: 'other', route: `${method} ${truncate(path.split(/[?#]/)[0]!, 40)}`, note: 'path', method, path, headers, body };
}

// ---------------------------------------------------------------------------------------------------------
// Sending and counting

const counters = {
  sent: 0,
  done: 0,
  helperRequests: 0,
  perFamily: new Tally(),
  statusAll: new Tally(),
  statusByFamily: new Map<Family, Tally>(),
  transportErrors: new Tally(),
  timeouts: 0,
  notSent: new Tally(),
  twoHundreds: new Tally(),
  serverErrors: [] as { req: string; status: number; response: string }[],
  transportSamples: [] as string[],
  /** Milliseconds spent waiting per route (summed over the concurrent requests), to see where the time went. */
  msByRoute: new Tally(),
};

/** The JWS parts of an ACME body, decoded (for reports of a ≥ 500). */
function decodedJws(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    if (typeof j.protected !== 'string' || typeof j.payload !== 'string') return undefined;
    const dec = (x: string) => Buffer.from(x, 'base64url').toString('utf8');
    return `decoded protected=${truncate(dec(j.protected), 300)} payload=${truncate(dec(j.payload), 300)}`;
  } catch {
    return undefined;
  }
}

function describe(req: Req): string {
  let b = '';
  if (Buffer.isBuffer(req.body)) b = `<${req.body.length} bytes: ${truncate(req.body.toString('latin1'), 300)}>`;
  else if (req.body !== undefined) b = (req.family === 'acme' && decodedJws(req.body)) || truncate(req.body, 400);
  const h = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${truncate(v, 80)}`)
    .join(' | ');
  return `[${req.family}] ${req.route} (${req.note}) → ${req.method} ${truncate(req.path, 200)} {${h}} ${b}`;
}

async function send(pool: Pool, req: Req): Promise<void> {
  counters.perFamily.add(req.family);
  const fam = counters.statusByFamily.get(req.family) ?? new Tally();
  counters.statusByFamily.set(req.family, fam);
  let res;
  const t0 = performance.now();
  try {
    res = await pool.request({
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: req.body,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string };
    const code = e.code ?? e.name ?? 'error';
    if (code === 'UND_ERR_INVALID_ARG' || code === 'InvalidArgumentError') {
      // undici refused to send it (e.g. a header value it will not write): not a request to the server.
      counters.notSent.add(truncate(e.message ?? code, 60));
      counters.perFamily.add(req.family, -1);
      return;
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') counters.timeouts++;
    counters.transportErrors.add(`${req.family} ${code}`);
    if (counters.transportSamples.length < 8) counters.transportSamples.push(`${code}: ${truncate(describe(req), 300)}`);
    fam.add(`error:${code}`);
    counters.statusAll.add(`error:${code}`);
    return;
  } finally {
    counters.done++;
  }
  let text = '';
  try {
    text = await res.body.text();
  } catch (err) {
    counters.transportErrors.add(`${req.family} body:${(err as { code?: string }).code ?? 'error'}`);
  }
  counters.msByRoute.add(req.route, performance.now() - t0);
  const status = res.statusCode;
  fam.add(status);
  counters.statusAll.add(status);
  if (status >= 200 && status < 300) counters.twoHundreds.add(req.route);
  const n = res.headers['replay-nonce'];
  if (typeof n === 'string' && world.nonces.length < 2000) world.nonces.push(n);
  if (status >= 500) counters.serverErrors.push({ req: describe(req), status, response: truncate(text, 500) });
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now();
  const dns = await TestDnsServer.start();
  const http = await Http01Responder.start();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-fuzz-'));
  const closedPort = await freePort();
  const env = {
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_LOG_REQUESTS: 'false',
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(closedPort),
    EABGATE_VA_TLS_ALPN_PORT: String(closedPort),
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
  };
  let server: KillableServer | undefined;
  let pool: Pool | undefined;
  let exitCode = 0;
  try {
    server = await spawnServer({ port, dataDir, env });
    const pid = server.proc.pid;
    // Error lines of the server's log, grouped (message, error name, path with ids blanked).
    const errorLog = new Tally();
    let partial = '';
    const onLog = (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (!/"level":"(error|fatal)"|unhandled/i.test(l)) continue;
        try {
          const j = JSON.parse(l) as Record<string, unknown>;
          errorLog.add(`${j.msg} ${j.error ?? ''} ${String(j.path ?? '').replace(/[0-9a-f-]{36}/g, ':id')}`);
        } catch {
          errorLog.add(truncate(l, 200));
        }
      }
    };
    server.proc.stdout!.on('data', onLog);
    server.proc.stderr!.on('data', onLog);
    pool = new Pool(server.baseUrl, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
    const openapi = await (await pool.request({ method: 'GET', path: '/openapi.json' })).body.json();
    loadOps(openapi as Parameters<typeof loadOps>[0]);
    world = await setUp(pool, server.baseUrl, dns, http);
    console.log(
      `[fuzz] setup: ${JSON.stringify({ seed: SEED, requests: REQUESTS, maxSeconds: MAX_SECONDS, concurrency: CONCURRENCY, port, dataDir, pid, restOperations: ops.length, rssMbAfterSetup: rssMb(pid), setupSeconds: Math.round((performance.now() - started) / 100) / 10 })}`,
    );

    const fuzzStart = performance.now();
    const deadline = fuzzStart + MAX_SECONDS * 1000;
    let dead = false;
    let peakRss = rssMb(pid);
    const monitor = setInterval(() => {
      if (!alive(pid) || server!.proc.exitCode !== null || server!.proc.signalCode !== null) dead = true;
      const r = rssMb(pid);
      if (r > peakRss) peakRss = r;
    }, 500);
    let lastPrint = fuzzStart;
    const progress = () => {
      const now = performance.now();
      if (now - lastPrint < 15_000) return;
      lastPrint = now;
      console.log(`[fuzz] … ${counters.done} requests, ${Math.round(counters.done / ((now - fuzzStart) / 1000))}/s, ≥500: ${counters.serverErrors.length}, RSS ${rssMb(pid)} MiB`);
    };
    const workerLoop = async () => {
      while (counters.sent < REQUESTS && performance.now() < deadline && !dead) {
        counters.sent++;
        const family = rand.weighted<Family>([
          [40, 'rest'],
          [38, 'acme'],
          [18, 'portal'],
          [4, 'other'],
        ]);
        let req: Req;
        try {
          req = family === 'rest' ? genRest() : family === 'acme' ? await genAcme(pool!) : family === 'portal' ? genPortal() : genOther();
        } catch (err) {
          counters.notSent.add(`generator: ${truncate(String(err), 80)}`);
          continue;
        }
        await send(pool!, req);
        progress();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
    clearInterval(monitor);
    const seconds = (performance.now() - fuzzStart) / 1000;

    // The end: still alive, healthy, and serving real requests.
    await sleep(200);
    const isAlive = alive(pid) && server.proc.exitCode === null && server.proc.signalCode === null;
    let healthz = 0;
    let directory = 0;
    if (isAlive) {
      try {
        healthz = (await fetch(`${server.baseUrl}/healthz`)).status;
        directory = (await fetch(`${server.baseUrl}/acme/directory`)).status;
      } catch {
        /* counted as 0 */
      }
    }
    const rssEnd = rssMb(pid);
    const hwm = rssMb(pid, 'VmHWM');

    const statusByFamily = Object.fromEntries([...counters.statusByFamily.entries()].map(([f, t]) => [f, t.obj()]));
    console.log(`[fuzz] requests per family: ${JSON.stringify(counters.perFamily.obj())} (total ${counters.perFamily.total()}, plus ${counters.helperRequests} nonce fetches)`);
    console.log(`[fuzz] status histogram: ${JSON.stringify(counters.statusAll.obj())}`);
    for (const [f, t] of Object.entries(statusByFamily)) console.log(`[fuzz]   ${f}: ${JSON.stringify(t)}`);
    console.log(`[fuzz] 2xx by route: ${JSON.stringify(counters.twoHundreds.obj())}`);
    const slow = [...counters.msByRoute.m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`[fuzz] most waited-on routes (seconds, summed over connections): ${JSON.stringify(Object.fromEntries(slow.map(([k, v]) => [k, Math.round(v / 1000)])))}`);
    if (counters.transportErrors.total()) console.log(`[fuzz] transport errors (no HTTP answer; e.g. the server closing an over-limit upload): ${JSON.stringify(counters.transportErrors.obj())}`);
    for (const t of counters.transportSamples) console.log(`[fuzz]   e.g. ${t}`);
    if (counters.notSent.total()) console.log(`[fuzz] not sent (refused by the client library): ${JSON.stringify(counters.notSent.obj())}`);
    console.log(
      `[fuzz] figures: ${JSON.stringify({
        requests: counters.perFamily.total(),
        seconds: Math.round(seconds * 10) / 10,
        requestsPerSecond: Math.round(counters.perFamily.total() / seconds),
        serverErrors: counters.serverErrors.length,
        timeouts: counters.timeouts,
        alive: isAlive,
        healthz,
        acmeDirectory: directory,
        rssMbEnd: rssEnd,
        rssMbPeakSampled: peakRss,
        rssMbHighWater: hwm,
        serverErrorLogLines: errorLog.total(),
        seed: SEED,
      })}`,
    );
    if (counters.serverErrors.length) {
      // Grouped by status, route and answer; two examples each.
      const groups = new Map<string, typeof counters.serverErrors>();
      for (const e of counters.serverErrors) {
        const key = `${e.status} ${e.req.split(' (')[0]} → ${truncate(e.response, 160)}`;
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
      console.log(`[fuzz] ≥500 answers: ${counters.serverErrors.length} in ${groups.size} group(s)`);
      for (const [key, list] of [...groups.entries()].slice(0, 20)) {
        console.log(`[fuzz] ≥500 ×${list.length}: ${key}`);
        for (const e of list.slice(0, 2)) console.log(`        request: ${e.req}`);
      }
    }
    if (errorLog.total()) console.log(`[fuzz] server error log lines, grouped: ${JSON.stringify(errorLog.obj())}`);
    if (!isAlive) console.log(`[fuzz] the server died: ${server.output().slice(-3000)}`);

    const pass = counters.serverErrors.length === 0 && isAlive && healthz === 200;
    console.log(`[fuzz] ${pass ? 'PASS' : 'FAIL'}: ${counters.serverErrors.length} answers ≥ 500, server ${isAlive ? 'alive' : 'dead'}, /healthz ${healthz}`);
    exitCode = pass ? 0 : 1;
  } catch (err) {
    console.error('[fuzz] campaign error:', err);
    if (server) console.error(server.output().slice(-3000));
    exitCode = 2;
  } finally {
    await pool?.close().catch(() => undefined);
    await server?.stop();
    await killSpawnedServers();
    await dns.stop();
    await http.stop();
    if (process.env.FUZZ_KEEP_DATA || exitCode !== 0) console.log(`[fuzz] data directory kept: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return exitCode;
}

process.exitCode = await main();
