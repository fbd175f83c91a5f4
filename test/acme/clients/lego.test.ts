/**
 * Debian's lego (4.x) against the real Node server over loopback (plain http:// directory). It registers
 * with EAB (--eab --kid --hmac) and obtains a certificate
 *   - over http-01 with its own server on 127.0.0.1:<port> (the server's VA points there), and
 *   - over dns-01 with the `exec` provider (EXEC_PATH script writing the TXT into the test DNS server
 *     through a loopback control endpoint) and the test DNS as its resolver, propagation check off.
 * What it writes verifies with `openssl verify -CAfile <data dir>/ca/root.pem -untrusted <issuer> <leaf>`.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server.js';
import { acmeServerWorld, DnsControl, pemBlocks, runTool, verifyChain, type AcmeServerWorld } from '../../support/acme-server.js';
import { openssl } from '../../support/tools.js';

const HAVE_LEGO = existsSync('/usr/bin/lego');

let w: AcmeServerWorld;
let control: DnsControl;

beforeAll(async () => {
  if (!HAVE_LEGO) return;
  w = await acmeServerWorld({ httpPort: await freePort() });
  control = await DnsControl.start(w.dns);
});
afterAll(async () => {
  await control?.stop();
  await w?.close();
});

function legoArgs(dir: string, eab: { kid: string; hmacKey: string }): string[] {
  return ['--server', w.directoryUrl, '--email', 'ops@example.com', '--accept-tos', '--eab', '--kid', eab.kid, '--hmac', eab.hmacKey, '--path', dir];
}

/** lego writes <name>.crt (leaf + issuer) and <name>.issuer.crt; wildcards as "_.". */
function checkOutput(dir: string, first: string, expectedNames: string[]): void {
  const base = join(dir, 'certificates', first.replace(/^\*/, '_'));
  const bundle = readFileSync(`${base}.crt`, 'utf8');
  const issuer = readFileSync(`${base}.issuer.crt`, 'utf8');
  const [leaf] = pemBlocks(bundle);
  const verified = verifyChain(w.rootPem, leaf!, issuer);
  expect(verified.stdout + verified.stderr).toMatch(/: OK/);
  expect(verified.status).toBe(0);
  const text = openssl(['x509', '-noout', '-ext', 'subjectAltName'], leaf).stdout;
  for (const n of expectedNames) expect(text).toContain(`DNS:${n}`);
}

describe.skipIf(!HAVE_LEGO)('lego against eabgate', () => {
  it('registers with EAB and obtains a certificate over http-01 (its server on 127.0.0.1)', async () => {
    const eab = await w.provision('lego-http@example.com');
    w.dns.set('lego-http.example.com', 'A', ['127.0.0.1']);
    w.dns.set('www.lego-http.example.com', 'A', ['127.0.0.1']);
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-lego-'));
    const r = await runTool('lego', [
      ...legoArgs(dir, eab),
      '--http', '--http.port', `127.0.0.1:${w.httpPort}`,
      '-d', 'lego-http.example.com', '-d', 'www.lego-http.example.com', 'run',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkOutput(dir, 'lego-http.example.com', ['lego-http.example.com', 'www.lego-http.example.com']);
  });

  it('obtains a wildcard and its base name over dns-01 with the exec provider and the test DNS as resolver', async () => {
    const eab = await w.provision('lego-dns@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-lego-'));
    // lego runs: <script> present|cleanup <fqdn> <value>
    const script = control.script(dir, 'dns.sh', `curl -fsS "${control.url}/$1?name=$2&value=$3" >/dev/null`);
    const r = await runTool(
      'lego',
      [
        ...legoArgs(dir, eab),
        '--dns', 'exec', '--dns.disable-cp', '--dns.resolvers', w.dns.address,
        '-d', '*.lego-dns.example.org', '-d', 'lego-dns.example.org', 'run',
      ],
      // Both names share one TXT name: lego solves them in sequence, 60 s apart unless told otherwise.
      { env: { EXEC_PATH: script, EXEC_SEQUENCE_INTERVAL: '1', EXEC_POLLING_INTERVAL: '1', EXEC_PROPAGATION_TIMEOUT: '20' } },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    checkOutput(dir, '*.lego-dns.example.org', ['*.lego-dns.example.org', 'lego-dns.example.org']);
  });

  it('is refused without EAB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-lego-'));
    w.dns.set('lego-none.example.com', 'A', ['127.0.0.1']);
    const r = await runTool('lego', [
      '--server', w.directoryUrl, '--email', 'ops@example.com', '--accept-tos', '--path', dir,
      '--http', '--http.port', `127.0.0.1:${w.httpPort}`, '-d', 'lego-none.example.com', 'run',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/externalAccountRequired|External Account Binding|eab/i);
  });
});
