/**
 * What the Node build (scripts/server-build-options.mjs, the options scripts/build-server.mjs uses) puts in
 * dist/node/, checked on a build made here:
 * - every chunk is ASCII: V8 keeps each module's source for the module's life, at two bytes a character as
 *   soon as one character is beyond Latin-1 (a single "…" in a regular expression did that to a 167 KB chunk);
 * - zod's English locale alone (src/api/zod-locales-en.ts), through the esbuild plugin of
 *   scripts/zod-locales.mjs; the Worker gets the same through wrangler.toml's [alias] with the same specifier
 *   and file. zod's messages stay English in a bundle built that way.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: build scripts in plain JavaScript, without type declarations
import { serverBuildOptions } from '../../scripts/server-build-options.mjs';
// @ts-expect-error: as above
import { ZOD_LOCALES_EN, ZOD_LOCALES_SPECIFIER, zodEnglishOnly } from '../../scripts/zod-locales.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const localeFiles = (inputs: Record<string, unknown>) =>
  Object.keys(inputs).filter((f) => /node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(f)).map((f) => f.replace(/.*\/locales\//, ''));

describe('the Node build', () => {
  /** The build as scripts/build-server.mjs makes it, in memory. */
  const built = build({ ...serverBuildOptions({ root: ROOT, outdir: join(CACHE, 'server-bundle') }), write: false, metafile: true, sourcemap: false, logLevel: 'silent' });

  it('writes every chunk in ASCII', async () => {
    const chunks = (await built).outputFiles!.filter((f) => f.path.endsWith('.mjs'));
    // The real build: the entries and the lazily loaded chunks (REST API, portal, x509) are there.
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.map((f) => f.path.replace(/.*\//, ''))).toEqual(expect.arrayContaining(['server.mjs', 'cli.mjs']));
    const wide = chunks.flatMap((f) => {
      const at = f.contents.findIndex((b) => b > 0x7f);
      return at < 0 ? [] : [`${relative(ROOT, f.path)}: ${new TextDecoder().decode(f.contents.subarray(Math.max(0, at - 60), at + 20))}`];
    });
    expect(wide).toEqual([]);
  });

  it("holds zod's English locale alone; without the plugin, every locale", async () => {
    const lean = await built;
    const full = await build({
      ...serverBuildOptions({ root: ROOT, outdir: join(CACHE, 'server-bundle-full') }),
      entryPoints: ['src/app/api-app.ts'],
      plugins: [],
      write: false,
      metafile: true,
      sourcemap: false,
      logLevel: 'silent',
    });
    expect(localeFiles(lean.metafile!.inputs)).toEqual(['en.js']);
    expect(Object.keys(lean.metafile!.inputs)).toContain(relative(ROOT, ZOD_LOCALES_EN));
    // The plugin is what makes the difference: zod's index brings every locale.
    expect(localeFiles(full.metafile!.inputs).length).toBeGreaterThan(40);
    const api = (outputs: { path: string; contents: Uint8Array }[]) => outputs.find((f) => /\/api-app(-[^/]+)?\.mjs$/.test(f.path))!.contents.length;
    expect(api(full.outputFiles!) - api(lean.outputFiles!)).toBeGreaterThan(150_000);
  });

  it("zod's messages stay English in a bundle with English alone, and z.locales holds en alone", async () => {
    mkdirSync(CACHE, { recursive: true });
    const dir = mkdtempSync(join(CACHE, 'zod-locales-'));
    dirs.push(dir);
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      "import { z } from '@hono/zod-openapi';\n" +
        'export const message = z.string().safeParse(1).error?.issues[0]?.message;\n' +
        'export const tooLong = z.string().max(3).safeParse("abcd").error?.issues[0]?.message;\n' +
        'export const locales = Object.keys(z.locales);\n',
    );
    await build({ absWorkingDir: ROOT, entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'out.mjs'), plugins: [zodEnglishOnly], logLevel: 'silent' });
    const m = (await import(pathToFileURL(join(dir, 'out.mjs')).href)) as { message: string; tooLong: string; locales: string[] };
    expect(m.message).toBe('Invalid input: expected string, received number');
    expect(m.tooLong).toBe('Too big: expected string to have <=3 characters');
    expect(m.locales).toEqual(['en']);
  });

  it("wrangler.toml's [alias] maps the same specifier to the same file", () => {
    const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
    const table = /^\[alias\]\n((?:(?!\[).*\n)*)/m.exec(toml)?.[1] ?? '';
    expect(table).toContain(`"${ZOD_LOCALES_SPECIFIER}" = "./${relative(ROOT, ZOD_LOCALES_EN)}"`);
  });
});
