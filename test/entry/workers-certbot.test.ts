/**
 * The ACME journey on the Workers build (`wrangler dev --local`, workerd over D1) with Debian's certbot:
 * EAB credentials provisioned through the Worker's own API, then certificates over http-01 (certbot's
 * standalone server on 127.0.0.1) and over dns-01 (--manual hooks writing TXT records into the test DNS
 * server), both checked by the Worker's VA through a loopback DNS-over-HTTPS responder. What certbot writes
 * verifies with `openssl verify` against the Worker's root.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server.js';
import { DnsControl, runTool } from '../support/acme-server.js';
import { workersWorld, type WorkersWorld } from '../support/workers-world.js';
import { certonlyArgs, checkCertbotLive, HAVE_CERTBOT, standaloneArgs } from '../support/certbot.js';

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


describe.skipIf(!HAVE_CERTBOT)('certbot against eabgate on workerd with D1', () => {
  it('registers with EAB and obtains a certificate over http-01 (standalone on 127.0.0.1)', async () => {
    const eab = await w.provision('certbot-http@example.com');
    w.dns.set('workers-http.example.com', 'A', ['127.0.0.1']);
    w.dns.set('www.workers-http.example.com', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const r = await runTool('certbot', [
      ...certonlyArgs(w.directoryUrl, dir, eab),
      ...standaloneArgs(httpPort),
      '-d', 'workers-http.example.com', '-d', 'www.workers-http.example.com',
    ]);
    expect(r.status, r.stdout + r.stderr + w.worker.output()).toBe(0);
    checkCertbotLive(w.rootPem, dir, 'workers-http.example.com', ['workers-http.example.com', 'www.workers-http.example.com']);
    // The Worker's VA asked the DoH responder, not the system's resolver.
    expect(w.dns.queries.some((q) => q.name === 'workers-http.example.com' && q.transport === 'doh')).toBe(true);
  });

  it('obtains a name and its wildcard over dns-01 with --manual hooks writing to the test DNS', async () => {
    const eab = await w.provision('certbot-dns@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-certbot-'));
    const q = (path: string) => `curl -fsS "${control.url}/${path}?name=_acme-challenge.$CERTBOT_DOMAIN&value=$CERTBOT_VALIDATION" >/dev/null`;
    const r = await runTool('certbot', [
      ...certonlyArgs(w.directoryUrl, dir, eab),
      '--manual', '--preferred-challenges', 'dns',
      '--manual-auth-hook', control.script(dir, 'auth.sh', q('present')),
      '--manual-cleanup-hook', control.script(dir, 'cleanup.sh', q('cleanup')),
      '-d', 'workers-dns.example.org', '-d', '*.workers-dns.example.org',
    ]);
    expect(r.status, r.stdout + r.stderr + w.worker.output()).toBe(0);
    checkCertbotLive(w.rootPem, dir, 'workers-dns.example.org', ['workers-dns.example.org', '*.workers-dns.example.org']);
    expect(w.dns.queries.some((x) => x.name === '_acme-challenge.workers-dns.example.org' && x.type === 'TXT' && x.transport === 'doh')).toBe(true);
  });
});
