#!/usr/bin/env node
/**
 * Builds what `npm start` and `npx eabgate` run: the Node server and the CLI, compiled from TypeScript and
 * bundled with esbuild into dist/node/, npm packages included (better-sqlite3's native module stays in
 * node_modules). No transpiler runs when the service starts.
 *
 * Runs first the portal asset build (the server bundles dist/portal/assets.js), then esbuild only when a
 * source is newer than the build: an unchanged checkout starts at once.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ASSETS, BUILD_MODE, OUT, OUTPUTS, ROOT, WANTED_MODE, portalStale, serverStale } from './build-fresh.mjs';
import { zodEnglishOnly } from './zod-locales.mjs';

const ENTRIES = { server: 'src/entry/node.ts', cli: 'src/entry/cli.ts' };
const force = process.argv.includes('--force');

if (force || portalStale()) {
  const portal = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-portal.mjs')], { stdio: 'inherit' });
  if (portal.status !== 0) process.exit(portal.status ?? 1);
  // Unchanged content is not rewritten: mark the assets as checked so the next start skips this step.
  if (existsSync(ASSETS)) utimesSync(ASSETS, new Date(), new Date());
}

// --no-minify (for CPU profiles: readable names, module paths as comments) always rebuilds, and the next
// plain run rebuilds minified (dist/node/BUILD records the mode). EABGATE_BUILD=no-minify makes the
// readable build the current one, for this script and for `npm start` (build-fresh.mjs).
const minify = !process.argv.includes('--no-minify') && WANTED_MODE === 'minify';
if (!force && !process.argv.includes('--no-minify') && !serverStale()) process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (OUTPUTS.every(existsSync)) {
    console.error('build-server: esbuild is not installed (production install?); keeping the build in dist/node');
    process.exit(0);
  }
  console.error('build-server: esbuild is missing: run `npm install` (dev dependencies) to build dist/node');
  process.exit(1);
}

const started = Date.now();
// Chunks carry a content hash in their name: the previous build is removed, so that none pile up.
rmSync(OUT, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: OUT,
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
  logLevel: 'warning',
  tsconfig: join(ROOT, 'tsconfig.json'),
  // zod's 63 locales would be bundled for `z.locales` though English alone is used: src/api/zod-locales-en.ts.
  plugins: [zodEnglishOnly],
});
// Worker-thread entry points load by URL next to the module that starts them: copied beside the bundle.
for (const worker of ['src/adapters/node/argon2-worker.mjs']) copyFileSync(join(ROOT, worker), join(OUT, basename(worker)));
writeFileSync(BUILD_MODE, minify ? 'minify\n' : 'no-minify\n');
console.error(`build-server: dist/node built in ${Date.now() - started} ms`);
