/**
 * What the Node server evaluates at start: modules reached from src/entry/node.ts by static imports only
 * (a dynamic import() is evaluated when it runs). Two libraries that are large to evaluate must not be among
 * them: @peculiar/x509 with reflect-metadata and its ASN.1 schemas (reached through src/core/x509-lazy.ts,
 * never src/core/x509.ts), and tldts with the Public Suffix List (reached through src/core/psl.ts). The
 * graph is esbuild's, with the build's own options (scripts/server-build-options.mjs).
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations
import { serverBuildOptions } from '../../scripts/server-build-options.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

/** Each module on the start path, with the chain of static imports that brings it there. */
async function startPath(entry: string): Promise<Map<string, string[]>> {
  const { metafile } = await build({
    ...serverBuildOptions({ root: ROOT, outdir: join(ROOT, 'node_modules', '.cache', 'start-path') }),
    entryPoints: [entry],
    minify: false,
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const i of metafile!.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' || i.external || chains.has(i.path)) continue;
      chains.set(i.path, [...chains.get(file)!, i.path]);
      queue.push(i.path);
    }
  }
  return chains;
}

describe('start path of the Node server', () => {
  it('does not evaluate @peculiar/x509, reflect-metadata or tldts', async () => {
    const chains = await startPath('src/entry/node.ts');
    // The graph is the real one: the server's own modules and bundled packages are in it.
    expect(chains.has('src/app/app.ts')).toBe(true);
    expect([...chains.keys()].some((f) => /(^|\/)node_modules\/hono\//.test(f))).toBe(true);
    expect(chains.has('src/core/x509-lazy.ts')).toBe(true);
    expect(chains.has('src/core/psl.ts')).toBe(true);
    const eager = [...chains.entries()]
      .filter(([f]) => f === 'src/core/x509.ts' || /(^|\/)node_modules\/(@peculiar\/x509|reflect-metadata|tldts|tldts-core)\//.test(f))
      .map(([, chain]) => chain.join(' → '));
    expect(eager).toEqual([]);
  });
});
