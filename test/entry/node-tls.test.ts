/** EABGATE_TLS=auto: the embedded CA issues the gateway's own certificate; clients trust <data dir>/ca/root.pem. */
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { startServer, type RunningServer } from '../support/server.js';
import { openssl, run } from '../support/tools.js';

let srv: RunningServer | undefined;
afterAll(async () => srv?.stop());

function get(url: string, ca: string): Promise<{ status: number; body: string; keepAlive?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, keepAlive: String(res.headers['keep-alive']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS', () => {
  it('serves HTTPS with a certificate from the embedded CA for localhost', async () => {
    srv = await startServer({ EABGATE_TLS: 'auto' });
    expect(srv.baseUrl).toBe(`https://localhost:${srv.port}`);
    const root = readFileSync(join(srv.dataDir, 'ca', 'root.pem'), 'utf8');
    const res = await get(`https://localhost:${srv.port}/healthz`, root);
    expect(res.status).toBe(200);
    // Idle connections are kept 65 s (longer than a load balancer's 60 s), and the server says so.
    expect(res.keepAlive).toBe('timeout=65');
    const s = run('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`, '-servername', 'localhost', '-verify_hostname', 'localhost', '-CAfile', join(srv.dataDir, 'ca', 'root.pem'), '-verify_return_error'], '');
    expect(s.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    expect(openssl(['version']).status).toBe(0);
  });

  it('refuses half a TLS configuration with a message naming the variable', async () => {
    await expect(startServer({ EABGATE_TLS_CERT: '/nonexistent.pem' })).rejects.toThrow(/EABGATE_TLS_KEY/);
  });
});
