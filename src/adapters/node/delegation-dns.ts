/**
 * The built-in authoritative DNS server of DNS delegation (EABGATE_DNS_LISTEN, UDP and TCP): it serves only
 * EABGATE_DELEGATION_ZONE, with its SOA and NS at the apex and the TXT records the gateway publishes for
 * the upstream's dns-01 challenges, all with short TTLs; names outside the zone are REFUSED, names in it
 * without data are NXDOMAIN (or NODATA at a name that has records). Wire format by `dns-packet`; the
 * records live in memory (the upstream validates within seconds of publication, and the issuer publishes
 * again whenever it answers a challenge).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as packet from 'dns-packet';
import type { DnsPublisher } from '../../ca/upstream.js';
import type { Logger } from '../../core/logger.js';

/** TTL of the published TXT records and of negative answers (seconds): resolvers must not keep old tokens. */
export const DELEGATION_TTL = 5;
const SOA_TTL = 60;
const MAX_UDP = 512;

export interface DelegationDnsOptions {
  zone: string;
  nsName: string;
  host: string;
  port: number;
  logger?: Logger;
}

const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');

export class DelegationDnsServer implements DnsPublisher {
  private readonly records = new Map<string, Set<string>>();
  private readonly conns = new Set<TcpSocket>();
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  /** The bound port (the one asked for, or the one the OS picked for port 0). */
  port = 0;

  constructor(private readonly opts: DelegationDnsOptions) {}

  async publish(fqdn: string, value: string): Promise<void> {
    const name = norm(fqdn);
    if (!this.inZone(name)) throw new Error(`${name} is not in the delegation zone ${this.opts.zone}`);
    let set = this.records.get(name);
    if (!set) this.records.set(name, (set = new Set()));
    set.add(value);
  }

  async withdraw(fqdn: string, value: string): Promise<void> {
    const name = norm(fqdn);
    const set = this.records.get(name);
    set?.delete(value);
    if (set && set.size === 0) this.records.delete(name);
  }

  private inZone(name: string): boolean {
    const zone = norm(this.opts.zone);
    return name === zone || name.endsWith(`.${zone}`);
  }

  private soa(): packet.Answer {
    const zone = norm(this.opts.zone);
    return {
      name: zone,
      type: 'SOA',
      ttl: SOA_TTL,
      data: {
        mname: this.opts.nsName,
        rname: `hostmaster.${zone}`,
        serial: Math.floor(Date.now() / 1000) >>> 0,
        refresh: 300,
        retry: 60,
        expire: 86400,
        minimum: DELEGATION_TTL,
      },
    } as packet.Answer;
  }

  /** The answer to one query message (bytes), or undefined for garbage that deserves no answer. */
  answer(query: Uint8Array): Uint8Array | undefined {
    let q: packet.Packet;
    try {
      q = packet.decode(Buffer.from(query));
    } catch {
      return undefined;
    }
    if (q.type !== 'query') return undefined;
    const question = q.questions?.[0];
    const reply = (rcode: string, answers: packet.Answer[] = [], authorities: packet.Answer[] = []) =>
      packet.encode({
        id: q.id,
        type: 'response',
        flags: ((q.flags ?? 0) & packet.RECURSION_DESIRED) | packet.AUTHORITATIVE_ANSWER | rcodeFlag(rcode),
        questions: q.questions,
        answers,
        authorities,
      });
    if (!question || q.questions!.length !== 1) return reply('FORMERR');
    const name = norm(question.name);
    if (!this.inZone(name)) return reply('REFUSED');
    const zone = norm(this.opts.zone);
    const answers: packet.Answer[] = [];
    const qtype = question.type as string;
    if (name === zone && (qtype === 'SOA' || qtype === 'ANY')) answers.push(this.soa());
    if (name === zone && (qtype === 'NS' || qtype === 'ANY')) answers.push({ name: zone, type: 'NS', ttl: SOA_TTL, data: this.opts.nsName });
    const txt = this.records.get(name);
    if (txt && (qtype === 'TXT' || qtype === 'ANY')) {
      for (const value of txt) answers.push({ name, type: 'TXT', ttl: DELEGATION_TTL, data: [value] });
    }
    if (answers.length > 0) return reply('NOERROR', answers);
    const exists = name === zone || this.records.has(name);
    return reply(exists ? 'NOERROR' : 'NXDOMAIN', [], [this.soa()]);
  }

  async start(): Promise<void> {
    const { host, port } = this.opts;
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.udp = udp;
    udp.on('message', (msg, rinfo) => {
      let out = this.answer(msg);
      if (!out) return;
      if (out.length > MAX_UDP) out = truncated(out);
      udp.send(out, rinfo.port, rinfo.address);
    });
    udp.on('error', (err) => this.opts.logger?.error('delegation DNS (UDP) error', { error: err.name, detail: err.message }));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.port = udp.address().port;
    const tcp = createServer((sock) => this.serveTcp(sock));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.opts.logger?.info('delegation DNS listening', { zone: this.opts.zone, address: host, port: this.port });
  }

  /** RFC 7766: two-byte length-prefixed messages, several per connection; idle connections closed. */
  private serveTcp(sock: TcpSocket): void {
    this.conns.add(sock);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 70_000) return sock.destroy();
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const out = this.answer(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        if (!out) return sock.destroy();
        const head = Buffer.alloc(2);
        head.writeUInt16BE(out.length);
        sock.write(Buffer.concat([head, out]));
      }
    });
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }
}

function rcodeFlag(rcode: string): number {
  return ({ NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as Record<string, number>)[rcode] ?? 2;
}

/** A UDP answer too large: the header and question only, with TC set, so the resolver asks again over TCP. */
function truncated(full: Uint8Array): Uint8Array {
  const p = packet.decode(Buffer.from(full));
  return packet.encode({ ...p, flags: (p.flags ?? 0) | packet.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
}
