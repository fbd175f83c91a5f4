#!/usr/bin/env node
// `npx eabgate <command>`: the operator CLI. Loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/entry/cli.ts');
