/**
 * Both bundles carry zod's English locale alone (src/api/zod-locales-en.ts): the Node build through the
 * esbuild plugin of scripts/zod-locales.mjs, the Worker through wrangler.toml's [alias] with the same
 * specifier and file. zod's messages stay English in a bundle built that way.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations
import { ZOD_LOCALES_EN, ZOD_LOCALES_SPECIFIER, zodEnglishOnly } from '../../scripts/zod-locales.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const localeFiles = (inputs: Record<string, unknown>) =>
  Object.keys(inputs).filter((f) => /node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(f)).map((f) => f.replace(/.*\/locales\//, ''));

describe('zod locales in the bundles', () => {
  it('the REST API bundled as the Node build does it holds English alone; without the plugin, all of them', async () => {
    const options = {
      absWorkingDir: ROOT,
      entryPoints: ['src/app/api-app.ts'],
      bundle: true,
      platform: 'node' as const,
      format: 'esm' as const,
      target: 'node20',
      external: ['better-sqlite3'],
      write: false,
      metafile: true,
      minify: true,
      outdir: join(CACHE, 'zod-locales'),
      logLevel: 'silent' as const,
    };
    const lean = await build({ ...options, plugins: [zodEnglishOnly] });
    const full = await build(options);
    expect(localeFiles(lean.metafile!.inputs)).toEqual(['en.js']);
    expect(Object.keys(lean.metafile!.inputs)).toContain(relative(ROOT, ZOD_LOCALES_EN));
    // The plugin is what makes the difference: zod's index brings every locale.
    expect(localeFiles(full.metafile!.inputs).length).toBeGreaterThan(40);
    const size = (r: typeof lean) => r.outputFiles!.reduce((n, f) => n + f.contents.length, 0);
    expect(size(full) - size(lean)).toBeGreaterThan(150_000);
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
