/**
 * The ACME journey on the Workers build (`wrangler dev --local`, workerd over D1) with Debian's certbot:
 * EAB credentials provisioned through the Worker's own API, then certificates over http-01 (certbot's
 * standalone server on 127.0.0.1) and over dns-01 (--manual hooks writing TXT records into the test DNS
 * server), both checked by the Worker's VA through a loopback DNS-over-HTTPS responder. What certbot writes
 * verifies with `openssl verify` against the Worker's root.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server.js';
import { DnsControl, runTool, verifyChain } from '../support/acme-server.js';
import { workersWorld, type WorkersWorld } from '../support/workers-world.js';
import { openssl } from '../support/tools.js';

const HAVE_CERTBOT = existsSync('/usr/bin/certbot');

let w: WorkersWorld;
let control: DnsControl;
let httpPort: number;

beforeAll(async () => {
  if (!HAVE_CERTBOT) return;
  httpPort = await freePort();
  w = await workersWorld({ httpPort });
  control = await DnsControl.start(w.dns);
}, 180_000);
afterAll(async () => {
  await control?.stop();
  await w?.close();
});

function certbotArgs(dir: string, eab: { kid: string; hmacKey: string }): string[] {
  return [
    'certonly',
    '--server', w.directoryUrl,
    '--eab-kid', eab.kid,
    '--eab-hmac-key', eab.hmacKey,
    '--config-dir', join(dir, 'config'),
    '--work-dir', join(dir, 'work'),
    '--logs-dir', join(dir, 'logs'),
    '--non-interactive', '--agree-tos', '-m', 'ops@example.com',
  ];
}

function checkLive(dir: string, name: string, expectedNames: string[]): void {
  const live = join(dir, 'config', 'live', name);
  const cert = readFileSync(join(live, 'cert.pem'), 'utf8');
  const chain = readFileSync(join(live, 'chain.pem'), 'utf8');
  const verified = verifyChain(w.rootPem, cert, chain);
  expect(verified.stdout + verified.stderr).toMatch(/: OK/);
  expect(verified.status).toBe(0);
  const text = openssl(['x509', '-noout', '-ext', 'subjectAltName'], cert).stdout;
  for (const n of expectedNames) expect(text).toContain(`DNS:${n}`);
}

describe.skipIf(!HAVE_CERTBOT)('certbot against eabgate on workerd with D1', () => {
  it('registers with EAB and obtains a certificate over http-01 (standalone on 127.0.0.1)', async () => {
    const eab = await w.provision('certbot-http@example.com');
    w.dns.set('workers-http.example.com', 'A', ['127.0.0.1']);
    w.dns.set('www.workers-http.example.com', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const r = await runTool('certbot', [
      ...certbotArgs(dir, eab),
      '--standalone', '--http-01-port', String(httpPort), '--http-01-address', '127.0.0.1',
      '-d', 'workers-http.example.com', '-d', 'www.workers-http.example.com',
    ]);
    expect(r.status, r.stdout + r.stderr + w.worker.output()).toBe(0);
    checkLive(dir, 'workers-http.example.com', ['workers-http.example.com', 'www.workers-http.example.com']);
    // The Worker's VA asked the DoH responder, not the system's resolver.
    expect(w.dns.queries.some((q) => q.name === 'workers-http.example.com' && q.transport === 'doh')).toBe(true);
  });

  it('obtains a name and its wildcard over dns-01 with --manual hooks writing to the test DNS', async () => {
    const eab = await w.provision('certbot-dns@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const q = (path: string) => `curl -fsS "${control.url}/${path}?name=_acme-challenge.$CERTBOT_DOMAIN&value=$CERTBOT_VALIDATION" >/dev/null`;
    const r = await runTool('certbot', [
      ...certbotArgs(dir, eab),
      '--manual', '--preferred-challenges', 'dns',
      '--manual-auth-hook', control.script(dir, 'auth.sh', q('present')),
      '--manual-cleanup-hook', control.script(dir, 'cleanup.sh', q('cleanup')),
      '-d', 'workers-dns.example.org', '-d', '*.workers-dns.example.org',
    ]);
    expect(r.status, r.stdout + r.stderr + w.worker.output()).toBe(0);
    checkLive(dir, 'workers-dns.example.org', ['workers-dns.example.org', '*.workers-dns.example.org']);
    expect(w.dns.queries.some((x) => x.name === '_acme-challenge.workers-dns.example.org' && x.type === 'TXT' && x.transport === 'doh')).toBe(true);
  });
});
