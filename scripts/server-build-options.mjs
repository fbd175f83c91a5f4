/**
 * esbuild's options for the Node build (dist/node/: the server and the CLI), in one place for
 * scripts/build-server.mjs, which writes it, and the tests that check what it holds (test/architecture/).
 */
import { join } from 'node:path';
import { zodEnglishOnly } from './zod-locales.mjs';

const SERVER_ENTRIES = { server: 'src/entry/node.ts', cli: 'src/entry/cli.ts' };

/** `root`: the checkout; `outdir`: where the chunks go; `minify`: false for CPU profiles' readable names. */
export function serverBuildOptions({ root, outdir, minify = true }) {
  return {
    absWorkingDir: root,
    entryPoints: SERVER_ENTRIES,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Code reached only through a dynamic import() goes into a chunk of its own, loaded when first imported:
    // acme-client (+ node-forge, axios) for EABGATE_ISSUER=acme, pg, nodemailer, hash-wasm, and the portal
    // assets (csr-tool.js, pfx-tool.js: about 800 KiB of strings) on the first portal request. Code that
    // server and cli share goes into chunks too. All chunks sit beside the entries in dist/node/ (flat:
    // argon2.ts finds argon2-worker.mjs and sqlite.ts finds drizzle/ relative to import.meta.url).
    splitting: true,
    target: 'node20',
    // npm packages are bundled too (module resolution and loading were most of the start time); only native
    // and optional ones stay external.
    external: ['better-sqlite3', 'esbuild', 'playwright-core', 'wrangler', 'fsevents'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
    sourcemap: true,
    // Smaller to parse at every start. `npm start` runs without --enable-source-maps: loading the 9 MB map
    // cost about 50 MB of RSS and a second of start; for readable stack traces while debugging run
    // `NODE_OPTIONS=--enable-source-maps npm start` (the map is written next to the bundle).
    minify,
    // Non-ASCII characters in strings come out as \u escapes (esbuild's default, stated here because it
    // matters): V8 keeps a module's source as long as the module lives, one byte per character when all of
    // it is Latin-1 and two otherwise, so a single "…" doubles the memory a chunk's source takes. esbuild
    // leaves regular expression literals as written: test/architecture/server-bundle.test.ts checks that
    // every chunk comes out ASCII.
    charset: 'ascii',
    logLevel: 'warning',
    tsconfig: join(root, 'tsconfig.json'),
    // zod's 63 locales would be bundled for `z.locales` though English alone is used: src/api/zod-locales-en.ts.
    plugins: [zodEnglishOnly],
  };
}
