/**
 * `npm run bench:encoding`: base64url encoding in the core (src/core/encoding.ts: character codes into one
 * reusable buffer, one TextDecoder call) against, in the same process, the tables of 4,096 two-character
 * strings it replaced (0.25 MB of heap kept for good) and Node's Buffer codec (native; the core cannot use
 * it). Sizes: a 16-byte id, a 33-byte nonce, a 64-byte ES256 signature, a 256-byte RSA signature and a
 * 1,500-byte certificate. Prints ns per call and the ratios; asserts nothing; ends by itself.
 */
import { toBase64Url } from '../../src/core/encoding.js';
import { envInt } from '../lib/proc.js';

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PAIRS = Array.from({ length: 4096 }, (_, i) => URL_SAFE[i >> 6]! + URL_SAFE[i & 63]!);
/** The encoder before: two table look-ups and a concatenation per three bytes. */
function pairTables(bytes: Uint8Array): string {
  const whole = bytes.length - (bytes.length % 3);
  let out = '';
  let i = 0;
  for (; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += PAIRS[v >> 12]! + PAIRS[v & 4095]!;
  }
  if (bytes.length - whole === 1) out += PAIRS[bytes[i]! << 4]!;
  else if (bytes.length - whole === 2) {
    const v = (bytes[i]! << 10) | (bytes[i + 1]! << 2);
    out += PAIRS[v >> 6]! + URL_SAFE[v & 63]!;
  }
  return out;
}
const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

const ROUNDS = envInt('BENCH_ROUNDS', 5);
const encoders = { core: toBase64Url, 'pair tables': pairTables, 'node Buffer': buffer };
console.log(`base64url encoding, ns per call (median of ${ROUNDS} rounds, encoders taking turns)`);
console.log('| bytes | core | pair tables (before) | node Buffer | core / pair tables | core / Buffer |');
console.log('|---|---|---|---|---|---|');
for (const size of [16, 33, 64, 256, 1500]) {
  const inputs = Array.from({ length: 64 }, () => crypto.getRandomValues(new Uint8Array(size)));
  for (const x of inputs) if (toBase64Url(x) !== buffer(x) || pairTables(x) !== buffer(x)) throw new Error(`encoders disagree at ${size} bytes`);
  const iterations = Math.max(5000, Math.floor(2_000_000 / size));
  const times: Record<string, number[]> = {};
  let sink = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(encoders)) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < iterations; k++) sink += fn(inputs[k & 63]!).length;
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) (times[name] ??= []).push(Number(process.hrtime.bigint() - t0) / iterations);
    }
  }
  if (sink === 0) throw new Error('nothing encoded');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const [core, pairs, buf] = ['core', 'pair tables', 'node Buffer'].map((n) => median(times[n]!));
  console.log(`| ${size} | ${core!.toFixed(0)} | ${pairs!.toFixed(0)} | ${buf!.toFixed(0)} | ${(core! / pairs!).toFixed(2)} | ${(core! / buf!).toFixed(2)} |`);
}
