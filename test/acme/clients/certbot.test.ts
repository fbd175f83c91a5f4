/**
 * Debian's certbot (2.1) against the real Node server over loopback (plain http:// directory: certbot
 * accepts it). It registers with EAB (--eab-kid/--eab-hmac-key) and obtains a certificate
 *   - over http-01 with its own standalone server on 127.0.0.1 (the server's VA points there), and
 *   - over dns-01 with --manual hooks that write the TXT values into the test DNS server through a
 *     loopback control endpoint (curl), for a name and its wildcard.
 * What it writes verifies with `openssl verify -CAfile <data dir>/ca/root.pem -untrusted chain.pem cert.pem`.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server.js';
import { acmeServerWorld, DnsControl, runTool, verifyChain, type AcmeServerWorld } from '../../support/acme-server.js';
import { openssl } from '../../support/tools.js';

const HAVE_CERTBOT = existsSync('/usr/bin/certbot');

let w: AcmeServerWorld;
let control: DnsControl;

beforeAll(async () => {
  if (!HAVE_CERTBOT) return;
  w = await acmeServerWorld({ httpPort: await freePort() });
  control = await DnsControl.start(w.dns);
});
afterAll(async () => {
  await control?.stop();
  await w?.close();
});

function certbotArgs(dir: string, eab: { kid: string; hmacKey: string }, email: string): string[] {
  return [
    'certonly',
    '--server', w.directoryUrl,
    '--eab-kid', eab.kid,
    '--eab-hmac-key', eab.hmacKey,
    '--config-dir', join(dir, 'config'),
    '--work-dir', join(dir, 'work'),
    '--logs-dir', join(dir, 'logs'),
    '--non-interactive', '--agree-tos', '-m', email,
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

describe.skipIf(!HAVE_CERTBOT)('certbot against eabgate', () => {
  it('registers with EAB and obtains a certificate over http-01 (standalone on 127.0.0.1)', async () => {
    const eab = await w.provision('certbot-http@example.com');
    w.dns.set('certbot-http.example.com', 'A', ['127.0.0.1']);
    w.dns.set('www.certbot-http.example.com', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const r = await runTool('certbot', [
      ...certbotArgs(dir, eab, 'ops@example.com'),
      '--standalone', '--http-01-port', String(w.httpPort), '--http-01-address', '127.0.0.1',
      '-d', 'certbot-http.example.com', '-d', 'www.certbot-http.example.com',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkLive(dir, 'certbot-http.example.com', ['certbot-http.example.com', 'www.certbot-http.example.com']);
  });

  it('obtains a name and its wildcard over dns-01 with --manual hooks writing to the test DNS', async () => {
    const eab = await w.provision('certbot-dns@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const q = (path: string) => `curl -fsS "${control.url}/${path}?name=_acme-challenge.$CERTBOT_DOMAIN&value=$CERTBOT_VALIDATION" >/dev/null`;
    const auth = control.script(dir, 'auth.sh', q('present'));
    const cleanup = control.script(dir, 'cleanup.sh', q('cleanup'));
    const r = await runTool('certbot', [
      ...certbotArgs(dir, eab, 'ops@example.com'),
      '--manual', '--preferred-challenges', 'dns',
      '--manual-auth-hook', auth, '--manual-cleanup-hook', cleanup,
      '-d', 'certbot-dns.example.org', '-d', '*.certbot-dns.example.org',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkLive(dir, 'certbot-dns.example.org', ['certbot-dns.example.org', '*.certbot-dns.example.org']);
  });

  it('is refused without EAB, naming the requirement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const r = await runTool('certbot', [
      'register', '--server', w.directoryUrl,
      '--config-dir', join(dir, 'config'), '--work-dir', join(dir, 'work'), '--logs-dir', join(dir, 'logs'),
      '--non-interactive', '--agree-tos', '-m', 'ops@example.com',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/External Account Binding|externalAccountRequired|eab/i);
  });
});
