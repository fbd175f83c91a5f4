/**
 * DNSSEC for domain validation and CAA (Baseline Requirements, from 2026-03-15) against a real validating
 * resolver: Unbound, with zones signed at test time (test/support/unbound.ts). signed.test is signed,
 * bogus.test carries records whose signatures do not match, insecure.test is not signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnssecToolsMissing, UnboundWorld, type ZoneRecord } from '../support/unbound.js';
import { Http01Responder } from '../support/http01-responder.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUdpResolver, udpExchange } from '../../src/adapters/node/dns-udp.js';
import { createDohResolver } from '../../src/adapters/workers/doh.js';
import { nodeDnsResolver } from '../../src/adapters/node/dns-resolver.js';
import { createHttp01Getter } from '../../src/adapters/node/http01-getter.js';
import { ConfigError, loadConfig } from '../../src/core/config.js';
import { ValidationAuthority } from '../../src/va/va.js';
import { dns01TxtValue, keyAuthorization } from '../../src/va/key-authorization.js';
import type { DnsResolver } from '../../src/va/ports.js';
import { WireDnsResolver, type DnsExchange } from '../../src/va/wire-resolver.js';
import {
  RCode,
  RRType,
  decodeMessage,
  ednsOf,
  encodeExtendedError,
  encodeMessage,
  encodeQuery,
  extendedErrors,
} from '../../src/va/dns-wire.js';
import type { ValidationResult } from '../../src/va/result.js';
import { ACME, RFC7638_JWK, newToken } from './fixtures.js';
import { customer } from '../support/harness.js';
import { placeAutoCsr } from '../support/order.js';
import { satisfy, track, trackingWorld, type TrackingWorld } from '../support/tracking.js';


const token = newToken();
let world: UnboundWorld;
let web: Http01Responder;
let validating: string;

/** The same records in each zone: a host, its dns-01 TXT, CAA for us at the apex, CAA for another CA below. */
async function records(): Promise<ZoneRecord[]> {
  const txt = await dns01TxtValue(await keyAuthorization(token, RFC7638_JWK));
  return [
    { name: '@', type: 'CAA', data: '0 issue "eabgate.test"' },
    { name: 'www', type: 'A', data: '127.0.0.1' },
    { name: '_acme-challenge.www', type: 'TXT', data: `"${txt}"` },
    { name: 'other', type: 'A', data: '127.0.0.1' },
    { name: 'other', type: 'CAA', data: '0 issue "other-ca.example"' },
  ];
}

function problemOf(r: ValidationResult) {
  if (r.valid) throw new Error('expected the validation to fail');
  return r.problem;
}

const vaWith = (resolver: DnsResolver) =>
  new ValidationAuthority({ resolver, http: createHttp01Getter(), httpPort: web.port, caaIdentities: ['eabgate.test'], timeoutMs: 3000, allowNetworks: ['127.0.0.0/8', '::1/128'] });

/** The resolver as the Node entry builds it from the environment. */
const fromEnv = (server: string, env: Record<string, string> = {}) =>
  nodeDnsResolver(loadConfig({ EABGATE_VA_DNS_SERVER: server, EABGATE_VA_DNSSEC: 'require', EABGATE_VA_DNSSEC_PROBE: 'signed.test', ...env }).va, {
    timeoutMs: 2000,
  });

describe('DNSSEC through a validating resolver (Unbound)', () => {
  beforeAll(async () => {
    const missing = dnssecToolsMissing(); // npm test installs them (scripts/install-tools.sh)
    if (missing) throw new Error(missing);
    const rs = await records();
    [world, web] = await Promise.all([UnboundWorld.start({ signed: rs, bogus: rs, insecure: rs }), Http01Responder.start()]);
    validating = await world.resolver('validating');
    web.setToken(token, await keyAuthorization(token, RFC7638_JWK));
  }, 60_000);
  afterAll(async () => {
    await world?.stop();
    await web?.stop();
  });

  describe('the resolver port', () => {
    it('sees AD on the signed zone, no AD (insecure) on the unsigned one, a DNSSEC failure on the bogus one', async () => {
      const r = fromEnv(validating);
      expect(await r.txt('_acme-challenge.www.signed.test')).toMatchObject({ status: 'found', dnssec: 'secure' });
      expect(await r.caa('signed.test')).toMatchObject({
        status: 'found',
        dnssec: 'secure',
        records: [{ flags: 0, tag: 'issue', value: 'eabgate.test' }],
      });
      // Unbound passes on the zone's TTLs (60 s; less as its cache ages): answers and negative answers (SOA) may be kept.
      const kept = expect.toSatisfy((t: number) => t > 0 && t <= 60);
      expect(await r.a('missing.signed.test')).toEqual({ status: 'nxdomain', dnssec: 'secure', ttl: kept });
      expect(await r.caa('www.signed.test')).toEqual({ status: 'nodata', dnssec: 'secure', ttl: kept });
      expect(await r.a('www.insecure.test')).toEqual({ status: 'found', records: ['127.0.0.1'], dnssec: 'insecure', ttl: kept });

      const bogus = await r.a('www.bogus.test');
      expect(bogus).toMatchObject({ status: 'failed', reason: 'dnssec' });
      expect(bogus.status === 'failed' && bogus.detail).toMatch(
        /^the answer failed DNSSEC validation at 127\.0\.0\.1:\d+ \(SERVFAIL, EDE 6 DNSSEC Bogus: ".*www\.bogus\.test\. A IN.*"\)$/,
      );
    });

    it('without Extended DNS Errors, tells a bogus SERVFAIL apart by asking again with checking disabled', async () => {
      const r = createUdpResolver({ server: await world.resolver('validating-no-ede'), timeoutMs: 2000 });
      const bogus = await r.txt('_acme-challenge.www.bogus.test');
      expect(bogus).toMatchObject({ status: 'failed', reason: 'dnssec' });
      expect(bogus.status === 'failed' && bogus.detail).toMatch(/failed DNSSEC validation .*with checking disabled the resolver answers NOERROR/);
      expect(await r.txt('_acme-challenge.www.signed.test')).toMatchObject({ status: 'found', dnssec: 'secure' });
    });

    it('EABGATE_VA_DNSSEC=require refuses a resolver that does not validate; off uses it (and the bogus zone passes)', async () => {
      const plain = await world.resolver('non-validating');
      const required = fromEnv(plain);
      const refused = await required.a('www.signed.test');
      expect(refused).toMatchObject({ status: 'failed', reason: 'dnssec' });
      expect(refused.status === 'failed' && refused.detail).toMatch(
        /^127\.0\.0\.1:\d+ does not validate DNSSEC: its answer for the signed "signed\.test" SOA lacks the AD bit; DNSSEC validation is required/,
      );
      const p = problemOf(await vaWith(required).validate('dns-01', 'www.signed.test', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}dns`);
      expect(p.detail).toMatch(/does not validate DNSSEC/);

      // Why the setting exists: a resolver that does not validate hands out the tampered records.
      const off = fromEnv(plain, { EABGATE_VA_DNSSEC: 'off' });
      expect(await off.a('www.bogus.test')).toEqual({ status: 'found', records: ['127.0.0.1'], ttl: expect.any(Number) });
      expect(await vaWith(off).validate('dns-01', 'www.bogus.test', token, RFC7638_JWK)).toEqual({ valid: true });
    });

    it('a probe name that is not signed fails the check the same way (no AD)', async () => {
      const r = fromEnv(validating, { EABGATE_VA_DNSSEC_PROBE: 'insecure.test' });
      expect(await r.txt('_acme-challenge.www.signed.test')).toMatchObject({ status: 'failed', reason: 'dnssec' });
    });
  });

  describe('dns-01, http-01 and CAA', () => {
    let va: ValidationAuthority;
    beforeAll(() => {
      va = vaWith(fromEnv(validating));
    });

    it('dns-01 passes on the signed and on the unsigned zone', async () => {
      expect(await va.validate('dns-01', 'www.signed.test', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(await va.validate('dns-01', '*.www.signed.test', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(await va.validate('dns-01', 'www.insecure.test', token, RFC7638_JWK)).toEqual({ valid: true });
    });

    it('dns-01 on the bogus zone fails with the dns problem naming DNSSEC, though the TXT value is right', async () => {
      const p = problemOf(await va.validate('dns-01', 'www.bogus.test', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}dns`);
      expect(p.detail).toMatch(/^looking up TXT for _acme-challenge\.www\.bogus\.test failed: the answer failed DNSSEC validation at .*DNSSEC Bogus/);
    });

    it("http-01's address look-up goes through the same resolver: signed and unsigned pass, bogus fails", async () => {
      expect(await va.validate('http-01', 'www.signed.test', token, RFC7638_JWK)).toEqual({ valid: true });
      expect(await va.validate('http-01', 'www.insecure.test', token, RFC7638_JWK)).toEqual({ valid: true });
      const p = problemOf(await va.validate('http-01', 'www.bogus.test', token, RFC7638_JWK));
      expect(p.type).toBe(`${ACME}dns`);
      expect(p.detail).toMatch(/^looking up A and AAAA for www\.bogus\.test failed: A: the answer failed DNSSEC validation/);
    });

    it('CAA: the signed and the unsigned zones are honoured (allow and forbid), the bogus zone fails with dns', async () => {
      expect(await va.checkCaa('www.signed.test')).toEqual({ ok: true });
      expect(await va.checkCaa('www.insecure.test')).toEqual({ ok: true });
      const other = await va.checkCaa('other.signed.test');
      expect(other).toMatchObject({ ok: false, problem: { type: `${ACME}caa` } });

      const bogus = await va.checkCaa('www.bogus.test');
      if (bogus.ok) throw new Error('expected CAA to fail');
      expect(bogus.problem.type).toBe(`${ACME}dns`);
      expect(bogus.problem.detail).toMatch(/^looking up CAA for bogus\.test failed \(the answer failed DNSSEC validation at .*\); issuance is not allowed/);
    });
  });
  describe('DNS over HTTPS (the Workers adapter) to the same resolver', () => {
    let endpoint: Server;
    let url: string;
    beforeAll(async () => {
      // A minimal RFC 8484 endpoint in front of Unbound: POST application/dns-message, relayed over UDP/TCP.
      const [host, port] = validating.split(':') as [string, string];
      const relay = udpExchange(host, Number(port), { timeoutMs: 2000 });
      endpoint = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          relay(new Uint8Array(Buffer.concat(chunks)), () => true).then(
            (answer) => res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answer),
            () => res.writeHead(502).end(),
          );
        });
      });
      await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/dns-query`;
    });
    afterAll(async () => {
      endpoint?.closeAllConnections();
      await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
    });

    it('sees AD on the signed zone and fails the bogus one with reason dnssec, requiring a validating service', async () => {
      const r = createDohResolver({ url, timeoutMs: 3000, requireDnssec: { probeName: 'signed.test' } });
      expect(await r.caa('signed.test')).toMatchObject({ status: 'found', dnssec: 'secure' });
      expect(await r.a('www.insecure.test')).toEqual({ status: 'found', records: ['127.0.0.1'], dnssec: 'insecure', ttl: expect.any(Number) });
      expect(await r.txt('_acme-challenge.www.bogus.test')).toMatchObject({
        status: 'failed',
        reason: 'dnssec',
        detail: expect.stringMatching(/failed DNSSEC validation at 127\.0\.0\.1:\d+ \(SERVFAIL, EDE 6 DNSSEC Bogus/),
      });
      const p = problemOf(await vaWith(r).validate('dns-01', 'www.bogus.test', token, RFC7638_JWK));
      expect(p).toMatchObject({ type: `${ACME}dns`, detail: expect.stringMatching(/DNSSEC/) });
    });
  });

  describe('end to end through the tracking API (in-process, EABGATE_VA_DNS_SERVER = Unbound)', () => {
    let w: TrackingWorld;
    let customerToken: string;
    beforeAll(async () => {
      w = await trackingWorld({ EABGATE_VA_DNS_SERVER: validating, EABGATE_VA_DNSSEC: 'require', EABGATE_VA_DNSSEC_PROBE: 'signed.test' });
      customerToken = await customer(w.h, 'dnssec@example.com');
    });
    afterAll(() => w?.close());

    const order = async (domain: string) => {
      const placed = await placeAutoCsr(w.h, customerToken, { product: 'dv', domains: [domain], organization: undefined, addWwwVariant: false });
      satisfy(w, await track(w.h, placed.caReference), [domain]); // http-01 through the world's responder
      const res = await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference: placed.caReference } });
      return (await res.json()) as {
        domains: { domain: string; status: string; found: Record<string, string> }[];
        order: { status: string };
      };
    };

    it('issues for a name in the signed zone, and not for one in the bogus zone, saying DNSSEC', async () => {
      expect((await order('www.signed.test')).order.status).toBe('issued');
      const bogus = await order('www.bogus.test');
      expect(bogus.order.status).toBe('pending_validation');
      expect(bogus.domains[0]!.status).toBe('pending');
      expect(bogus.domains[0]!.found['http-01']).toMatch(/failed DNSSEC validation/);
    });
  });
});

describe('EABGATE_VA_DNSSEC configuration', () => {
  it('is off unless set; require takes a probe name, "." (the root zone) by default', () => {
    expect(loadConfig({}).va.dnssec).toBeUndefined();
    expect(loadConfig({ EABGATE_VA_DNSSEC: 'off' }).va.dnssec).toBeUndefined();
    expect(loadConfig({ EABGATE_VA_DNSSEC: 'require' }).va.dnssec).toEqual({ probeName: '.' });
    expect(loadConfig({ EABGATE_VA_DNSSEC: 'require', EABGATE_VA_DNSSEC_PROBE: 'example.com.' }).va.dnssec).toEqual({
      probeName: 'example.com.',
    });
    expect(() => loadConfig({ EABGATE_VA_DNSSEC: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ EABGATE_VA_DNSSEC: 'require', EABGATE_VA_DNSSEC_PROBE: 'not a name' })).toThrow(/EABGATE_VA_DNSSEC_PROBE/);
  });
});

describe('wire format and the resolver check, without a network', () => {
  it('queries carry EDNS0 with DO, and AD; CD when asked; EDE options read back', () => {
    const q = decodeMessage(encodeQuery(7, 'a.example', RRType.TXT, { dnssec: true }));
    expect(q).toMatchObject({ authenticData: true, checkingDisabled: false, recursionDesired: true });
    expect(ednsOf(q)).toEqual({ udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: true, options: [] });
    expect(decodeMessage(encodeQuery(7, 'a.example', RRType.TXT, { dnssec: true, checkingDisabled: true })).checkingDisabled).toBe(true);
    expect(ednsOf(decodeMessage(encodeQuery(7, 'a.example', RRType.TXT)))).toBeNull();

    const answer = decodeMessage(
      encodeMessage({
        id: 7,
        response: true,
        rcode: RCode.SERVFAIL,
        questions: [{ name: 'a.example', type: RRType.TXT, class: 1 }],
        edns: { dnssecOk: true, options: [encodeExtendedError({ infoCode: 7, extraText: 'expired' })] },
      }),
    );
    expect(extendedErrors(answer)).toEqual([{ infoCode: 7, extraText: 'expired' }]);
  });

  /** A fake resolver: AD on everything but `unsigned.example`, SERVFAIL with an EDE for `bogus.example`. */
  function fakeExchange(log: string[], opts: { validates: boolean }): DnsExchange {
    return async (query) => {
      const q = decodeMessage(query);
      const question = q.questions[0]!;
      log.push(`${question.name || '.'} ${question.type}${q.checkingDisabled ? ' CD' : ''}`);
      const bogus = question.name === 'bogus.example';
      return encodeMessage({
        id: q.id,
        response: true,
        questions: q.questions,
        authenticData: opts.validates && !bogus && question.name !== 'unsigned.example',
        rcode: bogus && !q.checkingDisabled ? RCode.SERVFAIL : RCode.NOERROR,
        edns: { dnssecOk: true, options: bogus ? [encodeExtendedError({ infoCode: 7, extraText: '' })] : [] },
      });
    };
  }

  it('checks once for concurrent look-ups, again after recheckMs, and keeps no failed check', async () => {
    let now = 0;
    const log: string[] = [];
    const r = new WireDnsResolver(fakeExchange(log, { validates: true }), { requireDnssec: { recheckMs: 1000, now: () => now } });
    await Promise.all([r.txt('a.example'), r.caa('a.example'), r.caa('example')]);
    expect(log.filter((l) => l === '. 6')).toHaveLength(1);
    now = 999;
    expect(await r.txt('unsigned.example')).toEqual({ status: 'nodata', dnssec: 'insecure' });
    expect(log.filter((l) => l === '. 6')).toHaveLength(1);
    now = 1000;
    expect(await r.txt('a.example')).toEqual({ status: 'nodata', dnssec: 'secure' });
    expect(log.filter((l) => l === '. 6')).toHaveLength(2);
    expect(await r.txt('bogus.example')).toMatchObject({ status: 'failed', reason: 'dnssec', detail: expect.stringMatching(/EDE 7 Signature Expired/) });
    expect(log).not.toContain('bogus.example 16 CD'); // the EDE said enough

    const failing: string[] = [];
    const n = new WireDnsResolver(fakeExchange(failing, { validates: false }), { requireDnssec: {} });
    expect(await n.txt('a.example')).toMatchObject({ status: 'failed', reason: 'dnssec' });
    expect(await n.txt('a.example')).toMatchObject({ status: 'failed', reason: 'dnssec' });
    expect(failing).toEqual(['. 6', '. 6']); // asked again each time, the look-up itself never sent
  });
});
