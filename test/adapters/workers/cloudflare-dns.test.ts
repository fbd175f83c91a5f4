/**
 * The Workers publisher of DNS delegation against a loopback double of Cloudflare's DNS API v4 (the real API
 * is not reachable from the test machines): the requests it makes (paths, bearer token, JSON bodies), that a
 * published TXT record can be withdrawn by name and value, and that the API's own error reaches the caller
 * without the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudflareDnsPublisher } from '../../../src/adapters/workers/cloudflare-dns.js';

const ZONE = '0123456789abcdef0123456789abcdef';
const TOKEN = 'cf-token-for-tests';
let server: Server;
let base: string;
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
const records = new Map<string, { id: string; type: string; name: string; content: string; ttl: number }>();
let nextId = 1;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(403, { success: false, errors: [{ code: 10000, message: 'Authentication error' }], result: null });
      const url = new URL(req.url!, 'http://x');
      const prefix = `/client/v4/zones/${ZONE}/dns_records`;
      if (req.method === 'POST' && url.pathname === prefix) {
        const r = JSON.parse(body) as { type: string; name: string; content: string; ttl: number };
        if (!r.name.endsWith('.deleg.example.net')) return send(400, { success: false, errors: [{ code: 9007, message: 'Content for TXT record is invalid.' }], result: null });
        const rec = { id: `rec${nextId++}`, ...r };
        records.set(rec.id, rec);
        return send(200, { success: true, errors: [], result: rec });
      }
      if (req.method === 'GET' && url.pathname === prefix) {
        const list = [...records.values()].filter((r) => r.type === url.searchParams.get('type') && r.name === url.searchParams.get('name'));
        return send(200, { success: true, errors: [], result: list.map((r) => ({ ...r, content: `"${r.content}"` })) });
      }
      if (req.method === 'DELETE' && url.pathname.startsWith(`${prefix}/`)) {
        records.delete(url.pathname.slice(prefix.length + 1));
        return send(200, { success: true, errors: [], result: { id: 'x' } });
      }
      send(404, { success: false, errors: [{ code: 7003, message: 'No route' }], result: null });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('CloudflareDnsPublisher', () => {
  it('publishes a TXT record with the bearer token and withdraws it by name and value', async () => {
    const p = new CloudflareDnsPublisher({ zoneId: ZONE, apiToken: TOKEN, apiBase: base });
    await p.publish('abc.deleg.example.net', 'value-1');
    await p.publish('abc.deleg.example.net', 'value-2');
    expect([...records.values()].map((r) => [r.name, r.content, r.ttl])).toEqual([
      ['abc.deleg.example.net', 'value-1', 60],
      ['abc.deleg.example.net', 'value-2', 60],
    ]);
    expect(seen[0]).toMatchObject({ method: 'POST', url: `/client/v4/zones/${ZONE}/dns_records`, auth: `Bearer ${TOKEN}` });
    await p.withdraw('abc.deleg.example.net', 'value-1');
    expect([...records.values()].map((r) => r.content)).toEqual(['value-2']);
  });

  it('fails with the API\'s own error, never with the token', async () => {
    const wrong = new CloudflareDnsPublisher({ zoneId: ZONE, apiToken: 'not-the-token', apiBase: base });
    await expect(wrong.publish('abc.deleg.example.net', 'v')).rejects.toThrow(/Cloudflare DNS API POST: 10000 Authentication error/);
    const p = new CloudflareDnsPublisher({ zoneId: ZONE, apiToken: TOKEN, apiBase: base });
    const err = await p.publish('outside.example.com', 'v').catch((e: Error) => e);
    expect(String(err)).toMatch(/9007 Content for TXT record is invalid/);
    expect(String(err)).not.toContain(TOKEN);
  });
});
