/**
 * http-01 fetches on Workers over a TCP socket (`connect()` from cloudflare:sockets) to the address the VA
 * checked, as on Node: the Worker never resolves the name itself, so DNS rebinding cannot steer it to an
 * address the VA's address policy (src/va/address-policy.ts) did not allow. It sends one HTTP/1.1 GET with
 * Host = the domain and `Connection: close`, follows no redirect (the VA decides), reads at most `maxBytes`
 * of body and gives up after `timeoutMs` for the whole exchange.
 *
 * Hand-written because no library speaks HTTP/1.1 over a Workers socket (fetch() takes a URL and resolves
 * its host name itself, which is what this getter exists to avoid). It needs only what an http-01 answer
 * uses: a status line, headers, and a body framed by Content-Length, chunked encoding or the connection's
 * end.
 *
 * HTTPS (only for a redirect to https://): TLS is started with SNI = the domain and, unlike Node, the
 * platform verifies the certificate (workerd has no switch to skip it), so such a redirect succeeds only to
 * a certificate valid for the name.
 *
 * Cloudflare refuses sockets to its own addresses (a site proxied by Cloudflare), and workerd's error does
 * not say why a connection failed ("proxy request failed, cannot connect to the specified address" for a
 * refusal as well). So an address in Cloudflare's published ranges (https://www.cloudflare.com/ips/) is
 * fetched with fetch() by name instead (src/adapters/workers/http01-fetch.ts), whose answer comes from
 * Cloudflare's proxy anyway.
 */
import type { HttpGetResult, HttpGetter, NetFailureReason } from '../../va/ports.js';
import { hostPort, parseIpAddress } from '../../core/ip.js';
import { cidr, cidrContains } from '../../core/cidr.js';
import { fetchHttpGetter } from './http01-fetch.js';

/** The part of a Workers socket this getter uses. */
export interface SocketLike {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): SocketLike;
}
export type ConnectFn = (address: { hostname: string; port: number }, options?: { secureTransport?: 'off' | 'on' | 'starttls'; allowHalfOpen?: boolean }) => SocketLike;

const MAX_HEAD_BYTES = 16 * 1024;
const USER_AGENT = 'eabgate-va/1 (+RFC 8555 validation)';

class ProtocolError extends Error {}

/** Cloudflare's published address ranges (https://www.cloudflare.com/ips-v4, /ips-v6). */
const CLOUDFLARE = [
  '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18',
  '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/13',
  '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22',
  '2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32',
].map(cidr);

export function isCloudflareAddress(address: string): boolean {
  const ip = parseIpAddress(address.replace(/^\[(.*)\]$/, '$1'));
  return ip !== undefined && CLOUDFLARE.some((net) => cidrContains(net, ip));
}

export function socketHttpGetter(connect: ConnectFn, fallback: HttpGetter = fetchHttpGetter()): HttpGetter {
  return {
    async get(host, address, port, path, opts): Promise<HttpGetResult> {
      if (isCloudflareAddress(address)) return fallback.get(host, address, port, path, opts);
      const target = hostPort(address, port);
      const defaultPort = opts.tls ? 443 : 80;
      const hostHeader = (host.includes(':') ? `[${host}]` : host) + (port === defaultPort ? '' : `:${port}`);
      let socket: SocketLike | undefined;
      let connected = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<HttpGetResult>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              kind: 'error',
              reason: 'timeout',
              detail: connected ? `no complete response from ${target} within ${opts.timeoutMs} ms` : `timed out connecting to ${target} after ${opts.timeoutMs} ms`,
            }),
          opts.timeoutMs,
        );
      });
      const exchange = async (): Promise<HttpGetResult> => {
        const hostname = address.replace(/^\[(.*)\]$/, '$1');
        socket = connect({ hostname, port }, { secureTransport: opts.tls ? 'starttls' : 'off' });
        await socket.opened;
        if (opts.tls) {
          socket = socket.startTls(/^[\d.]+$|:/.test(host) ? {} : { expectedServerHostname: host });
          await socket.opened;
        }
        connected = true;
        const request = `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: ${USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
        const writer = socket.writable.getWriter();
        await writer.write(new TextEncoder().encode(request));
        writer.releaseLock();
        return readResponse(socket.readable.getReader(), opts.maxBytes);
      };
      try {
        return await Promise.race([exchange(), timeout]);
      } catch (err) {
        if (err instanceof ProtocolError) return { kind: 'error', reason: 'protocol', detail: `invalid HTTP response from ${target}: ${err.message}` };
        const message = String((err as Error)?.message ?? '');
        return { kind: 'error', ...failure(message, target, opts.tls === true, connected) };
      } finally {
        clearTimeout(timer);
        socket?.close().catch(() => {});
      }
    },
  };
}

function failure(message: string, target: string, tls: boolean, connected: boolean): { reason: NetFailureReason; detail: string } {
  if (/refused/i.test(message)) return { reason: 'refused', detail: `connection refused to ${target}` };
  // workerd's words for any failed connect (refused, unreachable): a reachability failure, so the VA tries
  // the name's next address.
  if (/cannot connect to the specified address/i.test(message)) return { reason: 'refused', detail: `could not connect to ${target}` };
  if (/reset/i.test(message)) return { reason: 'reset', detail: `connection reset by ${target}` };
  if (/unreachable|no route/i.test(message)) return { reason: 'unreachable', detail: `no route to ${target}` };
  if (tls && !connected) return { reason: 'tls', detail: `TLS handshake with ${target} failed` };
  return { reason: 'other', detail: connected ? `request to ${target} failed` : `could not connect to ${target}` };
}

/** Reads one HTTP/1.x response: the head, then the body as framed, keeping at most `maxBytes`. */
async function readResponse(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<HttpGetResult> {
  let buf = new Uint8Array(0);
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { done, value } = await reader.read();
    if (done || !value) {
      ended = true;
      return false;
    }
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf);
    next.set(value, buf.length);
    buf = next;
    return true;
  };

  let headEnd = -1;
  while ((headEnd = indexOfCrlfCrlf(buf)) < 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new ProtocolError('response head too large');
    if (!(await more())) throw new ProtocolError('connection closed before the response head ended');
  }
  const head = new TextDecoder('latin1').decode(buf.subarray(0, headEnd));
  buf = buf.subarray(headEnd + 4);
  const [statusLine, ...headerLines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine ?? '');
  if (!status) throw new ProtocolError('no HTTP/1.x status line');
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProtocolError('malformed header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }

  const chunked = /(^|,)\s*chunked\s*$/i.test(headers.get('transfer-encoding') ?? '');
  const lengthHeader = headers.get('content-length');
  let body: Uint8Array;
  let truncated = false;
  if (chunked) {
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      let lineEnd: number;
      while ((lineEnd = indexOfCrlf(buf)) < 0) if (!(await more())) throw new ProtocolError('chunked body ended early');
      const chunkSize = parseInt(new TextDecoder().decode(buf.subarray(0, lineEnd)).split(';')[0]!.trim(), 16);
      if (!Number.isFinite(chunkSize) || chunkSize < 0) throw new ProtocolError('bad chunk size');
      buf = buf.subarray(lineEnd + 2);
      if (chunkSize === 0) break;
      while (buf.length < chunkSize + 2) if (!(await more())) throw new ProtocolError('chunked body ended early');
      parts.push(buf.slice(0, chunkSize));
      size += chunkSize;
      buf = buf.subarray(chunkSize + 2);
      if (size > maxBytes) {
        truncated = true;
        break;
      }
    }
    body = concat(parts, Math.min(size, maxBytes));
  } else if (lengthHeader !== undefined) {
    if (!/^\d+$/.test(lengthHeader)) throw new ProtocolError('bad Content-Length');
    const length = Number(lengthHeader);
    const want = Math.min(length, maxBytes + 1);
    while (buf.length < want) if (!(await more())) throw new ProtocolError('body shorter than Content-Length');
    truncated = length > maxBytes;
    body = buf.slice(0, Math.min(length, maxBytes));
  } else {
    while (buf.length <= maxBytes && (await more()));
    truncated = buf.length > maxBytes;
    body = buf.slice(0, Math.min(buf.length, maxBytes));
  }
  await reader.cancel().catch(() => {});
  return { kind: 'response', status: Number(status[1]), body, truncated, location: headers.get('location') };
}

function indexOfCrlfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  return -1;
}

function indexOfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    const part = p.subarray(0, Math.max(0, length - at));
    out.set(part, at);
    at += part.length;
  }
  return out;
}
