/**
 * The check of a customer's CSR (`npm run bench:csr`): prints figures, asserts nothing.
 *
 * Makes BENCH_CSRS CSRs of each kind with the real openssl (P-256 and RSA-2048, CN and two DNS SANs, as
 * ACME clients send them), then in one process times checkCsr (src/csr/check.ts: the lean reader of
 * src/csr/pkcs10.ts and WebCrypto) against the same checks with @peculiar/x509 alone (what checkCsr did
 * before), BENCH_ROUNDS rounds over the CSRs, the two interleaved round by round after a warm-up. Prints
 * µs of wall time and of CPU time (this process, all threads: WebCrypto may verify on its own threads)
 * per check, and the ratio old / new.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkCsr, checkCsrWith } from '../../src/csr/check.js';
import { readCsrFast, readCsrWithX509 } from '../../src/csr/read.js';
import { envInt } from '../lib/proc.js';

const CSRS = envInt('BENCH_CSRS', 8);
const ROUNDS = envInt('BENCH_ROUNDS', 40);
const DOMAINS = ['shop.bench.example.com', 'api.bench.example.com'];

function makeCsrs(newkey: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-bench-csr-'));
  try {
    return Array.from({ length: CSRS }, () => {
      const r = spawnSync(
        'openssl',
        ['req', '-new', '-newkey', ...newkey, '-nodes', '-keyout', join(dir, 'key.pem'), '-subj', `/CN=${DOMAINS[0]}`, '-addext', `subjectAltName=${DOMAINS.map((d) => `DNS:${d}`).join(',')}`],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
      return r.stdout;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Check = (pem: string) => Promise<unknown>;
const now: Check = (pem) => checkCsr(pem, DOMAINS);
const before: Check = (pem) => checkCsrWith(readCsrWithX509, pem, DOMAINS);

/** Wall and CPU time of one pass over the CSRs, in µs. */
async function pass(check: Check, csrs: string[]): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const pem of csrs) await check(pem);
  const wall = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: cpu.user + cpu.system };
}

async function measure(label: string, csrs: string[]): Promise<void> {
  for (const pem of csrs) {
    if (!(await readCsrFast(pem))) throw new Error(`${label}: the lean reader does not read the bench's CSR`);
  }
  for (let i = 0; i < 5; i++) {
    await pass(before, csrs);
    await pass(now, csrs);
  }
  const sum = { before: { wall: 0, cpu: 0 }, now: { wall: 0, cpu: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, check] of round % 2 ? ([['now', now], ['before', before]] as const) : ([['before', before], ['now', now]] as const)) {
      const t = await pass(check, csrs);
      sum[name].wall += t.wall;
      sum[name].cpu += t.cpu;
    }
  }
  const n = ROUNDS * csrs.length;
  const per = (v: number) => (v / n).toFixed(0).padStart(6);
  console.log(
    `${label.padEnd(9)} before (@peculiar/x509): ${per(sum.before.wall)} µs wall ${per(sum.before.cpu)} µs CPU | ` +
      `now (lean reader): ${per(sum.now.wall)} µs wall ${per(sum.now.cpu)} µs CPU | ` +
      `ratio ${(sum.before.wall / sum.now.wall).toFixed(1)}x wall, ${(sum.before.cpu / sum.now.cpu).toFixed(1)}x CPU`,
  );
}

console.log(`checkCsr per CSR: ${CSRS} CSRs of each kind, ${ROUNDS} rounds (CN + 2 DNS SANs)`);
await measure('P-256', makeCsrs(['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']));
await measure('RSA-2048', makeCsrs(['rsa:2048']));
