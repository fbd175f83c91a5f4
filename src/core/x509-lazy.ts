/**
 * @peculiar/x509 for modules on the server's start path, loaded on first need instead of at start.
 *
 * Evaluating @peculiar/x509 (with reflect-metadata and every ASN.1 schema it declares) at start cost about
 * 150 ms of each start and 6–7 MB of the idle server (`npm run bench:start`), for a module that a DV
 * issuance does not need at all (src/ca/leaf-der.ts writes its extensions; src/ca/ca-certificate.ts reads the
 * CA's certificates): OV/EV subjects, CSRs the lean reader leaves to it, CRLs, download packages,
 * revocation and tls-alpn-01 load it when they first run.
 *
 * Modules that the server imports at start (test/architecture/start-path.test.ts checks that none imports
 * ./x509.js) and the REST API's order view use `x509` from here and await `loadX509()` at the start of each
 * asynchronous operation that reaches it; `x509` throws, naming the member, when read before that. The
 * portal app awaits it when it loads (its CSR pages use ./x509.js directly), as do the CLI and the tests.
 */
import type * as X509 from '@peculiar/x509';
import { lazyModule } from './lazy-module.js';

export type { X509 };

/** ./x509.js: reflect-metadata first, then the platform's WebCrypto as @peculiar/x509's provider. */
const library = lazyModule(async () => (await import('./x509.js')).x509);

/** Loads @peculiar/x509 once. */
export const loadX509 = (): Promise<typeof X509> => library.load();

/** @peculiar/x509's exports, once loadX509() has resolved. */
export const x509: typeof X509 = new Proxy({} as typeof X509, {
  get(_target, member) {
    const loaded = library.current;
    if (!loaded) throw new Error(`@peculiar/x509 read (x509.${String(member)}) before loadX509() resolved`);
    return Reflect.get(loaded, member);
  },
});

/** Whether loadX509() has resolved in this process (for tests of what loads it). */
export const x509Loaded = (): boolean => library.current !== undefined;

/**
 * Tests only: forget the loaded module, so that a test can check that what it runs next needs no
 * @peculiar/x509 (anything that reads `x509` without awaiting loadX509() first then throws).
 */
export function unloadX509ForTests(): void {
  library.forget();
}
