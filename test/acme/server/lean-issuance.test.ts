/**
 * The ACME hot path without @peculiar/x509 (src/core/x509-lazy.ts): a DV certificate for a P-256 CSR is
 * ordered, validated, finalized, signed and downloaded without loading it, so the library's memory stays
 * out of a server that only does that. An OV-style use (a CRL here) still loads it on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, hostAt127, type AcmeWorld } from '../../support/acme-world.js';
import { issue } from '../../support/acme.js';
import { loadX509, unloadX509ForTests, x509Loaded } from '../../../src/core/x509-lazy.js';
import { openssl } from '../../support/tools.js';

let w: AcmeWorld;
beforeAll(async () => {
  w = await acmeWorld();
});
afterAll(() => w?.close());

describe('ACME issuance without @peculiar/x509', () => {
  it('registers, orders, validates, finalizes and downloads a DV certificate without loading it', async () => {
    hostAt127(w.dns, 'lean.acme.example', 'www.lean.acme.example');
    unloadX509ForTests();
    const c = await w.registered();
    const got = await issue(c, w, ['lean.acme.example', 'www.lean.acme.example']);
    expect(x509Loaded()).toBe(false);
    const text = openssl(['x509', '-noout', '-text'], got.pem).stdout;
    expect(text).toMatch(/Subject: CN\s*=\s*lean\.acme\.example/);
    expect(text).toMatch(/DNS:lean\.acme\.example, DNS:www\.lean\.acme\.example/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(/CA Issuers - URI:http/);
    expect(text).toMatch(/2\.23\.140\.1\.2\.1/);
  });

  it('loads it when something needs it (the CRL)', async () => {
    unloadX509ForTests();
    const r = await w.fetch(`${w.baseUrl}/ca/crl`);
    expect(r.status).toBe(200);
    expect(x509Loaded()).toBe(true);
    await loadX509();
  });
});
