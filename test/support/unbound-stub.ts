/**
 * A real recursive resolver for delegation tests: Debian's Unbound on loopback (iterator only, no DNSSEC)
 * whose stub zones send each zone to a loopback authoritative server (the customer's DNS, the gateway's
 * delegation zone), so it follows a CNAME from one into the other as a public resolver would. Caching is
 * kept to a second (a token published after a miss is seen at once). Started directly (`unbound -d`, the
 * PID is Unbound's), stopped by that PID; the temp dir is removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { udpExchange } from '../../src/adapters/node/dns-udp.js';
import { RRType, decodeMessage, encodeQuery } from '../../src/va/dns-wire.js';
import { freeDnsPort } from './dns-port.js';
import { serverConf, unboundBin } from './unbound.js';
import { stopProcess } from './process.js';

export interface StubResolver {
  /** "127.0.0.1:<port>" */
  address: string;
  logs(): string;
  stop(): Promise<void>;
}

/** `stubs`: zone ("example.") → "127.0.0.1:<port>" of its authoritative server. */
export async function startStubResolver(stubs: Record<string, string>): Promise<StubResolver> {
  const bin = unboundBin();
  const dir = mkdtempSync(join(tmpdir(), 'eabgate-unbound-stub-'));
  const port = await freeDnsPort();
  const conf = join(dir, 'unbound.conf');
  const stubZones = Object.entries(stubs).flatMap(([zone, addr]) => {
    const [host, p] = addr.split(':');
    return ['stub-zone:', `  name: "${zone}"`, `  stub-addr: ${host}@${p}`, ''];
  });
  writeFileSync(
    conf,
    serverConf(dir, port, [
      'do-not-query-localhost: no',
      'module-config: "iterator"',
      'qname-minimisation: no',
      'cache-max-ttl: 1',
      'cache-max-negative-ttl: 1',
      ...Object.keys(stubs).map((z) => `local-zone: "${z}" nodefault`),
    ]) +
      '\n' +
      stubZones.join('\n'),
  );
  const check = spawnSync(bin.replace(/unbound$/, 'unbound-checkconf'), [conf], { encoding: 'utf8' });
  if (check.status !== 0 && check.error === undefined) throw new Error(`bad unbound config: ${check.stdout}${check.stderr}`);
  const proc: ChildProcess = spawn(bin, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log = (log + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
  const exchange = udpExchange('127.0.0.1', port, { timeoutMs: 200, retries: 0 });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`unbound exited: ${log}`);
    try {
      if (decodeMessage(await exchange(encodeQuery(1, 'localhost.', RRType.A), () => true)).response) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`unbound did not answer: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    logs: () => log,
    stop: async () => {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
