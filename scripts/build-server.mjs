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
import { serverBuildOptions } from './server-build-options.mjs';

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
await esbuild.build(serverBuildOptions({ root: ROOT, outdir: OUT, minify }));
// Worker-thread entry points load by URL next to the module that starts them: copied beside the bundle.
for (const worker of ['src/adapters/node/argon2-worker.mjs']) copyFileSync(join(ROOT, worker), join(OUT, basename(worker)));
writeFileSync(BUILD_MODE, minify ? 'minify\n' : 'no-minify\n');
console.error(`build-server: dist/node built in ${Date.now() - started} ms`);
