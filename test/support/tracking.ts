/** A harness wired to a loopback DNS server and http-01 responder, for validation and issuance tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, type Harness } from './harness.js';
import { TestDnsServer } from './dns-server.js';
import { Http01Responder } from './http01-responder.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface TrackingWorld {
  h: Harness;
  dns: TestDnsServer;
  http: Http01Responder;
  close(): Promise<void>;
}

export async function trackingWorld(env: Record<string, string> = {}, start?: string): Promise<TrackingWorld> {
  const dns = await TestDnsServer.start();
  const http = await Http01Responder.start();
  const h = await harness(
    {
      EABGATE_VA_DNS_SERVER: dns.address,
      EABGATE_VA_HTTP_PORT: String(http.port),
      EABGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      EABGATE_CAA_IDENTITIES: 'eabgate.test',
      ...env,
    },
    start,
  );
  return {
    h,
    dns,
    http,
    async close() {
      h.close();
      await dns.stop();
      await http.stop();
    },
  };
}

/** Points names at 127.0.0.1 in the test DNS. */
export function hostAt127(dns: TestDnsServer, ...names: string[]): void {
  for (const n of names) dns.set(n, 'A', ['127.0.0.1']);
}

export interface TrackingJson {
  orderNumber: string;
  status: string;
  statusReason: string | null;
  product: string;
  domains: string[];
  validation: {
    domain: string;
    status: string;
    method: string | null;
    lastResult: Record<string, string> | null;
    instructions: { http01?: { url: string; body: string }; dns01: { name: string; type: 'TXT'; value: string } };
  }[];
  certificate: { serial: string; notBefore: string; notAfter: string; issuer: string; revoked: boolean } | null;
}

export async function track(h: Harness, caReference: string, client = '198.51.100.20'): Promise<TrackingJson> {
  const res = await h.request('POST', '/api/v1/tracking', { json: { caReference }, headers: { 'x-test-client': client } });
  if (res.status !== 200) throw new Error(`tracking: ${res.status} ${await res.text()}`);
  return (await res.json()) as TrackingJson;
}

/** Publishes what the instructions ask for: http-01 for `http` names, dns-01 for the rest. */
export function satisfy(world: TrackingWorld, view: TrackingJson, viaHttp: string[] = []): void {
  for (const v of view.validation) {
    if (viaHttp.includes(v.domain) && v.instructions.http01) {
      const token = v.instructions.http01.url.split('/').pop()!;
      world.http.setToken(token, v.instructions.http01.body);
    } else {
      world.dns.set(v.instructions.dns01.name, 'TXT', [v.instructions.dns01.value]);
    }
  }
}

export async function download(h: Harness, caReference: string, format: string): Promise<Response> {
  const path = format === 'intermediates' ? '/api/v1/tracking/intermediates' : '/api/v1/tracking/certificate';
  const json = format === 'intermediates' ? { caReference } : { caReference, format };
  return h.request('POST', path, { json });
}

export function writeTemp(name: string, data: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-t-'));
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}
