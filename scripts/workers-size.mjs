#!/usr/bin/env node
/**
 * `npm run workers:size`: the size of the Worker as `wrangler deploy` would upload it, measured offline.
 * Runs `wrangler deploy --dry-run --outdir <tmp> --metafile` (wrangler.toml's settings, [build] included),
 * gzips every module it wrote the way the upload counts it, prints raw and gzip sizes with the largest
 * inputs, and exits 1 when the gzip size passes the goal (1 MiB; Cloudflare's limits are 3 MiB gzip on
 * the Free plan and 10 MiB on Paid).
 *
 *   npm run workers:size            human-readable
 *   npm run workers:size -- --json  one JSON object
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const GOAL_BYTES = 1024 * 1024;
const json = process.argv.includes('--json');

const out = mkdtempSync(join(tmpdir(), 'eabgate-workers-size-'));
try {
  const meta = join(out, 'meta.json');
  const bundle = join(out, 'bundle');
  const r = spawnSync(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', bundle, '--metafile', meta], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', WRANGLER_LOG_PATH: join(out, 'logs') },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) {
    process.stderr.write(`wrangler deploy --dry-run failed (${r.status}):\n${r.stdout}\n${r.stderr}\n`);
    process.exit(2);
  }
  const reported = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(r.stdout + r.stderr);

  // The modules wrangler uploads: everything it wrote but source maps and its README.
  const modules = readdirSync(bundle).filter((f) => !f.endsWith('.map') && f !== 'README.md' && statSync(join(bundle, f)).isFile());
  let raw = 0;
  let gzip = 0;
  for (const f of modules) {
    const bytes = readFileSync(join(bundle, f));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }

  // Largest inputs, grouped by npm package or by src/<folder>.
  const metafile = JSON.parse(readFileSync(meta, 'utf8'));
  const entry = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const groups = new Map();
  for (const [path, info] of Object.entries(entry?.inputs ?? {})) {
    const key = path.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1').replace(/^(src\/[^/]+)\/.*$/, '$1');
    groups.set(key, (groups.get(key) ?? 0) + info.bytesInOutput);
  }
  const largest = [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, bytes]) => ({ name, bytes }));

  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const result = { modules, rawBytes: raw, gzipBytes: gzip, goalBytes: GOAL_BYTES, withinGoal: gzip <= GOAL_BYTES, wranglerReported: reported ? { raw: reported[1], gzip: reported[2] } : null, largest };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`Worker bundle (${modules.join(', ')}): ${kib(raw)} raw, ${kib(gzip)} gzip (goal: under ${kib(GOAL_BYTES)})`);
    if (reported) console.log(`wrangler reports: Total Upload ${reported[1]} / gzip ${reported[2]}`);
    console.log('largest inputs (bytes in the bundle, before gzip):');
    for (const { name, bytes } of largest) console.log(`  ${kib(bytes).padStart(10)}  ${name}`);
  }
  process.exitCode = result.withinGoal ? 0 : 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
