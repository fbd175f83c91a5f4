/**
 * DnsResolver that asks one configured recursive resolver (EABGATE_VA_DNS_SERVER, e.g. 127.0.0.1:5353)
 * over UDP, with a timeout per attempt and retries, and repeats the query over TCP when the UDP answer is
 * truncated (TC bit, RFC 1035 §4.2.1 / RFC 7766). Every query has a random ID; datagrams that do not answer
 * it are ignored.
 *
 * Sockets: a resolver elsewhere on the network gets a fresh socket per query, so each query also has a random
 * source port (RFC 5452 §9.2: an off-path attacker must guess ID and port). A resolver on a loopback address
 * (127.0.0.0/8, ::1; the recommended local validating Unbound) is asked over one long-lived connected
 * socket, the queries in flight told apart by their IDs: a datagram from a loopback source address cannot
 * come from off the host (the kernel drops such packets arriving on any other interface), so a changing
 * source port adds nothing there, while a socket per query cost about twice the CPU of the query itself.
 * An ID already in flight on that socket, an unlikely draw, takes a fresh socket.
 * DNSSEC is not validated here but by the resolver, which must validate (Unbound, say): queries carry DO and
 * AD, a SERVFAIL for DNSSEC reasons fails with reason "dnssec", and `requireDnssec` makes every look-up wait
 * until the resolver has shown that it validates (see src/va/wire-resolver.ts). Over loopback or a trusted
 * network only: the AD bit of an answer that crossed an untrusted network proves nothing (RFC 4035 §4.9.3).
 */
import { createSocket, type Socket } from 'node:dgram';
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
  const shared = isLoopback(host) ? new SharedUdpSocket(host, port) : undefined;
  return async (query, accept) => {
    for (let i = 1; ; i++) {
      try {
        const answer = await (shared?.exchange(query, accept, timeoutMs) ?? udpOnce(host, port, query, accept, timeoutMs));
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

function isLoopback(host: string): boolean {
  const ip = parseIpAddress(host);
  return ip !== undefined && (ip.version === 4 ? ip.bytes[0] === 127 : ip.text === '::1');
}

interface InFlight {
  accept: (answer: Uint8Array) => boolean;
  resolve: (answer: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One connected socket towards a loopback resolver, shared by the queries in flight (keyed by DNS ID). It
 * does not keep the process alive; after an error (say ECONNREFUSED: nothing listens on the port) every
 * query in flight fails with it and the next query opens a new socket.
 */
class SharedUdpSocket {
  private socket: Socket | undefined;
  private ready: Promise<Socket> | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly label: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.label = hostPort(host, port);
  }

  /** undefined when a query with this ID is already in flight here (the caller then uses a socket of its own). */
  exchange(query: Uint8Array, accept: (answer: Uint8Array) => boolean, timeoutMs: number): Promise<Uint8Array> | undefined {
    const id = (query[0]! << 8) | query[1]!;
    if (query.length < 12 || this.inFlight.has(id)) return undefined;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(id);
        reject(new DnsTransportError('timeout', `no answer from ${this.label}`));
      }, timeoutMs);
      this.inFlight.set(id, { accept, resolve, reject, timer });
      this.open().then(
        (socket) => {
          if (this.inFlight.get(id)?.timer === timer) socket.send(query);
        },
        () => undefined, // open() failed every query in flight already
      );
    });
  }

  private open(): Promise<Socket> {
    this.ready ??= new Promise<Socket>((resolve, reject) => {
      const socket = createSocket(parseIpAddress(this.host)?.version === 6 ? 'udp6' : 'udp4');
      this.socket = socket;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        this.fail(socket, new DnsTransportError('network', `cannot reach ${this.label} over UDP (${err.code ?? err.message})`));
        reject(err);
      });
      socket.on('message', (msg) => this.answer(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
      // Connected: ICMP "port unreachable" arrives as ECONNREFUSED, and only the server's datagrams are heard.
      socket.connect(this.port, this.host, () => {
        socket.unref();
        resolve(socket);
      });
    });
    return this.ready;
  }

  private answer(answer: Uint8Array): void {
    if (answer.length < 12) return;
    const id = (answer[0]! << 8) | answer[1]!;
    const q = this.inFlight.get(id);
    if (!q) return;
    // A copy of its own, accepted and returned as the same array (DnsExchange).
    const own = answer.slice();
    if (!q.accept(own)) return;
    this.inFlight.delete(id);
    clearTimeout(q.timer);
    q.resolve(own);
  }

  /** The socket is done for: every query in flight fails, and the next one opens a new socket. */
  private fail(socket: Socket, err: DnsTransportError): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.ready = undefined;
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.close();
    for (const [id, q] of this.inFlight) {
      this.inFlight.delete(id);
      clearTimeout(q.timer);
      q.reject(err);
    }
  }
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
      const answer = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice();
      if (accept(answer)) done(() => resolve(answer));
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
