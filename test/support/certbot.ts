/**
 * Debian's certbot as the tests drive it: `certonly` with EAB against a directory, its state kept in a
 * temp dir, its standalone http-01 server on loopback, and what it wrote checked with openssl.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { verifyChain } from './acme-server.js';
import { openssl } from './tools.js';

export const HAVE_CERTBOT = existsSync('/usr/bin/certbot');

/** `certbot certonly` against `directoryUrl` with EAB credentials, its config, work and logs under `dir`. */
export function certonlyArgs(directoryUrl: string, dir: string, eab: { kid: string; hmacKey: string }, email = 'ops@example.com'): string[] {
  return [
    'certonly',
    '--server', directoryUrl,
    '--eab-kid', eab.kid,
    '--eab-hmac-key', eab.hmacKey,
    '--config-dir', join(dir, 'config'),
    '--work-dir', join(dir, 'work'),
    '--logs-dir', join(dir, 'logs'),
    '--non-interactive', '--agree-tos', '-m', email,
  ];
}

/** certbot's own http-01 server, on 127.0.0.1:`port` (where the server's VA looks). */
export const standaloneArgs = (port: number): string[] => ['--standalone', '--http-01-port', String(port), '--http-01-address', '127.0.0.1'];

/** The certificate certbot stored for `name` verifies against `rootPem` with its chain and names `expectedNames`. */
export function checkCertbotLive(rootPem: string, dir: string, name: string, expectedNames: string[]): void {
  const live = join(dir, 'config', 'live', name);
  const cert = readFileSync(join(live, 'cert.pem'), 'utf8');
  const chain = readFileSync(join(live, 'chain.pem'), 'utf8');
  const verified = verifyChain(rootPem, cert, chain);
  expect(verified.stdout + verified.stderr).toMatch(/: OK/);
  expect(verified.status).toBe(0);
  const text = openssl(['x509', '-noout', '-ext', 'subjectAltName'], cert).stdout;
  for (const n of expectedNames) expect(text).toContain(`DNS:${n}`);
}
