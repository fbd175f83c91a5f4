/**
 * After a whole journey against the real server process, neither the database files nor the server's logs
 * hold the private key, the archive bytes, the unlock code, the CA Reference or the session token.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../support/server.js';
import { extractWith7z, readExtracted, ORG } from '../../support/order.js';

let srv: RunningServer;
const secrets: Record<string, Buffer[]> = {};

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(srv.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json().catch(() => ({}))) as Record<string, any> };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  srv = await startServer();
  const email = 'rest@example.com';
  const password = 'correct horse battery staple';
  expect((await call('POST', '/api/v1/accounts', { email, password })).status).toBe(201);
  const token = (await call('POST', '/api/v1/sessions', { email, password })).json.token as string;
  const placed = await call('POST', '/api/v1/orders', { product: 'ov', domains: ['secret.example.com'], organization: ORG }, token);
  expect(placed.status).toBe(201);
  const code = (await call('POST', `/api/v1/orders/${placed.json.orderNumber}/unlock-code`, undefined, token)).json.unlockCode as string;
  const x = extractWith7z(placed.json.keyArchive.data, code);
  expect(x.status).toBe(0);
  const keyPem = readExtracted(x.dir, x.files[0]!);
  const keyDer = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const archive = Buffer.from(placed.json.keyArchive.data, 'base64');
  secrets.privateKeyPem = keyPem.split('\n').filter((l) => l.length === 64).slice(0, 5).map((l) => Buffer.from(l));
  secrets.privateKeyDer = [keyDer.subarray(100, 164), keyDer.subarray(600, 664)];
  secrets.archive = [archive.subarray(80, 144), archive.subarray(archive.length - 120, archive.length - 60)];
  secrets.archiveBase64 = [Buffer.from(placed.json.keyArchive.data.slice(200, 264))];
  secrets.unlockCode = [Buffer.from(code), Buffer.from(code.replace(/-/g, ''))];
  secrets.caReference = [Buffer.from(placed.json.caReference), Buffer.from(placed.json.caReference.replace(/-/g, ''))];
  secrets.sessionToken = [Buffer.from(token)];
  await srv.stop();
});
afterAll(async () => srv?.stop());

describe('secrets at rest and in logs', () => {
  it('the data dir holds the database and the key-encryption key only', () => {
    const names = filesUnder(srv.dataDir).map((f) => f.slice(srv.dataDir.length + 1)).sort();
    for (const n of names) expect(n).toMatch(/^(eabgate\.db(-wal|-shm)?|secret\.key|ca\/.*)$/);
    expect(statSync(join(srv.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it.each(['privateKeyPem', 'privateKeyDer', 'archive', 'archiveBase64', 'unlockCode', 'caReference', 'sessionToken'])(
    'no %s in the database files or the logs',
    (what) => {
      const haystacks = filesUnder(srv.dataDir)
        .filter((f) => !f.endsWith('secret.key'))
        .map((f) => [f, readFileSync(f)] as const);
      haystacks.push(['server output', Buffer.from(srv.output())]);
      expect(srv.output()).toMatch(/"path":"\/api\/v1\/orders"/); // the logs were captured
      for (const needle of secrets[what]!) {
        for (const [name, hay] of haystacks) {
          expect(hay.includes(needle), `${what} found in ${name}`).toBe(false);
        }
      }
    },
  );
});
