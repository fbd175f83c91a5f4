/** The runtime-agnostic core: `node:` imports (and Node built-ins) only in entry points and adapters. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, it, expect } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const ALLOWED = [/^entry\//, /^adapters\//];
const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx|js|mjs)$/.test(f) ? [p] : [];
  });
}

describe('runtime boundary', () => {
  it('keeps node: imports out of the core', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      if (ALLOWED.some((re) => re.test(rel))) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) offenders.push(`${rel}: ${spec}`);
      }
      if (/\bprocess\.|\bBuffer\./.test(text)) offenders.push(`${rel}: uses process or Buffer`);
    }
    expect(offenders).toEqual([]);
  });

  it('has entry points for both runtimes', () => {
    expect(statSync(join(SRC, 'entry', 'node.ts')).isFile()).toBe(true);
    expect(statSync(join(SRC, 'entry', 'workers.ts')).isFile()).toBe(true);
  });
});
