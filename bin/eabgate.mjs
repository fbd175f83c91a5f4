#!/usr/bin/env node
// `npx eabgate <command>`: the operator CLI, from the build in dist/node (npm start and npm test make it;
// `npm run build` makes it on demand). A checkout without a build runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/node/cli.mjs', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/entry/cli.ts');
}
