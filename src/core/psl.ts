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

let tldts: typeof Tldts | undefined;
let loading: Promise<void> | undefined;

/** Loads tldts once. */
export function loadPsl(): Promise<void> {
  if (tldts) return Promise.resolve();
  loading ??= import('tldts').then(
    (m) => {
      // The Node bundle takes tldts's CommonJS build, whose exports a dynamic import() shows as `default`.
      tldts = typeof m.getDomain === 'function' ? m : (m as unknown as { default: typeof Tldts }).default;
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** The registrable domain ("example.co.uk" for "shop.example.co.uk"), ICANN section of the PSL only; after loadPsl(). */
export function registrableDomain(name: string): string | null {
  if (!tldts) throw new Error('the Public Suffix List was read before loadPsl() resolved');
  return tldts.getDomain(name, { allowPrivateDomains: false });
}
