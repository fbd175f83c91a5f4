/**
 * esbuild plugin for the Node build (scripts/build-server.mjs): zod's index of locales resolves to
 * src/api/zod-locales-en.ts, English alone (why: that file). Only imports made from inside zod's own
 * files are redirected. The Worker gets the same through wrangler.toml's [alias].
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ZOD_LOCALES_SPECIFIER = '../locales/index.js';
export const ZOD_LOCALES_EN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api', 'zod-locales-en.ts');

export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: ZOD_LOCALES_EN } : undefined,
    );
  },
};
