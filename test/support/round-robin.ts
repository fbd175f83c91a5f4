/**
 * A tiny loopback load balancer for multi-instance tests: each incoming HTTP request goes to the next
 * instance in turn (127.0.0.1:<port>), headers and body passed through as they are. It counts what each
 * instance served, so a test can show that the requests did alternate.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RoundRobin {
  private next = 0;
  /** Requests forwarded to each target port. */
  readonly served = new Map<number, number>();
  targets: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RoundRobin> {
    let self!: RoundRobin;
    const server = createServer((req, res) => {
      const target = self.targets[self.next++ % self.targets.length];
      if (target === undefined) {
        res.writeHead(503).end('no instance\n');
        return;
      }
      self.served.set(target, (self.served.get(target) ?? 0) + 1);
      const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new RoundRobin(server, (server.address() as AddressInfo).port);
    return self;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
