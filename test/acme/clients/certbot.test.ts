/**
 * Debian's certbot (2.1) against the real Node server over loopback (plain http:// directory: certbot
 * accepts it). It registers with EAB (--eab-kid/--eab-hmac-key) and obtains a certificate
 *   - over http-01 with its own standalone server on 127.0.0.1 (the server's VA points there), and
 *   - over dns-01 with --manual hooks that write the TXT values into the test DNS server through a
 *     loopback control endpoint (curl), for a name and its wildcard.
 * What it writes verifies with `openssl verify -CAfile <data dir>/ca/root.pem -untrusted chain.pem cert.pem`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server.js';
import { acmeServerWorld, DnsControl, runTool, type AcmeServerWorld } from '../../support/acme-server.js';
import { certonlyArgs, checkCertbotLive, HAVE_CERTBOT, standaloneArgs } from '../../support/certbot.js';

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


describe.skipIf(!HAVE_CERTBOT)('certbot against eabgate', () => {
  it('registers with EAB and obtains a certificate over http-01 (standalone on 127.0.0.1)', async () => {
    const eab = await w.provision('certbot-http@example.com');
    w.dns.set('certbot-http.example.com', 'A', ['127.0.0.1']);
    w.dns.set('www.certbot-http.example.com', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const r = await runTool('certbot', [
      ...certonlyArgs(w.directoryUrl, dir, eab),
      ...standaloneArgs(w.httpPort),
      '-d', 'certbot-http.example.com', '-d', 'www.certbot-http.example.com',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkCertbotLive(w.rootPem, dir, 'certbot-http.example.com', ['certbot-http.example.com', 'www.certbot-http.example.com']);
  });

  it('obtains a name and its wildcard over dns-01 with --manual hooks writing to the test DNS', async () => {
    const eab = await w.provision('certbot-dns@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const q = (path: string) => `curl -fsS "${control.url}/${path}?name=_acme-challenge.$CERTBOT_DOMAIN&value=$CERTBOT_VALIDATION" >/dev/null`;
    const auth = control.script(dir, 'auth.sh', q('present'));
    const cleanup = control.script(dir, 'cleanup.sh', q('cleanup'));
    const r = await runTool('certbot', [
      ...certonlyArgs(w.directoryUrl, dir, eab),
      '--manual', '--preferred-challenges', 'dns',
      '--manual-auth-hook', auth, '--manual-cleanup-hook', cleanup,
      '-d', 'certbot-dns.example.org', '-d', '*.certbot-dns.example.org',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkCertbotLive(w.rootPem, dir, 'certbot-dns.example.org', ['certbot-dns.example.org', '*.certbot-dns.example.org']);
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
