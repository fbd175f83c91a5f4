/**
 * DnsResolver that asks one configured recursive resolver (EABGATE_VA_DNS_SERVER, e.g. 127.0.0.1:5353)
 * over UDP, with a timeout per attempt and retries, and repeats the query over TCP when the UDP answer is
 * truncated (TC bit, RFC 1035 §4.2.1 / RFC 7766). Each query uses a fresh socket (random source port) and
 * a random ID; datagrams that do not answer the query are ignored.
 * DNSSEC is not validated here but by the resolver, which must validate (Unbound, say): queries carry DO and
 * AD, a SERVFAIL for DNSSEC reasons fails with reason "dnssec", and `requireDnssec` makes every look-up wait
 * until the resolver has shown that it validates (see src/va/wire-resolver.ts). Over loopback or a trusted
 * network only: the AD bit of an answer that crossed an untrusted network proves nothing (RFC 4035 §4.9.3).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { DnsTransportError, WireDnsResolver, type DnsExchange, type RequireDnssecOptions } from '../../va/wire-resolver.js';
import { parseHostPort } from '../../core/config.js';
import { hostPort, parseIpAddress } from '../../core/ip.js';
import type { DnsResolver } from '../../va/ports.js';

export interface UdpResolverOptions {
  /** "host:port", "[v6]:port" or a bare address (port 53). */
  server: string;
  /** Per attempt; 2000 ms by default. */
  timeoutMs?: number;
  /** Extra UDP attempts after a timeout; 2 by default. */
  retries?: number;
  /** Retry over TCP when the UDP answer is truncated; on by default. */
  tcpFallback?: boolean;
  /** EABGATE_VA_DNSSEC=require: the resolver must show that it validates DNSSEC before answers are used. */
  requireDnssec?: RequireDnssecOptions;
}

export function createUdpResolver(opts: UdpResolverOptions): DnsResolver {
  const server = parseHostPort(opts.server);
  if (!server) throw new Error(`not a DNS server address: ${opts.server}`);
  const label = hostPort(server.host, server.port);
  return new WireDnsResolver(udpExchange(server.host, server.port, opts), { serverLabel: label, requireDnssec: opts.requireDnssec });
}

export function udpExchange(
  host: string,
  port: number,
  opts: Pick<UdpResolverOptions, 'timeoutMs' | 'retries' | 'tcpFallback'> = {},
): DnsExchange {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const attempts = 1 + (opts.retries ?? 2);
  const label = hostPort(host, port);
  return async (query, accept) => {
    for (let i = 1; ; i++) {
      try {
        const answer = await udpOnce(host, port, query, accept, timeoutMs);
        const truncated = (answer[2]! & 0x02) !== 0;
        if (truncated && opts.tcpFallback !== false) return await tcpOnce(host, port, query, accept, timeoutMs);
        return answer;
      } catch (err) {
        if (err instanceof DnsTransportError && err.reason === 'timeout' && i < attempts) continue;
        if (err instanceof DnsTransportError && err.reason === 'timeout') {
          throw new DnsTransportError('timeout', `no answer from ${label} after ${attempts} attempts of ${timeoutMs} ms`);
        }
        throw err;
      }
    }
  };
}

function udpOnce(
  host: string,
  port: number,
  query: Uint8Array,
  accept: (answer: Uint8Array) => boolean,
  timeoutMs: number,
): Promise<Uint8Array> {
  const label = hostPort(host, port);
  return new Promise((resolve, reject) => {
    const socket = createSocket(parseIpAddress(host)?.version === 6 ? 'udp6' : 'udp4');
    const done = (fn: () => void) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.close();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new DnsTransportError('timeout', `no answer from ${label}`))), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(() => reject(new DnsTransportError('network', `cannot reach ${label} over UDP (${err.code ?? err.message})`))),
    );
    socket.on('message', (msg) => {
      const answer = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      if (accept(answer)) done(() => resolve(answer.slice()));
    });
    // A connected socket hears ICMP "port unreachable" as ECONNREFUSED and only accepts datagrams from the server.
    socket.connect(port, host, () => socket.send(query));
  });
}

function tcpOnce(
  host: string,
  port: number,
  query: Uint8Array,
  accept: (answer: Uint8Array) => boolean,
  timeoutMs: number,
): Promise<Uint8Array> {
  const label = hostPort(host, port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Uint8Array[] = [];
    let received = 0;
    const done = (fn: () => void) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new DnsTransportError('timeout', `no answer from ${label} over TCP`))), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(() => reject(new DnsTransportError('network', `cannot reach ${label} over TCP (${err.code ?? err.message})`))),
    );
    socket.on('connect', () => {
      const framed = new Uint8Array(2 + query.length);
      framed.set([query.length >>> 8, query.length & 0xff]);
      framed.set(query, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Uint8Array) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const all = new Uint8Array(received);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      const len = (all[0]! << 8) | all[1]!;
      if (received < 2 + len) return;
      const answer = all.slice(2, 2 + len);
      done(() =>
        accept(answer) ? resolve(answer) : reject(new DnsTransportError('malformed', `TCP answer from ${label} does not match the query`)),
      );
    });
    socket.on('end', () => done(() => reject(new DnsTransportError('network', `${label} closed the TCP connection early`))));
  });
}
