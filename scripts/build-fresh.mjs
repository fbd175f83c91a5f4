/**
 * Whether dist/ is current: the one freshness check of `npm start` (scripts/start.mjs) and
 * scripts/build-server.mjs. Node built-ins only (it runs at every start): a stat walk of the sources, no
 * file read but the build's mode stamp.
 *
 * - The portal assets (dist/portal/assets.js, asset-paths.js) are stale when missing or older than a file
 *   under src/portal/client/.
 * - The server build (dist/node/server.mjs, cli.mjs) is stale when missing, older than a file under src/,
 *   dist/portal/, package-lock.json, tsconfig.json or the build's own scripts, or made in the other mode (dist/node/BUILD says which):
 *   minified, unless EABGATE_BUILD=no-minify asks for readable names (CPU profiles: the benches set it with
 *   BENCH_PROFILE_DIR).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'dist', 'node');
export const OUTPUTS = ['server', 'cli'].map((name) => join(OUT, `${name}.mjs`));
export const ASSETS = join(ROOT, 'dist', 'portal', 'assets.js');
/** Written by build-server.mjs beside the bundle: "minify" or "no-minify". */
export const BUILD_MODE = join(OUT, 'BUILD');
/** The mode a build must have to be current. */
export const WANTED_MODE = process.env.EABGATE_BUILD === 'no-minify' ? 'no-minify' : 'minify';
const CLIENT = join(ROOT, 'src', 'portal', 'client');

/** Newest mtime under a path (the path itself included); 0 when it does not exist. */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);

/** Portal assets to rebuild? */
export function portalStale() {
  const built = mtime(ASSETS);
  return built === 0 || !existsSync(join(ROOT, 'dist', 'portal', 'asset-paths.js')) || newest(CLIENT) > built;
}

/** Server build to redo (the portal assets being current)? */
export function serverStale() {
  const times = OUTPUTS.map(mtime);
  if (times.includes(0)) return true;
  if (!existsSync(BUILD_MODE) || readFileSync(BUILD_MODE, 'utf8').trim() !== WANTED_MODE) return true;
  const built = Math.min(...times);
  const inputs = [join(ROOT, 'src'), join(ROOT, 'dist', 'portal'), join(ROOT, 'package-lock.json'), join(ROOT, 'tsconfig.json')];
  // How the bundle is made counts too: the build script, its options and its esbuild plugin.
  for (const script of ['build-server.mjs', 'server-build-options.mjs', 'zod-locales.mjs']) inputs.push(join(ROOT, 'scripts', script));
  return inputs.some((p) => newest(p) > built);
}
