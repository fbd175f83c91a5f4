/**
 * A real DNSSEC world for tests, built at test time in a temp dir (no key material is committed):
 *
 * - zones under the unsigned parent `test.`: `signed.test.` (signed with a fresh ECDSA P-256 key by
 *   ldns-signzone), `bogus.test.` (signed, then its A/AAAA/TXT/CAA records swapped for other values, so every
 *   one of their signatures fails), `insecure.test.` (unsigned);
 * - an authoritative Unbound (`auth-zone:` for each zone, served with RRSIG/NSEC when DO is set);
 * - validating Unbound resolvers on loopback: trust anchors are the DS records of the two signed zones (no
 *   root anchor, so `test.` and `insecure.test.` are insecure), `stub-zone: test.` points at the
 *   authoritative one, `do-not-query-localhost: no`, `local-zone: "test." nodefault` (Unbound serves `test.`
 *   as an empty local zone by default).
 *
 * Resolver kinds: "validating" (with `ede: yes`, RFC 8914 errors on SERVFAIL), "validating-no-ede" (plain
 * SERVFAIL, as older resolvers) and "non-validating" (iterator only, never sets AD). Every process is
 * started with `unbound -d` directly (its PID is Unbound's) and stopped by `stop()`. Ports: free loopback
 * ports found by binding port 0 (UDP and TCP), released just before Unbound binds them; a start that loses
 * the port is retried. Needs `unbound` and `ldns-signzone`/`ldns-keygen` (scripts/install-tools.sh).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { udpExchange } from '../../src/adapters/node/dns-udp.js';
import { RRType, decodeMessage, encodeQuery } from '../../src/va/dns-wire.js';
import { freeDnsPort } from './dns-port.js';
import { stopProcess } from './process.js';

export type ZoneName = 'signed' | 'bogus' | 'insecure';
export type ResolverKind = 'validating' | 'validating-no-ede' | 'non-validating';

/** One record in presentation format; `name` is relative to the zone ("@" for the apex). */
export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'TXT' | 'CAA' | 'CNAME';
  /** e.g. "127.0.0.1", "\"text\"", "0 issue \"ca.example\"". */
  data: string;
}

export type TestZones = Partial<Record<ZoneName, ZoneRecord[]>>;

const UNBOUND = ['/usr/sbin/unbound', 'unbound'];

/** Whether the tools are there (scripts/install-tools.sh installs them). */
export function dnssecToolsMissing(): string | undefined {
  const which = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status === 0;
  const missing = ['unbound', 'ldns-keygen', 'ldns-signzone'].filter((b) => !which(b));
  return missing.length > 0 ? `${missing.join(', ')} missing: run scripts/install-tools.sh` : undefined;
}

export function unboundBin(): string {
  for (const b of UNBOUND) if (spawnSync(b, ['-V']).status === 0) return b;
  throw new Error('unbound is not installed: run scripts/install-tools.sh');
}

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const soaAndNs = (origin: string) =>
  [`$ORIGIN ${origin}`, '$TTL 60', '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60', '@ IN NS ns.test.'].join('\n');

const line = (r: ZoneRecord) => `${r.name} IN ${r.type} ${r.data}`;

/** Stand-in data signed in place of the real record, distinct per record; the marker finds it again. */
function decoy(r: ZoneRecord, i: number): { data: string; marker: string } | null {
  switch (r.type) {
    case 'A':
      return { data: `198.51.100.${i + 1}`, marker: `198.51.100.${i + 1}` };
    case 'AAAA':
      return { data: `2001:db8:dead::${(i + 1).toString(16)}`, marker: `2001:db8:dead::${(i + 1).toString(16)}` };
    case 'TXT':
      return { data: `"decoy-${i}"`, marker: `"decoy-${i}"` };
    case 'CAA':
      return { data: `0 issue "decoy-${i}.invalid"`, marker: `"decoy-${i}.invalid"` };
    default:
      return null;
  }
}

export class UnboundWorld {
  private readonly procs: { proc: ChildProcess; log: string[] }[] = [];
  private readonly resolvers = new Map<ResolverKind, string>();

  private constructor(
    readonly dir: string,
    /** "127.0.0.1:<port>" of the authoritative server. */
    readonly authAddress: string,
    private readonly authPort: number,
    /** The DS records of the signed zones (the resolvers' trust anchors). */
    readonly trustAnchors: string,
  ) {}

  /** Signs the zones and starts the authoritative server; resolvers start on first `resolver(kind)`. */
  static async start(zones: TestZones): Promise<UnboundWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'eabgate-unbound-'));
    try {
      const anchors: string[] = [];
      writeFileSync(
        join(dir, 'test.zone'),
        [soaAndNs('test.'), 'ns IN A 127.0.0.1', 'signed IN NS ns.test.', 'bogus IN NS ns.test.', 'insecure IN NS ns.test.', ''].join('\n'),
      );
      for (const zone of ['signed', 'bogus', 'insecure'] as const) {
        const origin = `${zone}.test.`;
        const records = zones[zone] ?? [];
        if (zone === 'insecure') {
          writeFileSync(join(dir, `${zone}.zone`), [soaAndNs(origin), ...records.map(line), ''].join('\n'));
          continue;
        }
        // The bogus zone is signed over decoy values, then the real values are put back.
        const decoys = records.map((r, i) => (zone === 'bogus' ? decoy(r, i) : null));
        const signedInput = records.map((r, i) => line(decoys[i] ? { ...r, data: decoys[i]!.data } : r));
        writeFileSync(join(dir, `${zone}.unsigned`), [soaAndNs(origin), ...signedInput, ''].join('\n'));
        const key = sh('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', origin], dir).trim();
        sh('ldns-signzone', ['-f', `${zone}.zone`, '-o', origin, `${zone}.unsigned`, key], dir);
        anchors.push(readFileSync(join(dir, `${key}.ds`), 'utf8').trim());
        if (zone === 'bogus') {
          let signed = readFileSync(join(dir, `${zone}.zone`), 'utf8').split('\n');
          records.forEach((r, i) => {
            const d = decoys[i];
            if (!d) return;
            const at = signed.findIndex((l) => l.split('\t')[3] === r.type && l.includes(d.marker));
            if (at < 0) throw new Error(`decoy ${d.marker} not found in the signed bogus zone`);
            const [owner, ttl] = signed[at]!.split('\t');
            signed[at] = `${owner}\t${ttl}\tIN\t${r.type}\t${r.data}`;
          });
          writeFileSync(join(dir, `${zone}.zone`), signed.join('\n'));
        }
      }
      const trustAnchors = anchors.join('\n') + '\n';
      writeFileSync(join(dir, 'anchors.ds'), trustAnchors);

      const world = await startWithRetry(async () => {
        const port = await freeDnsPort();
        const w = new UnboundWorld(dir, `127.0.0.1:${port}`, port, trustAnchors);
        const zonesConf = ['test', 'signed.test', 'bogus.test', 'insecure.test']
          .map((z) => {
            const file = z === 'test' ? 'test.zone' : `${z.split('.')[0]}.zone`;
            return `auth-zone:\n  name: "${z}."\n  zonefile: "${join(dir, file)}"\n  for-downstream: yes\n  for-upstream: no\n`;
          })
          .join('');
        const conf = join(dir, 'auth.conf');
        writeFileSync(conf, serverConf(dir, port, ['module-config: "iterator"']) + zonesConf);
        try {
          await w.spawnUnbound(conf, port, 'test.');
        } catch (err) {
          await w.stop(false);
          throw err;
        }
        return w;
      });
      return world;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** "127.0.0.1:<port>" of a resolver of this kind (started on first use), for EABGATE_VA_DNS_SERVER. */
  async resolver(kind: ResolverKind = 'validating'): Promise<string> {
    const known = this.resolvers.get(kind);
    if (known) return known;
    const address = await startWithRetry(async () => {
      const port = await freeDnsPort();
      const conf = join(this.dir, `resolver-${kind}.conf`);
      const lines =
        kind === 'non-validating'
          ? ['module-config: "iterator"']
          : [
              'module-config: "validator iterator"',
              `trust-anchor-file: "${join(this.dir, 'anchors.ds')}"`,
              'val-log-level: 2',
              ...(kind === 'validating' ? ['ede: yes'] : []),
            ];
      writeFileSync(
        conf,
        serverConf(this.dir, port, ['do-not-query-localhost: no', ...lines]) +
          `stub-zone:\n  name: "test."\n  stub-addr: 127.0.0.1@${this.authPort}\n`,
      );
      await this.spawnUnbound(conf, port, 'insecure.test.');
      return `127.0.0.1:${port}`;
    });
    this.resolvers.set(kind, address);
    return address;
  }

  /** Unbound's output so far (validation failures are logged at val-log-level 2). */
  get logs(): string {
    return this.procs.map((p) => p.log.join('')).join('\n');
  }

  private async spawnUnbound(conf: string, port: number, readyName: string): Promise<void> {
    const check = spawnSync(unboundBin().replace(/unbound$/, 'unbound-checkconf'), [conf], { encoding: 'utf8' });
    if (check.status !== 0 && check.error === undefined) throw new Error(`bad unbound config: ${check.stdout}${check.stderr}`);
    const proc = spawn(unboundBin(), ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = { proc, log: [] as string[] };
    this.procs.push(entry);
    proc.stdout!.on('data', (c: Buffer) => entry.log.push(c.toString()));
    proc.stderr!.on('data', (c: Buffer) => entry.log.push(c.toString()));
    let exited = false;
    proc.once('exit', () => (exited = true));
    // Ready when it answers a query (any RCODE) on its port.
    const exchange = udpExchange('127.0.0.1', port, { timeoutMs: 200, retries: 0 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited) throw new Error(`unbound exited: ${entry.log.join('')}`);
      try {
        const query = encodeQuery(1, readyName, RRType.SOA);
        const answer = decodeMessage(await exchange(query, () => true));
        if (answer.response) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`unbound did not answer on port ${port}: ${entry.log.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops every Unbound this world started and removes the temp dir. */
  async stop(removeDir = true): Promise<void> {
    await Promise.all(this.procs.map(({ proc }) => stopProcess(proc)));
    this.procs.length = 0;
    if (removeDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The `server:` clause every test Unbound shares (loopback, foreground, no chroot or syslog), plus `extra` lines. */
export function serverConf(dir: string, port: number, extra: string[]): string {
  return (
    [
      'server:',
      '  interface: 127.0.0.1',
      `  port: ${port}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      '  pidfile: ""',
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 1',
      '  do-ip6: no',
      '  num-threads: 1',
      '  so-reuseport: no',
      '  access-control: 127.0.0.0/8 allow',
      '  local-zone: "test." nodefault',
      ...extra.map((l) => `  ${l}`),
    ].join('\n') + '\n'
  );
}

async function startWithRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}
