/** An in-process app with the loopback DNS server and http-01 responder, a subscription and its EAB credentials. */
import { trackingWorld, hostAt127, ADMIN_TOKEN, type TrackingWorld } from './tracking.js';
import { AcmeTestClient, appFetcher, provision, type Fetcher, type Provisioned } from './acme.js';

export interface AcmeWorld extends TrackingWorld {
  fetch: Fetcher;
  baseUrl: string;
  directoryUrl: string;
  eab: Provisioned;
  client(alg?: Parameters<typeof AcmeTestClient.open>[2]): Promise<AcmeTestClient>;
  /** A registered client (EAB of `eab`, default the world's). */
  registered(alg?: Parameters<typeof AcmeTestClient.open>[2], eab?: Provisioned): Promise<AcmeTestClient>;
  provision(email: string, plan?: unknown): Promise<Provisioned>;
  admin(path: string, method?: string): Promise<Response>;
}

export { ADMIN_TOKEN, hostAt127 };

export async function acmeWorld(opts: { plan?: unknown; env?: Record<string, string>; start?: string } = {}): Promise<AcmeWorld> {
  const world = await trackingWorld(opts.env, opts.start);
  const fetch = appFetcher(world.h);
  const baseUrl = world.h.deps.config.baseUrl;
  const directoryUrl = `${baseUrl}/acme/directory`;
  const eab = await provision(fetch, baseUrl, ADMIN_TOKEN, 'alice@example.com', opts.plan ?? 'business');
  const self: AcmeWorld = {
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
  };
  return self;
}
