/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the top functions by self time, and the same grouped
 * by package (or source folder of eabgate). Usage: `node --import tsx bench/profile/top.ts <file.cpuprofile> [N]`.
 * Profile a build made with `node scripts/build-server.mjs --no-minify`: esbuild then keeps each module's
 * path as a `// path` comment in the bundle, which this script uses to name the module of every function.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: top.ts <file.cpuprofile> [N]');
  process.exit(2);
}
const N = Number(nArg && !nArg.startsWith("--") ? nArg : 25);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** For a bundle: the line numbers where each module starts (esbuild's `// path` comments). */
const moduleStarts = new Map<string, { line: number; path: string }[]>();
function moduleOf(url: string, line: number): string {
  if (!url.startsWith('file://')) return url;
  let starts = moduleStarts.get(url);
  if (!starts) {
    const path = fileURLToPath(url);
    starts = [];
    if (existsSync(path)) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((l, i) => {
          const m = /^\/\/ (?:\.\.\/main\/)?((?:node_modules|src|dist)\/\S+)$/.exec(l);
          if (m) starts!.push({ line: i, path: m[1]! });
        });
    }
    moduleStarts.set(url, starts);
  }
  let found = url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/');
  for (const s of starts) {
    if (s.line > line) break;
    found = s.path;
  }
  return found;
}

const fnKey = (n: Node) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? moduleOf(f.url, f.lineNumber) : ''}`.trim();
};
const groupKey = (n: Node) => {
  const f = n.callFrame;
  if (!f.url) return f.functionName; // (garbage collector), (program), (idle)
  const m = moduleOf(f.url, f.lineNumber);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m);
  if (pkg) return pkg[1]!;
  const src = /^src\/([^/]+)/.exec(m);
  if (src) return `src/${src[1]}`;
  return m.startsWith('node:') ? 'node internals' : m;
};
const agg = new Map<string, number>();
for (const [id, us] of self) {
  const k = fnKey(byId.get(id)!);
  agg.set(k, (agg.get(k) ?? 0) + us);
}
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
console.log(`total sampled ${ms(total)} ms over ${((prof.endTime - prof.startTime) / 1e6).toFixed(1)} s wall`);
console.log('self ms   self %  function');
for (const [k, us] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`${ms(us)}  ${pct(us)}  ${k}`);

const groups = new Map<string, number>();
for (const [id, us] of self) {
  const k = groupKey(byId.get(id)!);
  groups.set(k, (groups.get(k) ?? 0) + us);
}
console.log('\nby package / source folder');
for (const [k, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms(us)}  ${pct(us)}  ${k}`);

// `--callers <function name>`: whose (first eabgate source frame up the stack) time that function's self time is.
const callersOf = process.argv.indexOf('--callers');
if (callersOf > 0) {
  const name = process.argv[callersOf + 1]!;
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const by = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== name) continue;
    const chain: string[] = [];
    let p = parent.get(id);
    while (p !== undefined && chain.length < 3) {
      const pn = byId.get(p)!;
      if (pn.callFrame.url && moduleOf(pn.callFrame.url, pn.callFrame.lineNumber).startsWith('src/')) chain.push(fnKey(pn));
      p = parent.get(p);
    }
    const k = chain.join(' < ') || '(no eabgate frame)';
    by.set(k, (by.get(k) ?? 0) + us);
  }
  console.log(`\nself time of ${name}, by the eabgate frames that called it`);
  for (const [k, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms(us)}  ${pct(us)}  ${k}`);
}

// `--inclusive`: eabgate source functions by total time (self + callees, synchronous part only).
if (process.argv.includes('--inclusive')) {
  const incl = new Map<number, number>();
  const walk = (id: number): number => {
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    for (const c of n.children ?? []) t += walk(c);
    incl.set(id, t);
    return t;
  };
  const root = prof.nodes[0]!.id;
  walk(root);
  const by = new Map<string, number>();
  // Count each function once per stack (outermost occurrence), so recursion is not double counted.
  const visit = (id: number, open: Set<string>) => {
    const n = byId.get(id)!;
    const k = fnKey(n);
    const isSrc = !!n.callFrame.url && moduleOf(n.callFrame.url, n.callFrame.lineNumber).startsWith('src/');
    const first = isSrc && !open.has(k);
    if (first) by.set(k, (by.get(k) ?? 0) + incl.get(id)!);
    if (first) open.add(k);
    for (const c of n.children ?? []) visit(c, open);
    if (first) open.delete(k);
  };
  visit(root, new Set());
  console.log('\neabgate functions by inclusive time');
  for (const [k, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${ms(us)}  ${pct(us)}  ${k}`);
}
