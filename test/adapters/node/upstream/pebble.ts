/**
 * Debian's Pebble 2.4 as the upstream ACME CA of the tests, on loopback only: its own config in a temp dir
 * (EAB required, OS-chosen free ports), a self-signed certificate for its HTTPS listeners made with openssl
 * (the Debian package ships none: trust it with NODE_EXTRA_CA_CERTS), PEBBLE_VA_NOSLEEP=1,
 * PEBBLE_WFE_NONCEREJECT=0, and either PEBBLE_VA_ALWAYS_VALID=1 (the upstream accepts the gateway's account
 * for any name: a pre-authorized reseller account) or, with `validates: true`, real validation: Pebble asks
 * `dnsAddress` and fetches http-01 from `httpPort` on the address it found.
 * Started directly (the PID is Pebble), stopped by that PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../../support/server.js';
import { stopProcess } from '../../../support/process.js';

export const PEBBLE = '/usr/bin/pebble';

export interface Pebble {
  directoryUrl: string;
  /** The port of Pebble's ACME listener. */
  port: number;
  /** The self-signed certificate of Pebble's HTTPS listeners (ACME and management). */
  listenerCaFile: string;
  listenerCaPem: string;
  kid: string;
  hmacKey: string;
  /** GET on the management interface (https://127.0.0.1:<mgmt>). */
  management(path: string): Promise<{ status: number; body: string }>;
  /** Pebble's root and intermediate: regenerated on every start. */
  rootPem(): Promise<string>;
  intermediatePem(): Promise<string>;
  /** "Valid" or "Revoked", from /cert-status-by-serial. */
  certStatus(serialHex: string): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** The loopback DNS server Pebble asks (it validates nothing with ALWAYS_VALID, but stays off the network). */
  dnsAddress: string;
  /** Names Pebble refuses to order (its policy: rejectedIdentifier). */
  blocklist?: string[];
  /** Pebble really validates (no PEBBLE_VA_ALWAYS_VALID). */
  validates?: boolean;
  /** The port Pebble's VA fetches http-01 from (a loopback responder of the test). */
  httpPort?: number;
  /** Percentage of valid authorizations Pebble reuses in a new order (PEBBLE_AUTHZREUSE; default 100 here). */
  authzReuse?: number;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-pebble-'));
  const cert = join(dir, 'listener.pem');
  const key = join(dir, 'listener.key');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-subj', '/CN=Pebble listener (eabgate tests)', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2',
  ], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  const [port, mgmt, tlsPort, ownHttpPort] = (await freePorts(4)) as [number, number, number, number];
  const httpPort = opts.httpPort ?? ownHttpPort;
  const kid = 'eabgate-upstream';
  // 48 random bytes, unpadded base64url, not starting with "-"
  const hmacKey = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url').replace(/^-/, 'A');
  const config = join(dir, 'pebble.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: cert,
        privateKey: key,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: true,
        externalAccountMACKeys: { [kid]: hmacKey },
        domainBlocklist: opts.blocklist ?? [],
      },
    }),
  );
  const proc: ChildProcess = spawn(PEBBLE, ['-config', config, '-dnsserver', opts.dnsAddress], {
    env: { PATH: process.env.PATH, ...(opts.validates ? {} : { PEBBLE_VA_ALWAYS_VALID: '1' }), PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: String(opts.authzReuse ?? 100) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const ca = readFileSync(cert, 'utf8');
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`pebble exited ${proc.exitCode}: ${out}`);
    try {
      if ((await get(directoryUrl, ca)).status === 200 && (await get(`https://127.0.0.1:${mgmt}/roots/0`, ca)).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`pebble did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const management = (path: string) => get(`https://127.0.0.1:${mgmt}${path}`, ca);
  const pem = async (path: string) => {
    const r = await management(path);
    if (r.status !== 200) throw new Error(`pebble ${path}: ${r.status}`);
    return r.body;
  };
  return {
    directoryUrl,
    port,
    listenerCaFile: cert,
    listenerCaPem: ca,
    kid,
    hmacKey,
    management,
    rootPem: () => pem('/roots/0'),
    intermediatePem: () => pem('/intermediates/0'),
    async certStatus(serialHex) {
      const r = await management(`/cert-status-by-serial/${serialHex}`);
      if (r.status !== 200) throw new Error(`pebble cert-status ${serialHex}: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { Status: string }).Status;
    },
    output: () => out,
    stop: async () => {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
