/**
 * The app served over a real loopback socket (@hono/node-server) in the test process, with a manual
 * clock, the loopback DNS server and http-01 responder, a subscription and its EAB credentials: the
 * ACME server tests talk HTTP to it with fetch and can still move time and inspect the store.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../src/app/app.js';
import type { Issuer } from '../../src/ca/issuer.js';
import { trackingWorld, hostAt127, ADMIN_TOKEN, type TrackingWorld } from './tracking.js';
import { freePort } from './server.js';
import { AcmeTestClient, provision, type Fetcher, type Provisioned } from './acme.js';

type Alg = Parameters<typeof AcmeTestClient.open>[2];

export interface AcmeWorld extends TrackingWorld {
  fetch: Fetcher;
  baseUrl: string;
  directoryUrl: string;
  eab: Provisioned;
  client(alg?: Alg): Promise<AcmeTestClient>;
  /** A client registered with EAB (the world's credentials unless others are given). */
  registered(alg?: Alg, eab?: Provisioned): Promise<AcmeTestClient>;
  provision(email: string, plan?: unknown): Promise<Provisioned>;
  admin(path: string, method?: string): Promise<Response>;
}

export { ADMIN_TOKEN, hostAt127 };

let emails = 0;

export async function acmeWorld(
  opts: { plan?: unknown; env?: Record<string, string>; start?: string; issuer?: Issuer } = {},
): Promise<AcmeWorld> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const world = await trackingWorld({ EABGATE_BASE_URL: baseUrl, ...opts.env }, opts.start);
  const app = opts.issuer ? createApp({ ...world.h.deps, issuer: opts.issuer }) : world.h.app;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(s));
  });
  if ((server.address() as AddressInfo).port !== port) throw new Error('the loopback port was taken');
  const fetch: Fetcher = (url, init) => globalThis.fetch(url, init);
  const directoryUrl = `${baseUrl}/acme/directory`;
  const eab = await provision(fetch, baseUrl, ADMIN_TOKEN, `alice-${++emails}@example.com`, opts.plan ?? 'business');
  return {
    ...world,
    fetch,
    baseUrl,
    directoryUrl,
    eab,
    client: (alg) => AcmeTestClient.open(fetch, directoryUrl, alg),
    async registered(alg, which = eab) {
      const c = await AcmeTestClient.open(fetch, directoryUrl, alg);
      const r = await c.register(which);
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
      return c;
    },
    provision: (email, plan = 'business') => provision(fetch, baseUrl, ADMIN_TOKEN, email, plan),
    admin: (path, method = 'POST') => fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    async close() {
      await new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await world.close();
    },
  };
}

/** The ACME problem of a reply, with the type's URN prefix dropped, for assertions. */
export function problemOf(r: { status: number; headers: Headers; body: Record<string, unknown> }): { type: string; detail: string; status: number } {
  return { type: String(r.body.type ?? '').replace('urn:ietf:params:acme:error:', ''), detail: String(r.body.detail ?? ''), status: r.status };
}
