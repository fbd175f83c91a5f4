/**
 * A real authoritative-style DNS server on loopback for tests: UDP and TCP on the same OS-chosen port of
 * 127.0.0.1, answering A, AAAA, TXT, CAA and CNAME from a mutable record map. Unknown names get NXDOMAIN,
 * known names without the asked type get NOERROR with no answer (empty non-terminals count as known).
 * A name can be told to SERVFAIL or to stay silent (so clients time out). UDP answers over 512 bytes are
 * truncated (TC) so clients must retry over TCP. `startDoh()` adds an RFC 8484 endpoint (GET and POST,
 * over HTTP or HTTPS).
 *
 * TTLs: 0 by default, so no client keeps an answer (RFC 1035 §3.2.1) while a test changes the records
 * between two steps. `cacheFor(s)` answers as a real zone does: records with TTL s, and NODATA/NXDOMAIN with
 * an SOA (TTL and MINIMUM s) in the authority section, which makes them cacheable too (RFC 2308).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createTcpServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  RCode,
  RRType,
  decodeMessage,
  encodeA,
  encodeAaaa,
  encodeCaa,
  encodeMessage,
  encodeName,
  encodeSoa,
  encodeTxt,
  type CaaRdata,
  type EncodeRecord,
} from '../../src/va/dns-wire.js';
import { normalizeName } from '../../src/core/hostname.js';

export interface RecordSets {
  A?: string[];
  AAAA?: string[];
  /** One entry per TXT record; an array gives several character-strings in one record. */
  TXT?: (string | string[])[];
  CAA?: CaaRdata[];
  CNAME?: string;
}
type RecordType = keyof RecordSets;

export interface LoggedQuery {
  id: number;
  name: string;
  type: string;
  transport: 'udp' | 'tcp' | 'doh';
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RRType).map(([k, v]) => [v, k]));

export class TestDnsServer {
  readonly host = '127.0.0.1';
  readonly queries: LoggedQuery[] = [];
  private readonly zones = new Map<string, RecordSets>();
  private readonly failing = new Set<string>();
  private readonly silent = new Set<string>();
  private readonly tcpSockets = new Set<TcpSocket>();
  private doh: HttpServer | undefined;
  private ttl = 0;

  private constructor(
    private readonly udp: Socket,
    private readonly tcp: TcpServer,
    readonly port: number,
  ) {}

  /** "127.0.0.1:<port>", the form EABGATE_VA_DNS_SERVER takes. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  static async start(): Promise<TestDnsServer> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(0, '127.0.0.1', () => resolve());
      });
      const port = udp.address().port;
      const tcp = createTcpServer();
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (!ok) {
        udp.close();
        continue;
      }
      const server = new TestDnsServer(udp, tcp, port);
      server.listen();
      return server;
    }
    throw new Error('could not bind UDP and TCP on the same loopback port');
  }

  // ------------------------------------------------------------ records

  /** Replaces the records of one type at `name`. */
  set<T extends RecordType>(name: string, type: T, values: NonNullable<RecordSets[T]>): this {
    const key = normalizeName(name);
    const sets = this.zones.get(key) ?? {};
    sets[type] = values;
    this.zones.set(key, sets);
    return this;
  }

  /** Answers carry this TTL, and negative answers an SOA saying the same (see the top of this file). */
  cacheFor(seconds: number): this {
    this.ttl = seconds;
    return this;
  }

  /** Removes one type at `name`, or every record there. */
  remove(name: string, type?: RecordType): this {
    const key = normalizeName(name);
    if (!type) this.zones.delete(key);
    else delete this.zones.get(key)?.[type];
    return this;
  }

  /** Answer SERVFAIL for every query at `name` (until turned off). */
  servfail(name: string, on = true): this {
    const key = normalizeName(name);
    if (on) this.failing.add(key);
    else this.failing.delete(key);
    return this;
  }

  /** Never answer queries at `name` (clients time out). */
  silence(name: string, on = true): this {
    const key = normalizeName(name);
    if (on) this.silent.add(key);
    else this.silent.delete(key);
    return this;
  }

  reset(): this {
    this.ttl = 0;
    this.zones.clear();
    this.failing.clear();
    this.silent.clear();
    this.queries.length = 0;
    return this;
  }

  // ------------------------------------------------------------ answering

  private exists(name: string): boolean {
    if (this.zones.has(name)) return true;
    for (const k of this.zones.keys()) if (k.endsWith('.' + name)) return true;
    return false;
  }

  private rrs(name: string, type: number): EncodeRecord[] {
    const sets = this.zones.get(name);
    if (!sets) return [];
    const ttl = this.ttl;
    switch (type) {
      case RRType.A:
        return (sets.A ?? []).map((a) => ({ name, type, ttl, rdata: encodeA(a) }));
      case RRType.AAAA:
        return (sets.AAAA ?? []).map((a) => ({ name, type, ttl, rdata: encodeAaaa(a) }));
      case RRType.TXT:
        return (sets.TXT ?? []).map((t) => ({ name, type, ttl, rdata: encodeTxt(t) }));
      case RRType.CAA:
        return (sets.CAA ?? []).map((c) => ({ name, type, ttl, rdata: encodeCaa(c) }));
      case RRType.CNAME:
        return sets.CNAME ? [{ name, type, ttl, rdata: encodeName(sets.CNAME) }] : [];
      default:
        return [];
    }
  }

  /**
   * The answer to one query message, or null to stay silent. `maxSize` truncates (TC, no records) the way
   * a UDP server without EDNS must.
   */
  answer(query: Uint8Array, transport: LoggedQuery['transport'], maxSize = 65_535): Uint8Array | null {
    let q;
    try {
      q = decodeMessage(query);
    } catch {
      return null;
    }
    const base = { id: q.id, response: true, recursionDesired: q.recursionDesired, recursionAvailable: true, questions: q.questions };
    const question = q.questions[0];
    if (q.response || q.opcode !== 0 || q.questions.length !== 1 || !question) {
      return encodeMessage({ ...base, rcode: RCode.FORMERR });
    }
    const name = normalizeName(question.name);
    this.queries.push({ id: q.id, name, type: TYPE_NAMES[question.type] ?? String(question.type), transport });
    if (this.silent.has(name)) return null;
    if (this.failing.has(name)) return encodeMessage({ ...base, rcode: RCode.SERVFAIL });

    // Follow CNAMEs the way a recursive resolver does: the chain first, then the records at its end.
    const answers: EncodeRecord[] = [];
    let current = name;
    for (let hops = 0; hops < 8 && question.type !== RRType.CNAME; hops++) {
      const target = this.zones.get(current)?.CNAME;
      if (!target) break;
      answers.push({ name: current, type: RRType.CNAME, ttl: this.ttl, rdata: encodeName(target) });
      current = normalizeName(target);
      if (this.failing.has(current)) return encodeMessage({ ...base, rcode: RCode.SERVFAIL });
    }
    answers.push(...this.rrs(current, question.type));
    const rcode = answers.length === 0 && !this.exists(current) ? RCode.NXDOMAIN : RCode.NOERROR;
    const authorities = answers.length === 0 && this.ttl > 0 ? [this.soa(current)] : [];
    const full = encodeMessage({ ...base, authoritative: true, rcode, answers, authorities });
    if (full.length <= maxSize) return full;
    return encodeMessage({ ...base, authoritative: true, truncated: true, rcode });
  }

  /** The SOA of a negative answer: owned by the name's last two labels, standing in for its zone's apex. */
  private soa(name: string): EncodeRecord {
    const apex = name.split('.').slice(-2).join('.');
    const t = this.ttl;
    return { name: apex, type: RRType.SOA, ttl: t, rdata: encodeSoa({ mname: `ns.${apex}`, rname: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: t }) };
  }

  // ------------------------------------------------------------ transports

  private listen(): void {
    this.udp.on('message', (msg, rinfo) => {
      const out = this.answer(new Uint8Array(msg), 'udp', 512);
      if (out) this.udp.send(out, rinfo.port, rinfo.address);
    });
    this.tcp.on('connection', (socket) => {
      this.tcpSockets.add(socket);
      socket.on('close', () => this.tcpSockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const out = this.answer(new Uint8Array(buf.subarray(2, 2 + len)), 'tcp');
          buf = buf.subarray(2 + len);
          if (out) {
            const framed = Buffer.alloc(2 + out.length);
            framed.writeUInt16BE(out.length, 0);
            framed.set(out, 2);
            socket.write(framed);
          }
        }
      });
    });
  }

  /**
   * An RFC 8484 endpoint on another loopback port; returns its URL. POST takes an application/dns-message
   * body, GET a `dns` parameter (base64url, §4.1). With `tls` it serves HTTPS (the URL names `localhost`,
   * which the certificate must cover).
   */
  async startDoh(opts: { tls?: { certPem: string; keyPem: string } } = {}): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const reply = (query: Uint8Array) => {
        const out = this.answer(query, 'doh');
        if (!out) {
          res.writeHead(504).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': out.length }).end(out);
      };
      if (url.pathname !== '/dns-query') {
        res.writeHead(404).end();
        return;
      }
      if (req.method === 'GET' && url.searchParams.has('dns')) {
        reply(new Uint8Array(Buffer.from(url.searchParams.get('dns')!, 'base64url')));
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/dns-message') {
        res.writeHead(415).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => reply(new Uint8Array(Buffer.concat(chunks))));
    };
    const server = opts.tls ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.doh = server;
    const port = (server.address() as AddressInfo).port;
    return opts.tls ? `https://localhost:${port}/dns-query` : `http://127.0.0.1:${port}/dns-query`;
  }

  async stop(): Promise<void> {
    for (const s of this.tcpSockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
      this.doh
        ? new Promise<void>((resolve) => {
            this.doh!.closeAllConnections();
            this.doh!.close(() => resolve());
          })
        : Promise.resolve(),
    ]);
  }
}
