/**
 * The Workers http-01 getter (HTTP/1.1 over a socket to the checked address) against real loopback
 * servers. Off workerd, `connect()` is given over node:net with the same stream shape as
 * cloudflare:sockets; the journey through workerd itself is test/entry/workers-journey.test.ts.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCloudflareAddress, socketHttpGetter, type ConnectFn, type SocketLike } from '../../../src/adapters/workers/http01-socket.js';
import type { HttpGetResult, HttpGetter } from '../../../src/va/ports.js';
import { Http01Responder } from '../../support/http01-responder.js';
import { closedPort } from '../../va/fixtures.js';

const nodeConnect: ConnectFn = ({ hostname, port }) => {
  const s = netConnect({ host: hostname, port });
  const web = Duplex.toWeb(s) as unknown as { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
  const opened = new Promise((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  opened.catch(() => {});
  const socket: SocketLike = {
    readable: web.readable,
    writable: web.writable,
    opened,
    close: async () => void s.destroy(),
    startTls: () => {
      throw new Error('TLS is not part of this test');
    },
  };
  return socket;
};

/** A raw TCP server that answers every connection with `reply` (bytes as written) once a request arrives. */
async function rawServer(reply: string | null): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('data', () => {
      if (reply !== null) s.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let web: Http01Responder;
let getter: HttpGetter;
const opts = { timeoutMs: 1500, maxBytes: 64, tls: false };

beforeAll(async () => {
  web = await Http01Responder.start();
  getter = socketHttpGetter(nodeConnect);
});
afterAll(() => web.stop());

async function viaRaw(reply: string | null, o = opts): Promise<HttpGetResult> {
  const srv = await rawServer(reply);
  try {
    return await getter.get('a.example', '127.0.0.1', srv.port, '/.well-known/acme-challenge/t', o);
  } finally {
    await srv.stop();
  }
}

const text = (r: HttpGetResult) => (r.kind === 'response' ? new TextDecoder().decode(r.body) : `error: ${r.reason}`);

describe('http-01 over a socket (Workers)', () => {
  it('connects to the checked address and sends Host = the name (with its port)', async () => {
    web.setToken('tok', 'tok.thumb');
    const r = await getter.get('a.example', '127.0.0.1', web.port, '/.well-known/acme-challenge/tok', opts);
    expect(r).toMatchObject({ kind: 'response', status: 200, truncated: false });
    expect(text(r)).toBe('tok.thumb');
    expect(web.requests.at(-1)).toEqual({ method: 'GET', path: '/.well-known/acme-challenge/tok', host: `a.example:${web.port}` });
  });

  it('reads a chunked body', async () => {
    const r = await viaRaw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n');
    expect(text(r)).toBe('abcdefg');
  });

  it('reads a body framed by the end of the connection', async () => {
    const r = await viaRaw('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close');
    expect(r).toMatchObject({ kind: 'response', status: 200, truncated: false });
    expect(text(r)).toBe('until-close');
  });

  it('keeps at most maxBytes and says the body was cut', async () => {
    const long = 'x'.repeat(200);
    for (const reply of [`HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n${long}`, `HTTP/1.1 200 OK\r\n\r\n${long}`, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n${long}\r\n0\r\n\r\n`]) {
      const r = await viaRaw(reply);
      expect(r).toMatchObject({ kind: 'response', truncated: true });
      expect(text(r)).toBe('x'.repeat(64));
    }
  });

  it('returns a redirect to the VA instead of following it', async () => {
    const r = await viaRaw('HTTP/1.1 302 Found\r\nLocation: http://b.example/x\r\nContent-Length: 0\r\n\r\n');
    expect(r).toMatchObject({ kind: 'response', status: 302, location: 'http://b.example/x' });
  });

  it('reports a refused connection, a silent server and a non-HTTP answer', async () => {
    const refused = await getter.get('a.example', '127.0.0.1', await closedPort(), '/', opts);
    expect(refused).toMatchObject({ kind: 'error', reason: 'refused' });
    expect(await viaRaw(null, { ...opts, timeoutMs: 300 })).toMatchObject({ kind: 'error', reason: 'timeout' });
    expect(await viaRaw('SSH-2.0-OpenSSH_9.2\r\n\r\n')).toMatchObject({ kind: 'error', reason: 'protocol' });
    expect(await viaRaw('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort')).toMatchObject({ kind: 'error', reason: 'protocol' });
  });

  it("fetches a Cloudflare address by name (sockets to Cloudflare's own ranges are refused), any other by socket", async () => {
    expect(['104.16.132.229', '172.67.1.1', '2606:4700::6810:84e5', '[2a06:98c0::1]'].map(isCloudflareAddress)).toEqual([true, true, true, true]);
    expect(['93.184.215.14', '127.0.0.1', '2001:db8::1', 'not-an-ip'].map(isCloudflareAddress)).toEqual([false, false, false, false]);
    const viaFetch: string[] = [];
    const fallback: HttpGetter = {
      get: async (host, address) => {
        viaFetch.push(`${host}@${address}`);
        return { kind: 'response', status: 200, body: new Uint8Array(), truncated: false };
      },
    };
    const connected: string[] = [];
    const g = socketHttpGetter((a, o) => {
      connected.push(a.hostname);
      return nodeConnect(a, o);
    }, fallback);
    expect(await g.get('proxied.example', '104.16.132.229', 80, '/', opts)).toMatchObject({ kind: 'response', status: 200 });
    expect(viaFetch).toEqual(['proxied.example@104.16.132.229']);
    expect(connected).toEqual([]);
    web.setToken('direct', 'direct.thumb');
    expect(text(await g.get('a.example', '127.0.0.1', web.port, '/.well-known/acme-challenge/direct', opts))).toBe('direct.thumb');
    expect(connected).toEqual(['127.0.0.1']);
  });
});
