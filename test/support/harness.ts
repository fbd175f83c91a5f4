/**
 * An in-process app on a real SQLite file with a manual clock: requests go through app.request(), so
 * tests exercise the whole stack (routing, validation, services, storage) without a socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { createApp } from '../../src/app/app.js';
import { nodeDeps, type NodeDeps } from '../../src/adapters/node/deps.js';
import type { Logger } from '../../src/app/context.js';

export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: NodeDeps;
  clock: ManualClock;
  dataDir: string;
  logs: string[];
  request(method: string, path: string, opts?: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> }): Promise<Response>;
  close(): void;
}

/** `start` sets the manual clock; by default it starts at the real time (openssl checks chains against it). */
export async function harness(env: Record<string, string> = {}, start: string | number = Date.now()): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eabgate-test-'));
  const config = loadConfig({ EABGATE_DATA_DIR: dataDir, EABGATE_BASE_URL: 'http://127.0.0.1:8080', EABGATE_VA_ALLOW_NETWORKS: '127.0.0.0/8,::1/128', ...env });
  const clock = new ManualClock(start);
  const logs: string[] = [];
  const logger: Logger = {
    info: (msg, fields) => logs.push(JSON.stringify({ msg, ...fields })),
    error: (msg, fields) => logs.push(JSON.stringify({ msg, ...fields })),
  };
  const deps = await nodeDeps(config, { clock, logger });
  deps.clientAddress = (c) => c.req.header('x-test-client') ?? '203.0.113.1';
  const app = createApp(deps);
  return {
    app,
    deps,
    clock,
    dataDir,
    logs,
    request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      return Promise.resolve(app.request(path, { method, headers, body }));
    },
    close() {
      deps.sqlite.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers a customer and logs in; returns the bearer token. */
export async function customer(h: Harness, email: string, password = 'correct horse battery staple'): Promise<string> {
  const r1 = await h.request('POST', '/api/v1/accounts', { json: { email, password } });
  if (r1.status !== 201) throw new Error(`register ${email}: ${r1.status} ${await r1.text()}`);
  const r2 = await h.request('POST', '/api/v1/sessions', { json: { email, password } });
  if (r2.status !== 201) throw new Error(`login ${email}: ${r2.status} ${await r2.text()}`);
  return ((await r2.json()) as { token: string }).token;
}
