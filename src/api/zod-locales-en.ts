/**
 * Stands in for zod's index of locales (`zod/v4/locales/index.js`) in both bundles: the Node build
 * (scripts/zod-locales.mjs, an esbuild plugin) and the Worker (wrangler.toml's [alias]). zod's `z`
 * namespace re-exports `locales`, so a bundler keeps all 63 of them (about 260 KB minified, half of the
 * REST API's chunk and 0.3 MB of the server's heap) though only English is ever used: zod sets it as the
 * default itself (`en` imported directly by zod/v4/classic/schemas.js), and eabgate writes its own messages.
 * `z.locales` then holds `en` alone.
 */
export { default as en } from 'zod/v4/locales/en.js';
