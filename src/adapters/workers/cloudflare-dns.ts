/**
 * DNS delegation on Workers: the delegation zone is a Cloudflare zone and the upstream's dns-01 TXT records
 * are published through Cloudflare's DNS API (v4: POST /zones/{zone}/dns_records; withdrawn by looking the
 * record up by name and content and DELETE /zones/{zone}/dns_records/{id}). fetch only, so it runs on
 * Workers and Node alike. The API token (EABGATE_CLOUDFLARE_API_TOKEN, a secret with DNS edit rights on
 * that zone only) is sent as a bearer token and never logged; failures say the API's own error messages.
 */
import type { DnsPublisher } from '../../ca/upstream.js';

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';

export interface CloudflareDnsOptions {
  zoneId: string;
  apiToken: string;
  /** Cloudflare's API by default (tests point it at a loopback double). */
  apiBase?: string;
  fetch?: typeof fetch;
  /** Seconds; 60 is the shortest Cloudflare allows outside Enterprise zones. */
  ttl?: number;
}

interface Envelope<T> {
  success: boolean;
  errors?: { code?: number; message?: string }[];
  result: T;
}

export class CloudflareDnsPublisher implements DnsPublisher {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: CloudflareDnsOptions) {
    this.base = `${(opts.apiBase ?? CLOUDFLARE_API).replace(/\/+$/, '')}/zones/${encodeURIComponent(opts.zoneId)}/dns_records`;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async publish(fqdn: string, value: string): Promise<void> {
    await this.call('POST', this.base, { type: 'TXT', name: fqdn, content: value, ttl: this.opts.ttl ?? 60 });
  }

  async withdraw(fqdn: string, value: string): Promise<void> {
    const query = new URLSearchParams({ type: 'TXT', name: fqdn, per_page: '100' });
    const records = await this.call<{ id: string; content: string }[]>('GET', `${this.base}?${query}`);
    // Cloudflare may give TXT content back quoted.
    for (const r of records.filter((x) => x.content.replace(/^"|"$/g, '') === value)) {
      await this.call('DELETE', `${this.base}/${encodeURIComponent(r.id)}`);
    }
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.doFetch(url, {
      method,
      headers: { authorization: `Bearer ${this.opts.apiToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    let env: Envelope<T> | undefined;
    try {
      env = (await res.json()) as Envelope<T>;
    } catch {
      env = undefined;
    }
    if (!res.ok || !env?.success) {
      const why = env?.errors?.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ') || `HTTP ${res.status}`;
      throw new Error(`Cloudflare DNS API ${method}: ${why}`);
    }
    return env.result;
  }
}
