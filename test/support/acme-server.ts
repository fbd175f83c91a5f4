/**
 * The real Node server (child process) wired to a loopback DNS server and http-01 responder, with the
 * admin API on: what the real-client tests (acme-client, certbot, lego) run against.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from './server.js';
import { TestDnsServer } from './dns-server.js';
import { Http01Responder } from './http01-responder.js';
import { provision, type Provisioned } from './acme.js';
import { openssl, type Run } from './tools.js';

export const ADMIN_TOKEN = 'admin-token-for-acme-client-tests-0123';

export interface AcmeServerWorld {
  server: RunningServer;
  dns: TestDnsServer;
  /** The http-01 responder, unless the test serves http-01 itself (certbot/lego standalone). */
  http: Http01Responder | undefined;
  httpPort: number;
  directoryUrl: string;
  rootPem: string;
  provision(email: string, plan?: unknown): Promise<Provisioned>;
  close(): Promise<void>;
}

export async function acmeServerWorld(opts: { httpPort?: number; env?: Record<string, string> } = {}): Promise<AcmeServerWorld> {
  const dns = await TestDnsServer.start();
  const http = opts.httpPort ? undefined : await Http01Responder.start();
  const httpPort = opts.httpPort ?? http!.port;
  const server = await startServer({
    EABGATE_VA_DNS_SERVER: dns.address,
    EABGATE_VA_HTTP_PORT: String(httpPort),
    EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    EABGATE_CAA_IDENTITIES: 'eabgate.test',
    EABGATE_LOG_REQUESTS: 'false',
    ...opts.env,
  });
  const rootPem = await (await fetch(`http://127.0.0.1:${server.port}/ca/root.pem`)).text();
  return {
    server,
    dns,
    http,
    httpPort,
    directoryUrl: `${server.baseUrl}/acme/directory`,
    rootPem,
    provision: (email, plan = 'business') => provision((u, i) => fetch(u, i), server.baseUrl, ADMIN_TOKEN, email, plan),
    async close() {
      await server.stop();
      await dns.stop();
      await http?.stop();
    },
  };
}

/** Splits a PEM chain into its certificates. */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/** `openssl verify -CAfile root -untrusted chain leaf` on what a client wrote or received. */
export function verifyChain(rootPem: string, leafPem: string, chainPem: string): Run {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-chain-'));
  const files = { root: join(dir, 'root.pem'), leaf: join(dir, 'cert.pem'), chain: join(dir, 'chain.pem') };
  writeFileSync(files.root, rootPem);
  writeFileSync(files.leaf, leafPem);
  writeFileSync(files.chain, chainPem);
  return openssl(['verify', '-purpose', 'sslserver', '-CAfile', files.root, '-untrusted', files.chain, files.leaf]);
}

/** The serial numbers on the CA's CRL, upper-case hex, read with `openssl crl`. */
export async function crlSerials(baseUrl: string): Promise<string[]> {
  const der = new Uint8Array(await (await fetch(`${baseUrl}/ca/crl`)).arrayBuffer());
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-crl-'));
  const file = join(dir, 'ca.crl');
  writeFileSync(file, der);
  const r = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
  if (r.status !== 0) throw new Error(`openssl crl: ${r.stderr}`);
  return [...r.stdout.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((m) => m[1]!.toUpperCase());
}

/** The serial of a PEM certificate, upper-case hex, as openssl prints it. */
export function serialOf(pem: string): string {
  const r = openssl(['x509', '-noout', '-serial'], pem);
  return r.stdout.trim().replace(/^serial=/, '').toUpperCase();
}

/**
 * Runs a real client without blocking the event loop (the test DNS server and the ACME server's
 * answers come from this process): spawnSync would starve them.
 */
export function runTool(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * A loopback control endpoint for DNS hook scripts: GET /present?name=…&value=… adds a TXT value at the
 * name in the test DNS server, /cleanup removes it. Hook scripts reach it with curl.
 */
export class DnsControl {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(dns: TestDnsServer): Promise<DnsControl> {
    const txt = new Map<string, string[]>();
    const server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const name = (u.searchParams.get('name') ?? '').replace(/\.$/, '').toLowerCase();
      const value = u.searchParams.get('value') ?? '';
      if (!name || !value || (u.pathname !== '/present' && u.pathname !== '/cleanup')) {
        res.writeHead(400).end('name and value required\n');
        return;
      }
      const values = (txt.get(name) ?? []).filter((v) => v !== value);
      if (u.pathname === '/present') values.push(value);
      txt.set(name, values);
      if (values.length) dns.set(name, 'TXT', values);
      else dns.remove(name, 'TXT');
      res.writeHead(200).end('ok\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new DnsControl(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** Writes an executable shell script (mode 0700) into `dir`. */
  script(dir: string, name: string, body: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\nset -e\n${body}\n`, { mode: 0o700 });
    return file;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
