/**
 * UpstreamAcmeIssuer in-process against Debian's Pebble: account registered once with EAB and kept sealed,
 * submit → issued (the customer's CSR, Pebble's chain), pending → poll → issued, refusals become "failed"
 * with Pebble's words, faults of the gateway's own (no answer, a refused account) are thrown, revocation.
 * The test process trusts Pebble's listener through https.globalAgent (the server tests use NODE_EXTRA_CA_CERTS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '../../../../src/core/secrets/keyring.js';
import type { Logger } from '../../../../src/app/context.js';
import type { IssueResult, Issued } from '../../../../src/ca/issuer.js';
import { UpstreamAcmeIssuer, type UpstreamAcmeIssuerOptions } from '../../../../src/adapters/node/upstream-acme.js';
import { ACCOUNT_KEY_FILE, accountKeyContext } from '../../../../src/adapters/node/upstream-acme-account.js';
import { issuedFromChain } from '../../../../src/adapters/node/upstream-acme-chain.js';
import { TestDnsServer } from '../../../support/dns-server.js';
import { freePort } from '../../../support/server.js';
import { opensslCsr } from '../../../support/csr.js';
import { openssl } from '../../../support/tools.js';
import { startPebble, type Pebble } from './pebble.js';

let pebble: Pebble;
let dns: TestDnsServer;
let keyring: Keyring;
const savedCa = globalAgent.options.ca;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  pebble = await startPebble({ dnsAddress: dns.address, blocklist: ['blocked.example'] });
  globalAgent.options.ca = [...rootCertificates, pebble.listenerCaPem];
  keyring = await Keyring.fromSecret(crypto.getRandomValues(new Uint8Array(32)));
});
afterAll(async () => {
  globalAgent.options.ca = savedCa;
  await pebble?.stop();
  await dns?.stop();
});

interface Logged {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function issuer(extra: Partial<UpstreamAcmeIssuerOptions> = {}) {
  const logs: Logged[] = [];
  const logger: Logger = {
    info: (msg, fields) => logs.push({ level: 'info', msg, fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, fields }),
  };
  const dataDir = extra.dataDir ?? mkdtempSync(join(tmpdir(), 'eabgate-upstream-'));
  const i = new UpstreamAcmeIssuer({
    upstream: { directoryUrl: pebble.directoryUrl, eab: { kid: pebble.kid, hmacKey: pebble.hmacKey }, email: 'pki@example.com' },
    keyring,
    dataDir,
    logger,
    ...extra,
  });
  return { issuer: i, logs, dataDir };
}

const csrFor = (names: string[]) => opensslCsr({ key: 'ec', cn: names[0]!, sans: names });

const request = (domains: string[], csrPem: string) => ({ orderId: 'order-1', product: 'dv' as const, domains, csrPem });

function expectIssued(r: IssueResult): asserts r is Issued {
  if (r.state !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(r)}`);
}

/** openssl's view of a PEM: the public key, for comparing a certificate with its CSR. */
const pubkeyOf = (kind: 'x509' | 'req', pem: string) => openssl([kind, '-noout', '-pubkey'], pem).stdout;

describe('account', () => {
  it('registers once with EAB, keeps the P-256 key sealed (0600, bound to the directory URL), and finds it again on the next start', async () => {
    const { issuer: first, logs, dataDir } = issuer();
    const { csr } = csrFor(['acct.example.com']);
    expectIssued(await first.submit(request(['acct.example.com'], csr)));
    expectIssued(await first.submit(request(['acct.example.com'], csr)));
    expect(logs.filter((l) => l.msg === 'upstream ACME account registered')).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({ directory: pebble.directoryUrl, eab: true, account: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\//) });

    const file = join(dataDir, ACCOUNT_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = readFileSync(file, 'utf8').trim();
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toMatch(/PRIVATE KEY/);
    const keyPem = await keyring.open(sealed, accountKeyContext(pebble.directoryUrl));
    expect(openssl(['pkey', '-noout', '-text'], keyPem).stdout).toMatch(/NIST CURVE: P-256|prime256v1/);
    await expect(keyring.open(sealed, accountKeyContext('https://other.example/dir'))).rejects.toThrow();

    // Another start on the same data dir: the same key, found at Pebble without a new registration.
    const { issuer: again, logs: logs2 } = issuer({ dataDir });
    expectIssued(await again.submit(request(['acct.example.com'], csr)));
    expect(logs2.filter((l) => l.msg === 'upstream ACME account registered')).toHaveLength(0);
    expect(readFileSync(file, 'utf8').trim()).toBe(sealed);
    expect(JSON.stringify([...logs, ...logs2])).not.toContain(pebble.hmacKey);
    expect(JSON.stringify([...logs, ...logs2])).not.toMatch(/PRIVATE KEY/);
  });

  it('throws (the gateway\'s own fault) when the upstream refuses the EAB, and says why in the log without the key', async () => {
    const wrongKey = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');
    const { issuer: i, logs } = issuer({ upstream: { directoryUrl: pebble.directoryUrl, eab: { kid: pebble.kid, hmacKey: wrongKey }, email: undefined } });
    const { csr } = csrFor(['eab.example.com']);
    const err = await i.submit(request(['eab.example.com'], csr)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('UpstreamAccountError');
    expect((err as Error).message).toMatch(/refused the gateway's account/);
    expect(logs.at(-1)).toMatchObject({ level: 'error', msg: 'upstream ACME submit failed', fields: { error: 'UpstreamAccountError' } });
    expect(JSON.stringify(logs)).not.toContain(wrongKey);
  });

  it('refuses a sealed key of another directory with a message naming the file', async () => {
    const { dataDir } = issuer();
    writeFileSync(join(dataDir, ACCOUNT_KEY_FILE), (await keyring.seal('not this one', accountKeyContext('https://other.example/dir'))) + '\n', { mode: 0o600 });
    const { issuer: i } = issuer({ dataDir });
    const { csr } = csrFor(['moved.example.com']);
    await expect(i.submit(request(['moved.example.com'], csr))).rejects.toThrow(/upstream-account\.sealed cannot be opened.*Move it away/);
  });
});

describe('submit and poll', () => {
  it('issues with the customer\'s CSR: leaf, Pebble\'s intermediate as the chain, serial, dates, issuer DN; openssl verifies against Pebble\'s root', async () => {
    const { issuer: i } = issuer();
    const names = ['shop.example.com', 'www.shop.example.com'];
    const { csr } = csrFor(names);
    const t0 = Date.now();
    const r = await i.submit(request(names, csr));
    const ms = Date.now() - t0;
    expectIssued(r);
    expect(ms).toBeLessThan(10_000);
    expect(r.certificatePem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(r.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(r.serialHex).toMatch(/^(?!00)[0-9a-f]+$/);
    expect(r.issuer).toMatch(/^CN=Pebble Intermediate CA [0-9a-f]+$/);
    expect(r.notAfter.getTime()).toBeGreaterThan(r.notBefore.getTime());
    expect(pubkeyOf('x509', r.certificatePem)).toBe(pubkeyOf('req', csr));
    const intermediate = await pebble.intermediatePem();
    expect(openssl(['x509', '-noout', '-fingerprint', '-sha256'], r.chainPem).stdout).toBe(openssl(['x509', '-noout', '-fingerprint', '-sha256'], intermediate).stdout);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-upv-'));
    writeFileSync(join(dir, 'root.pem'), await pebble.rootPem());
    writeFileSync(join(dir, 'chain.pem'), r.chainPem);
    writeFileSync(join(dir, 'leaf.pem'), r.certificatePem);
    const v = openssl(['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), '-verify_hostname', 'www.shop.example.com', join(dir, 'leaf.pem')]);
    expect(v.stdout + v.stderr).toMatch(/: OK/);
    expect(await pebble.certStatus(r.serialHex)).toBe('Valid');
  });

  it('answers "pending" with the order URL as handle when the upstream is not done in time, and poll() finishes', async () => {
    const { issuer: i } = issuer({ submitWaitMs: 0 });
    const { csr } = csrFor(['slow.example.com']);
    const first = await i.submit(request(['slow.example.com'], csr));
    expect(first.state).toBe('pending');
    if (first.state !== 'pending') return;
    // Not finalized yet: the CSR rides along after the order URL (a fragment: never sent upstream).
    expect(first.handle).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/my-order\/[^#\s]+#csr=[A-Za-z0-9_-]+$/);
    expect(first.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    let r: IssueResult = first;
    for (let n = 0; n < 10 && r.state === 'pending'; n++) r = await i.poll(r.handle);
    expectIssued(r);
    expect(pubkeyOf('x509', r.certificatePem)).toBe(pubkeyOf('req', csr));
  });

  it('turns the upstream\'s refusal into "failed" with its detail', async () => {
    const { issuer: i } = issuer();
    const blocked = csrFor(['blocked.example']);
    const r = await i.submit(request(['blocked.example'], blocked.csr));
    expect(r.state).toBe('failed');
    expect(r.state === 'failed' && r.reason).toMatch(/^The upstream CA refused the order: .*blocked/i);

    // A CSR that does not match the order: refused at finalize.
    const other = csrFor(['other.example.com']);
    const m = await i.submit(request(['mismatch.example.com'], other.csr));
    expect(m.state).toBe('failed');
    expect(m.state === 'failed' && m.reason).toMatch(/^The upstream CA refused the order: /);
  });

  it('refuses a handle that is not an order URL', async () => {
    const { issuer: i } = issuer();
    expect(await i.poll('embedded-123')).toEqual({ state: 'failed', reason: 'The upstream order handle is not an order URL.' });
  });

  it('throws when the upstream does not answer, quickly, and logs the cause', async () => {
    const port = await freePort();
    const { issuer: i, logs } = issuer({ upstream: { directoryUrl: `https://127.0.0.1:${port}/dir`, eab: undefined, email: undefined } });
    const { csr } = csrFor(['down.example.com']);
    const t0 = Date.now();
    const err = await i.submit(request(['down.example.com'], csr)).catch((e: Error) => e);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((err as Error).name).toBe('UpstreamUnreachable');
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect(logs.at(-1)).toMatchObject({ level: 'error', fields: { error: 'UpstreamUnreachable' } });
  });
});

describe('revoke', () => {
  it('revokes upstream through the certificate lookup; unknown serials and repeated revocations are quiet', async () => {
    const certs = new Map<string, string>();
    const { issuer: i, logs } = issuer({ certificateBySerial: async (serial) => certs.get(serial) });
    const { csr } = csrFor(['revoke.example.com']);
    const r = await i.submit(request(['revoke.example.com'], csr));
    expectIssued(r);
    certs.set(r.serialHex, r.certificatePem);
    await i.revoke(r.serialHex, 4);
    expect(await pebble.certStatus(r.serialHex)).toBe('Revoked');
    await i.revoke(r.serialHex, 4); // alreadyRevoked: nothing to say
    await i.revoke('0123abcd', 4); // not the upstream's: left alone
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('chain', () => {
  it('keeps the leaf alone and leaves a root out of the chain', async () => {
    const { issuer: i } = issuer();
    const { csr } = csrFor(['chain.example.com']);
    const r = await i.submit(request(['chain.example.com'], csr));
    expectIssued(r);
    const root = await pebble.rootPem();
    const again = await issuedFromChain(r.certificatePem + r.chainPem + root);
    expect(again.chainPem).toBe(r.chainPem);
    expect(again.serialHex).toBe(r.serialHex);
  });
});
