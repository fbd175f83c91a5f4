#!/usr/bin/env node
// `npx eabgate <command>`: the operator CLI, from the build in dist/node (npm start and npm test make it;
// `npm run build` makes it on demand). When the sources are newer than the build (or there is none), it
// runs the TypeScript sources through tsx instead, so it never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';

const built = new URL('../dist/node/cli.mjs', import.meta.url);
const src = new URL('../src/', import.meta.url);
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = new URL(e.name + (e.isDirectory() ? '/' : ''), dir);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
if (existsSync(built) && (!existsSync(src) || statSync(built).mtimeMs >= newest(src))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/entry/cli.ts');
}
