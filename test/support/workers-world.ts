/**
 * The Workers build (`wrangler dev --local`, workerd over a local D1) wired like the Node tests' worlds:
 * its VA resolves through a loopback DNS-over-HTTPS responder in front of the test DNS server
 * (EABGATE_VA_DOH_URL, https://localhost:<port>/dns-query with a certificate from a throw-away test CA that
 * workerd trusts through NODE_EXTRA_CA_CERTS), fetches http-01 from a loopback port (EABGATE_VA_HTTP_PORT),
 * and may reach loopback because the test allows it (EABGATE_VA_ALLOW_NETWORKS). The admin API is on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDnsServer } from './dns-server.js';
import { startWrangler, type RunningWorker } from './wrangler.js';
import { provision, type Provisioned } from './acme.js';
import { run } from './tools.js';

export const WORKER_ADMIN_TOKEN = 'workers-admin-token-0123456789';

export interface WorkersWorld {
  worker: RunningWorker;
  base: string;
  dns: TestDnsServer;
  dohUrl: string;
  directoryUrl: string;
  rootPem: string;
  provision(email: string, plan?: unknown): Promise<Provisioned>;
  close(): Promise<void>;
}

/** A test CA and a certificate for localhost/127.0.0.1 signed by it, made by the real openssl. */
export function localhostTls(dir: string): { caFile: string; certPem: string; keyPem: string } {
  const f = (n: string) => join(dir, n);
  const ok = (args: string[]) => {
    const r = run('openssl', args);
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  ok(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=eabgate test DoH CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  ok(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('doh.key'), '-out', f('doh.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  ok(['x509', '-req', '-in', f('doh.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('doh.pem')]);
  return { caFile: f('ca.pem'), certPem: readFileSync(f('doh.pem'), 'utf8'), keyPem: readFileSync(f('doh.key'), 'utf8') };
}

export async function workersWorld(opts: { httpPort: number; secrets?: Record<string, string> }): Promise<WorkersWorld> {
  const tlsDir = mkdtempSync(join(tmpdir(), 'eabgate-doh-'));
  const tls = localhostTls(tlsDir);
  const dns = await TestDnsServer.start();
  const dohUrl = await dns.startDoh({ tls });
  let worker: RunningWorker;
  try {
    worker = await startWrangler({
      // wrangler starts in 4 s on an idle machine, several times that while the whole suite runs.
      timeoutMs: 120_000,
      processEnv: { NODE_EXTRA_CA_CERTS: tls.caFile },
      secrets: {
        EABGATE_ADMIN_TOKEN: WORKER_ADMIN_TOKEN,
        EABGATE_VA_DOH_URL: dohUrl,
        EABGATE_VA_HTTP_PORT: String(opts.httpPort),
        EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128',
        EABGATE_CAA_IDENTITIES: 'eabgate.test',
        ...opts.secrets,
      },
    });
  } catch (err) {
    await dns.stop();
    rmSync(tlsDir, { recursive: true, force: true });
    throw err;
  }
  const base = worker.base;
  const rootPem = await (await fetch(`${base}/ca/root.pem`)).text();
  return {
    worker,
    base,
    dns,
    dohUrl,
    directoryUrl: `${base}/acme/directory`,
    rootPem,
    provision: (email, plan = 'business') => provision((u, i) => fetch(u, i), base, WORKER_ADMIN_TOKEN, email, plan),
    async close() {
      await worker.stop();
      await dns.stop();
      rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}
