/**
 * The npm `acme-client` (5.x) ordering a certificate for an IP address (RFC 8738) from the real Node server
 * with EABGATE_ACME_IP_IDENTIFIERS=true: an `ip` identifier, http-01 answered on 127.0.0.1, a CSR made by
 * acme-client's own `createCsr` (it writes an address in `altNames` as an iPAddress SAN), the certificate
 * checked with `openssl verify -verify_ip`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as acme from 'acme-client';
import { acmeServerWorld, pemBlocks, type AcmeServerWorld } from '../../support/acme-server.js';
import type { Provisioned } from '../../support/acme.js';
import { openssl } from '../../support/tools.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let w: AcmeServerWorld;
let eab: Provisioned;

beforeAll(async () => {
  w = await acmeServerWorld({ env: { EABGATE_ACME_IP_IDENTIFIERS: 'true' } });
  eab = await w.provision('acme-client-ip@example.com', 'business');
});
afterAll(() => w?.close());

describe('acme-client and an IP identifier', () => {
  it('orders 127.0.0.1, answers http-01, finalizes with an iPAddress CSR and gets a certificate openssl verifies for the address', async () => {
    const c = new acme.Client({
      directoryUrl: w.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'),
      externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey },
    });
    await c.createAccount({ termsOfServiceAgreed: true });
    const order = await c.createOrder({ identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
    const [authz] = await c.getAuthorizations(order);
    expect(authz!.identifier).toEqual({ type: 'ip', value: '127.0.0.1' });
    expect(authz!.challenges.map((ch) => ch.type)).not.toContain('dns-01');
    const challenge = authz!.challenges.find((ch) => ch.type === 'http-01')!;
    w.http!.setToken(challenge.token, await c.getChallengeKeyAuthorization(challenge));
    await c.completeChallenge(challenge);
    await c.waitForValidStatus(challenge);

    const [, csr] = await acme.crypto.createCsr({ altNames: ['127.0.0.1'] });
    const finalized = await c.finalizeOrder(order, csr);
    expect(finalized.status).toBe('valid');
    const pem = await c.getCertificate(finalized);
    const [leaf, ...chain] = pemBlocks(pem);

    const dir = mkdtempSync(join(tmpdir(), 'eabgate-acme-client-ip-'));
    const file = (name: string, data: string) => (writeFileSync(join(dir, name), data), join(dir, name));
    const check = openssl([
      'verify', '-purpose', 'sslserver', '-CAfile', file('root.pem', w.rootPem), '-untrusted', file('chain.pem', chain.join('')),
      '-verify_ip', '127.0.0.1', file('cert.pem', leaf!),
    ]);
    expect(check.stdout + check.stderr).toContain('OK');
    expect(check.status).toBe(0);
    expect(openssl(['x509', '-noout', '-text'], leaf).stdout).toContain('IP Address:127.0.0.1');
    expect(acme.crypto.readCertificateInfo(pem).domains.altNames).toEqual(['127.0.0.1']);
  });
});
