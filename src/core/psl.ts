/**
 * The Public Suffix List (through tldts), loaded on first need instead of at start.
 *
 * tldts builds its suffix tables when it is evaluated: about 5 MB of memory and 25–30 ms, which every start
 * paid before the first order name was checked. The name checks that need it (nameFault through
 * registrableDomain) are synchronous: the asynchronous operations that reach them await `loadPsl()` first
 * (ACME newOrder, the REST and portal order creation, the portal's CSR tool), and registrableDomain throws
 * when called before that.
 */
import type * as Tldts from 'tldts';
import { lazyModule } from './lazy-module.js';

const library = lazyModule(async (): Promise<typeof Tldts> => {
  const m = await import('tldts');
  // The Node bundle takes tldts's CommonJS build, whose exports a dynamic import() shows as `default`.
  return typeof m.getDomain === 'function' ? m : (m as unknown as { default: typeof Tldts }).default;
});

/** Loads tldts once. */
export async function loadPsl(): Promise<void> {
  await library.load();
}

/** The registrable domain ("example.co.uk" for "shop.example.co.uk"), ICANN section of the PSL only; after loadPsl(). */
export function registrableDomain(name: string): string | null {
  const tldts = library.current;
  if (!tldts) throw new Error('the Public Suffix List was read before loadPsl() resolved');
  return tldts.getDomain(name, { allowPrivateDomains: false });
}
