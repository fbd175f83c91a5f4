/**
 * Embedded CA benchmark (`node --import tsx bench/issue/run.ts`): prints figures, asserts nothing about time.
 *
 * Measures, in one process and one run:
 *   - leaf certificates signed per second by the embedded CA (signLeaf: CSR parse and self-signature check,
 *     profile, ECDSA P-384 signature) for an RSA-2048 and a P-256 leaf key; the CSRs are made before timing;
 *   - the floor: a bare ECDSA P-384/SHA-384 signature (the CA key's algorithm) over 1 KiB, about a TBS;
 *   - the CSR self-signature check alone for each key, which explains most of the gap above the floor;
 *   - the ratio certificate / bare signature.
 * The kinds run in rounds, in an order that rotates each round, so drift from other load on the machine
 * falls on all of them; each figure is the median over rounds (with the lowest and highest), and the ratio
 * is taken within each round before its median.
 *
 * BENCH_ROUNDS (default 12) and BENCH_BATCH (operations per kind per round, default 40) change the counts.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { x509 } from '../../src/core/x509.js';
import { systemClock } from '../../src/core/clock.js';
import { createHierarchy, loadCa } from '../../src/ca/hierarchy.js';
import { signLeaf, type LeafContext } from '../../src/ca/leaf.js';
import { envInt } from '../lib/proc.js';

const ROUNDS = envInt('BENCH_ROUNDS', 12);
const BATCH = envInt('BENCH_BATCH', 40);
const WARMUP = 20;
const DOMAINS = ['bench.example.com', 'www.bench.example.com'];

const LEAF_KEYS = {
  'RSA-2048': {
    gen: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams,
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
  },
  'P-256': {
    gen: { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
    sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  },
} as const;
type LeafKind = keyof typeof LEAF_KEYS;

async function csrFor(kind: LeafKind): Promise<string> {
  const keys = (await crypto.subtle.generateKey(LEAF_KEYS[kind].gen, false, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [DOMAINS[0]!] }],
    keys,
    signingAlgorithm: LEAF_KEYS[kind].sign,
    extensions: [new x509.SubjectAlternativeNameExtension(DOMAINS.map((value) => ({ type: 'dns' as const, value })))],
  });
  return csr.toString('pem');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const ca = await loadCa(await createHierarchy());
  const ctx: LeafContext = {
    ca,
    clock: systemClock,
    urls: { caIssuers: 'http://127.0.0.1:8080/ca/intermediate.cer', crl: 'http://127.0.0.1:8080/ca/intermediate.crl' },
  };
  const csrs: Record<LeafKind, string> = { 'RSA-2048': await csrFor('RSA-2048'), 'P-256': await csrFor('P-256') };
  const parsed = {
    'RSA-2048': new x509.Pkcs10CertificateRequest(csrs['RSA-2048']),
    'P-256': new x509.Pkcs10CertificateRequest(csrs['P-256']),
  };
  const tbs = crypto.getRandomValues(new Uint8Array(1024));

  const ops: Record<string, () => Promise<unknown>> = {
    [`bare ECDSA ${ca.signing.curve} sign (CA key)`]: () => crypto.subtle.sign(ca.signing.signature, ca.signingKey, tbs),
    'leaf certificate, RSA-2048 key': () => signLeaf(ctx, { csrPem: csrs['RSA-2048'], domains: DOMAINS, product: 'dv' }),
    'leaf certificate, P-256 key': () => signLeaf(ctx, { csrPem: csrs['P-256'], domains: DOMAINS, product: 'dv' }),
    'CSR check alone, RSA-2048': () => parsed['RSA-2048'].verify(),
    'CSR check alone, P-256': () => parsed['P-256'].verify(),
  };
  const names = Object.keys(ops);
  for (const name of names) for (let i = 0; i < WARMUP; i++) await ops[name]!();

  const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const op = ops[name]!;
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) await op();
      perRound[name]!.push((performance.now() - t0) / BATCH);
    }
  }

  const floor = perRound[names[0]!]!;
  console.log(`embedded CA: ${ROUNDS} rounds × ${BATCH} operations per kind, sequential, one thread`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const row = (a: string, b: string, c: string, d: string) => console.log(a.padEnd(34) + b.padStart(12) + c.padStart(20) + d.padStart(14));
  row('operation', 'ms/op', 'range (rounds)', 'per second');
  for (const name of names) {
    const xs = perRound[name]!;
    const m = median(xs);
    row(name, m.toFixed(3), `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`, (1000 / m).toFixed(0));
  }
  console.log('\ncertificate cost in bare P-384 signatures (median of per-round ratios, range):');
  for (const name of names.slice(1, 3)) {
    const ratios = perRound[name]!.map((x, i) => x / floor[i]!);
    console.log(`  ${name.padEnd(32)} ${median(ratios).toFixed(2)}×  (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
