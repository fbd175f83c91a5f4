#!/usr/bin/env node
/**
 * `npm start`: the compiled server (dist/node/server.mjs), built first only when a source is newer than the
 * build (scripts/build-fresh.mjs: a stat walk, a few milliseconds). The server then runs in this process:
 * no second node start and no npm `prestart` step, which together cost more than a tenth of a second.
 * Node flags for the server go on the `node` command of package.json "start".
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUT, ROOT, portalStale, serverStale } from './build-fresh.mjs';

if (portalStale() || serverStale()) {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-server.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(pathToFileURL(join(OUT, 'server.mjs')).href);
