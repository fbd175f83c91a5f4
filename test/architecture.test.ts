/**
 * The architecture, checked on every run:
 *   - the runtime-agnostic core: `node:` imports (and Node built-ins) only in entry points and adapters;
 *   - the direction of dependencies: edges (REST API, portal, ACME server) → services beside them
 *     (orders, tracking, issuance) → the registration authority → what it drives (CA, VA, CSR checks,
 *     CaaS plan policy, storage) → core. A folder may import its own layer or lower ones, never higher.
 */
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

/** Layers, lowest first: a folder of src/ may import from its own layer or a lower one. */
const LAYERS: string[][] = [
  ['core'],
  ['csr', 'ca', 'va', 'db', 'autocsr', 'accounts', 'caas', 'mail'],
  ['ra'],
  ['orders', 'tracking', 'issuance'],
  ['api', 'portal', 'acme'],
  ['app'],
  ['entry', 'adapters'],
];
const layerOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));
/**
 * One file is the contract between the wiring and the edges: the context type (the services each edge may
 * use, AppEnv, AcmeEnv, PortalEnv) lives in app/ beside the wiring, and the edges read it.
 */
const EDGE_CONTRACT = 'app/context.js';

/** The src/ folders a file imports from (relative imports only). */
function importedFolders(file: string): { spec: string; folder: string; target: string }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; folder: string; target: string }[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
    const target = relative(SRC, join(file, '..', m[1]!)).split('\\').join('/');
    if (target.startsWith('..')) continue;
    out.push({ spec: m[1]!, folder: target.split('/')[0]!, target });
  }
  return out;
}

describe('direction of dependencies', () => {
  it('puts every folder of src/ in a layer', () => {
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());
    expect(folders.filter((f) => !layerOf.has(f))).toEqual([]);
  });

  it('imports only from the same layer or lower ones (edges → RA → CA/VA/store → core)', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      const own = rel.split('/')[0]!;
      for (const { spec, folder, target } of importedFolders(file)) {
        if (folder === own || !layerOf.has(folder)) continue;
        const rank = target === EDGE_CONTRACT ? layerOf.get('api')! : layerOf.get(folder)!;
        if (rank > layerOf.get(own)!) offenders.push(`${rel} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the storage implementation behind the store interface: only adapters, entry points and the wiring import src/db', () => {
    const offenders = files(SRC)
      .map((f) => relative(SRC, f).split('\\').join('/'))
      .filter((rel) => !/^(db|adapters|entry|app)\//.test(rel))
      .flatMap((rel) => importedFolders(join(SRC, rel)).filter((i) => i.folder === 'db').map((i) => `${rel} → ${i.spec}`));
    expect(offenders).toEqual([]);
  });

  it('leaves the lifecycle to the registration authority: no edge or service beside it changes order or certificate state', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      if (!/^(api|portal|acme|tracking|orders)\//.test(rel)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/store\.(acme\.)?(orders|certificates|authorizations|challenges)\.(update|transition|createForIssuance|revoke|validated|invalidated|invalidateOpen)\b/g)) {
        offenders.push(`${rel}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('entry points', () => {
  it('exist for both runtimes', () => {
    expect(statSync(join(SRC, 'entry', 'node.ts')).isFile()).toBe(true);
    expect(statSync(join(SRC, 'entry', 'workers.ts')).isFile()).toBe(true);
  });
});
