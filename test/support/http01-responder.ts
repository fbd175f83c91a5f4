/**
 * A real HTTP (or HTTPS) server on 127.0.0.1, OS-chosen port, for http-01 tests: serves
 * /.well-known/acme-challenge/<token> from a map, any other path from explicit routes (for redirects,
 * odd statuses, oversized or hanging answers), 404 otherwise. Records every request's path and Host.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Route {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Answer only after this many ms (a slow server). */
  delayMs?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  host: string | undefined;
}

export class Http01Responder {
  readonly requests: SeenRequest[] = [];
  private readonly tokens = new Map<string, string>();
  private readonly routes = new Map<string, Route>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(opts: { tls?: { certPem: string; keyPem: string } } = {}): Promise<Http01Responder> {
    let self: Http01Responder | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => self!.handle(req, res);
    const server: Server = opts.tls
      ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler)
      : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Http01Responder(server, (server.address() as AddressInfo).port);
    return self;
  }

  /** Serve `keyAuthorization` (or any body) at /.well-known/acme-challenge/<token>. */
  setToken(token: string, body: string): this {
    this.tokens.set(token, body);
    return this;
  }

  route(path: string, route: Route): this {
    this.routes.set(path, route);
    return this;
  }

  clear(): this {
    this.tokens.clear();
    this.routes.clear();
    this.requests.length = 0;
    return this;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? '', path, host: req.headers.host });
    const route = this.routes.get(path);
    if (route?.hang) return;
    if (route?.delayMs) {
      setTimeout(() => res.writeHead(route.status ?? 200, { 'content-type': 'text/plain', ...route.headers }).end(route.body ?? ''), route.delayMs);
      return;
    }
    if (route) {
      res.writeHead(route.status ?? 200, { 'content-type': 'text/plain', ...route.headers }).end(route.body ?? '');
      return;
    }
    const m = /^\/\.well-known\/acme-challenge\/([^/?]+)$/.exec(path);
    const body = m ? this.tokens.get(m[1]!) : undefined;
    if (req.method === 'GET' && body !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
