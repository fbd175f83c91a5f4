/**
 * revokeCert (RFC 8555 §7.6) and ACME Renewal Information (RFC 9773) over HTTP: who may revoke, reasons,
 * alreadyRevoked, the serial on the CRL (read with `openssl crl`); the renewal window of a certificate,
 * and `replaces` in newOrder (same account, shared name, not replaced twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK } from 'jose';
import { acmeWorld, hostAt127, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { issue, type AcmeReply, type AcmeTestClient, type Issued } from '../../support/acme.js';
import { crlSerials, pemBlocks, serialOf } from '../../support/acme-server.js';
import { openssl } from '../../support/tools.js';
import { sign } from '../jws/support.js';

let w: AcmeWorld;
let c: AcmeTestClient;
let n = 0;
beforeAll(async () => {
  w = await acmeWorld();
  c = await w.registered();
});
afterAll(() => w.close());

function refused(r: AcmeReply, type: string, detail: RegExp, status: number): void {
  expect(problemOf(r), r.text).toMatchObject({ type, status });
  expect(r.body.detail).toMatch(detail);
}

async function fresh(client = c, names?: string[]): Promise<Issued> {
  const list = names ?? [`r${++n}.revoke.example`];
  hostAt127(w.dns, ...list.filter((x) => !x.startsWith('*.')));
  return issue(client, w, list);
}

const der = (pem: string) => Buffer.from(pemBlocks(pem)[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64url');

/** certID of RFC 9773 §4.1, computed with openssl from the certificate. */
function certIdOf(pem: string): string {
  const text = openssl(['x509', '-noout', '-ext', 'authorityKeyIdentifier'], pemBlocks(pem)[0]).stdout;
  const aki = /([0-9A-F]{2}(:[0-9A-F]{2})+)/.exec(text)![1]!.replace(/:/g, '');
  let serial = serialOf(pem);
  if (serial.length % 2) serial = `0${serial}`;
  if (parseInt(serial.slice(0, 2), 16) >= 0x80) serial = `00${serial}`;
  return `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from(serial, 'hex').toString('base64url')}`;
}

/** A revokeCert signed with the certificate's own key (`jwk`). */
async function revokeWithCertKey(client: AcmeTestClient, got: Issued, payload: Record<string, unknown>, key = got.keys): Promise<AcmeReply> {
  const jwk = await exportJWK(key.publicKey);
  const jws = await sign(key.privateKey, { alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, nonce: await client.freshNonce(), url: client.dir.revokeCert }, payload);
  return client.post(client.dir.revokeCert, '', { rawBody: JSON.stringify(jws) });
}

describe('revokeCert', () => {
  it('by the ordering account, with a reason; the serial is on the CRL; again → alreadyRevoked', async () => {
    const got = await fresh();
    const r = await c.post(c.dir.revokeCert, { certificate: der(got.pem), reason: 4 });
    expect(r.status, r.text).toBe(200);
    expect(await crlSerials(w.baseUrl)).toContain(serialOf(got.pem));
    refused(await c.post(c.dir.revokeCert, { certificate: der(got.pem) }), 'alreadyRevoked', /revoked on/, 400);
  });

  it('by the certificate key (jwk); another key is unauthorized', async () => {
    const got = await fresh();
    const other = await fresh();
    refused(await revokeWithCertKey(c, got, { certificate: der(got.pem) }, other.keys), 'unauthorized', /not the public key of this certificate/, 403);
    const r = await revokeWithCertKey(c, got, { certificate: der(got.pem), reason: 1 });
    expect(r.status, r.text).toBe(200);
    expect(await crlSerials(w.baseUrl)).toContain(serialOf(got.pem));
  });

  it('by another account only when it holds valid authorizations for every name', async () => {
    const got = await fresh(c, ['shared.revoke.example']);
    const stranger = await w.registered();
    refused(await stranger.post(stranger.dir.revokeCert, { certificate: der(got.pem) }), 'unauthorized', /neither ordered this certificate nor holds valid authorizations/, 403);
    await fresh(stranger, ['shared.revoke.example']);
    expect((await stranger.post(stranger.dir.revokeCert, { certificate: der(got.pem) })).status).toBe(200);
  });

  it('refuses reasons RFC 5280 and the Baseline Requirements do not allow, unknown certificates and garbage', async () => {
    const got = await fresh();
    refused(await c.post(c.dir.revokeCert, { certificate: der(got.pem), reason: 7 }), 'badRevocationReason', /reason 7 is not allowed/, 400);
    refused(await c.post(c.dir.revokeCert, { certificate: der(got.pem), reason: 'keyCompromise' }), 'badRevocationReason', /not allowed/, 400);
    refused(await c.post(c.dir.revokeCert, { certificate: der(w.h.deps.ca.rootPem) }), 'malformed', /No certificate issued by this server/, 404);
    refused(await c.post(c.dir.revokeCert, { certificate: 'AAAA' }), 'malformed', /not a DER-encoded X.509 certificate/, 400);
  });
});

describe('renewalInfo (RFC 9773)', () => {
  it('suggests a window inside the validity, between 2/3 and 3/4 of it, with Retry-After', async () => {
    const got = await fresh();
    const r = await w.fetch(`${c.dir.renewalInfo}/${certIdOf(got.pem)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('retry-after')).toBe('21600');
    const { suggestedWindow } = (await r.json()) as { suggestedWindow: { start: string; end: string } };
    const dates = openssl(['x509', '-noout', '-startdate', '-enddate'], pemBlocks(got.pem)[0]).stdout;
    const from = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
    const to = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
    const start = Date.parse(suggestedWindow.start);
    const end = Date.parse(suggestedWindow.end);
    expect(start).toBeGreaterThan(from + ((to - from) * 2) / 3 - 2000);
    expect(end).toBeLessThan(from + ((to - from) * 3) / 4 + 2000);
    expect(start).toBeLessThan(end);
  });

  it('tells to renew at once after revocation; unknown and malformed certIDs are refused', async () => {
    const got = await fresh();
    await c.post(c.dir.revokeCert, { certificate: der(got.pem) });
    const r = await w.fetch(`${c.dir.renewalInfo}/${certIdOf(got.pem)}`);
    const { suggestedWindow } = (await r.json()) as { suggestedWindow: { start: string; end: string } };
    expect(Date.parse(suggestedWindow.end)).toBeLessThanOrEqual(Date.now() + 1000);
    const [aki] = certIdOf(got.pem).split('.');
    expect((await w.fetch(`${c.dir.renewalInfo}/${aki}.AQID`)).status).toBe(404);
    expect((await w.fetch(`${c.dir.renewalInfo}/not-a-cert-id`)).status).toBe(400);
  });

  it('replaces: same account and a shared name; once the replacement is issued, alreadyReplaced', async () => {
    const old = await fresh(c, ['replace.revoke.example']);
    const id = certIdOf(old.pem);
    const renewed = await issue(c, w, ['replace.revoke.example'], 'http-01', { replaces: id });
    expect(renewed.order.replaces).toBe(id);
    const again = await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'replace.revoke.example' }], replaces: id });
    refused(again, 'alreadyReplaced', /already replaced/, 409);

    const other = await fresh(c, ['other.revoke.example']);
    refused(
      await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'unrelated.revoke.example' }], replaces: certIdOf(other.pem) }),
      'malformed',
      /shares no identifier/,
      400,
    );
    const stranger = await w.registered();
    refused(
      await stranger.post(stranger.dir.newOrder, { identifiers: [{ type: 'dns', value: 'other.revoke.example' }], replaces: certIdOf(other.pem) }),
      'unauthorized',
      /not issued to this account/,
      403,
    );
    refused(await c.post(c.dir.newOrder, { identifiers: [{ type: 'dns', value: 'x.revoke.example' }], replaces: 'AAAA.AQID' }), 'malformed', /names no certificate/, 400);
  });
});
