/**
 * The npm `acme-client` (5.x) against the real Node server over loopback: EAB registration, orders
 * validated by http-01 and dns-01, finalize and download (the chain checked with `openssl verify`),
 * the orders list, key rollover, revocation (by the account and by the certificate key; the serial then
 * on the CRL, read with `openssl crl`), and account deactivation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as acme from 'acme-client';
import { acmeServerWorld, crlSerials, pemBlocks, serialOf, verifyChain, type AcmeServerWorld } from '../../support/acme-server.js';
import type { Provisioned } from '../../support/acme.js';

let w: AcmeServerWorld;
let eab: Provisioned;

beforeAll(async () => {
  w = await acmeServerWorld();
  eab = await w.provision('acme-client@example.com', 'business');
});
afterAll(() => w?.close());

/** acme-client's low-level API (not in its type declarations): signed requests to any URL. */
interface LowLevel {
  api: {
    apiRequest(url: string, payload: unknown, codes: number[]): Promise<{ data: Record<string, unknown> }>;
    apiResourceRequest(resource: string, payload: unknown, codes: number[], opts: { includeJwsKid: boolean }): Promise<unknown>;
  };
}
const lowLevel = (c: acme.Client) => c as unknown as LowLevel;

function client(accountKey: Buffer, withEab = true): acme.Client {
  return new acme.Client({
    directoryUrl: w.directoryUrl,
    accountKey,
    ...(withEab ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey } } : {}),
  });
}

/** newOrder → answer each authorization (`via` for plain names, dns-01 for wildcards) → finalize → download. */
async function obtain(c: acme.Client, names: string[], via: (name: string) => 'http-01' | 'dns-01') {
  for (const n of names) if (!n.startsWith('*.')) w.dns.set(n, 'A', ['127.0.0.1']);
  const order = await c.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
  expect(order.status).toBe('pending');
  const authzs = await c.getAuthorizations(order);
  expect(authzs).toHaveLength(names.length);
  for (const authz of authzs) {
    const name = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
    const type = name.startsWith('*.') ? 'dns-01' : via(name);
    const challenge = authz.challenges.find((ch) => ch.type === type)!;
    expect(challenge, `${type} offered for ${name}`).toBeDefined();
    const keyAuthorization = await c.getChallengeKeyAuthorization(challenge);
    if (type === 'http-01') w.http!.setToken(challenge.token, keyAuthorization);
    else w.dns.set(`_acme-challenge.${authz.identifier.value}`, 'TXT', [keyAuthorization]);
    await c.completeChallenge(challenge);
    await c.waitForValidStatus(challenge);
  }
  const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names });
  const finalized = await c.finalizeOrder(order, csr);
  expect(finalized.status).toBe('valid');
  const pem = await c.getCertificate(finalized);
  return { order: finalized, pem, key };
}

describe('acme-client against eabgate', () => {
  it('registers with EAB (RSA-2048 account key), orders over http-01 and dns-01, finalizes and downloads a chain openssl verifies', async () => {
    const c = client(await acme.crypto.createPrivateRsaKey(2048));
    const account = await c.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] });
    expect(account).toMatchObject({ status: 'valid', contact: ['mailto:ops@example.com'] });
    expect(account.externalAccountBinding).toBeDefined();

    const { pem } = await obtain(c, ['www.http-dns.example', 'api.http-dns.example', '*.http-dns.example'], (n) =>
      n.startsWith('www.') ? 'http-01' : 'dns-01',
    );
    const [leaf, ...chain] = pemBlocks(pem);
    expect(chain).toHaveLength(1);
    const check = verifyChain(w.rootPem, leaf!, chain.join(''));
    expect(check.stdout + check.stderr).toContain('OK');
    expect(check.status).toBe(0);
    const info = acme.crypto.readCertificateInfo(pem);
    expect(info.domains.altNames.sort()).toEqual(['*.http-dns.example', 'api.http-dns.example', 'www.http-dns.example']);
  });

  it('registers with a P-256 key, finds the account again without EAB, and lists its orders', async () => {
    const key = await acme.crypto.createPrivateEcdsaKey('P-256');
    const c = client(key);
    const account = await c.createAccount({ termsOfServiceAgreed: true });
    const url = c.getAccountUrl();

    // A second client with the same key and no EAB: onlyReturnExisting finds it.
    const again = client(key, false);
    await again.createAccount({ onlyReturnExisting: true });
    expect(again.getAccountUrl()).toBe(url);

    const first = await obtain(c, ['one.orders.example'], () => 'http-01');
    const second = await c.createOrder({ identifiers: [{ type: 'dns', value: 'two.orders.example' }] });
    const list = await lowLevel(c).api.apiRequest(account.orders as string, null, [200]);
    expect(list.data.orders).toEqual([second.url, first.order.url]);
  });

  it('rolls the account key over (keyChange): the new key orders, the old one has no account any more', async () => {
    const oldKey = await acme.crypto.createPrivateEcdsaKey('P-256');
    const c = client(oldKey);
    await c.createAccount({ termsOfServiceAgreed: true });
    const url = c.getAccountUrl();
    const newKey = await acme.crypto.createPrivateRsaKey(2048);
    const updated = await c.updateAccountKey(newKey);
    expect(updated.status).toBe('valid');

    const { pem } = await obtain(c, ['rolled.example'], () => 'http-01');
    expect(pem).toContain('BEGIN CERTIFICATE');

    const withNew = client(newKey, false);
    await withNew.createAccount({ onlyReturnExisting: true });
    expect(withNew.getAccountUrl()).toBe(url);
    const withOld = client(oldKey, false);
    await expect(withOld.createAccount({ onlyReturnExisting: true })).rejects.toThrow(/No account exists for this key/);
  });

  it('revokes by the account and by the certificate key; both serials are on the CRL; a second revocation is alreadyRevoked', async () => {
    const c = client(await acme.crypto.createPrivateEcdsaKey('P-256'));
    await c.createAccount({ termsOfServiceAgreed: true });
    const a = await obtain(c, ['revoke-a.example'], () => 'http-01');
    const b = await obtain(c, ['revoke-b.example'], () => 'dns-01');

    await c.revokeCertificate(a.pem, { reason: 1 });
    // By the certificate's own key, through an account-less client (the JWS carries "jwk").
    const holder = new acme.Client({ directoryUrl: w.directoryUrl, accountKey: b.key });
    await lowLevel(holder).api.apiResourceRequest('revokeCert', { certificate: pemBody(b.pem) }, [200], { includeJwsKid: false });

    const serials = await crlSerials(w.server.baseUrl);
    expect(serials).toContain(serialOf(a.pem));
    expect(serials).toContain(serialOf(b.pem));
    await expect(c.revokeCertificate(a.pem)).rejects.toThrow(/already revoked|revoked on/i);
  });

  it('deactivates an account: it can order nothing more and its key cannot register again', async () => {
    const key = await acme.crypto.createPrivateEcdsaKey('P-256');
    const c = client(key);
    await c.createAccount({ termsOfServiceAgreed: true });
    const deactivated = await c.updateAccount({ status: 'deactivated' });
    expect(deactivated.status).toBe('deactivated');
    await expect(c.createOrder({ identifiers: [{ type: 'dns', value: 'late.example' }] })).rejects.toThrow(/deactivated/);
    await expect(client(key).createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/deactivated/);
  });

  it('is refused without EAB, with the problem acme-client shows', async () => {
    const c = client(await acme.crypto.createPrivateEcdsaKey('P-256'), false);
    await expect(c.createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/requires External Account Binding/);
  });
});

/** The first certificate of a PEM chain, as base64url DER. */
function pemBody(pem: string): string {
  const b64 = pemBlocks(pem)[0]!.replace(/-----[^-]+-----|\s/g, '');
  return Buffer.from(b64, 'base64').toString('base64url');
}
