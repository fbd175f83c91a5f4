/**
 * HttpGetter over node:http / node:https: connects to the resolved address (never resolves the name
 * itself), sends Host = the domain, follows no redirect (the VA decides), stops reading after `maxBytes`
 * and gives up after `timeoutMs` for the whole exchange. HTTPS (used only for redirects to https://) sends
 * SNI = the domain and does not verify the certificate.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { HttpGetResult, HttpGetter, NetFailureReason } from '../../va/ports.js';
import { hostPort } from '../../core/ip.js';

export interface Http01GetterOptions {
  userAgent?: string;
}

export function createHttp01Getter(opts: Http01GetterOptions = {}): HttpGetter {
  const userAgent = opts.userAgent ?? 'eabgate-va/1 (+RFC 8555 validation)';
  return {
    get(host, address, port, path, { timeoutMs, maxBytes, tls }) {
      const target = hostPort(address, port);
      const defaultPort = tls ? 443 : 80;
      const hostHeader = (isIP(host) === 6 ? `[${host}]` : host) + (port === defaultPort ? '' : `:${port}`);
      return new Promise<HttpGetResult>((resolve) => {
        let settled = false;
        let connected = false;
        const finish = (r: HttpGetResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          req.destroy();
          resolve(r);
        };
        const options = {
          host: address,
          port,
          path,
          method: 'GET',
          agent: false as const,
          headers: { host: hostHeader, 'user-agent': userAgent, accept: '*/*', connection: 'close' },
        };
        const req = tls
          ? httpsRequest({ ...options, servername: isIP(host) ? undefined : host, rejectUnauthorized: false })
          : httpRequest(options);
        const timer = setTimeout(
          () =>
            finish({
              kind: 'error',
              reason: 'timeout',
              detail: connected
                ? `no complete response from ${target} within ${timeoutMs} ms`
                : `timed out connecting to ${target} after ${timeoutMs} ms`,
            }),
          timeoutMs,
        );
        req.on('socket', (s) => s.once(tls ? 'secureConnect' : 'connect', () => (connected = true)));
        req.on('error', (err) => finish(failure(err as NodeJS.ErrnoException, target)));
        req.on('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const respond = (truncated: boolean) => {
            const body = new Uint8Array(Buffer.concat(chunks).subarray(0, maxBytes));
            const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
            finish({ kind: 'response', status: res.statusCode ?? 0, body, truncated, location });
          };
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size > maxBytes) respond(true);
          });
          res.on('end', () => respond(false));
          res.on('error', (err) => finish(failure(err as NodeJS.ErrnoException, target)));
        });
        req.end();
      });
    },
  };
}

function failure(err: NodeJS.ErrnoException, target: string): HttpGetResult {
  const code = err.code ?? '';
  const map: Record<string, [NetFailureReason, string]> = {
    ECONNREFUSED: ['refused', `connection refused to ${target}`],
    ECONNRESET: ['reset', `connection reset by ${target}`],
    ETIMEDOUT: ['timeout', `timed out connecting to ${target}`],
    EHOSTUNREACH: ['unreachable', `no route to ${target}`],
    ENETUNREACH: ['unreachable', `network unreachable for ${target}`],
    EADDRNOTAVAIL: ['unreachable', `cannot connect to ${target} from here`],
  };
  const known = map[code];
  if (known) return { kind: 'error', reason: known[0], detail: known[1] };
  if (code.startsWith('HPE_')) return { kind: 'error', reason: 'protocol', detail: `invalid HTTP response from ${target}` };
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS')) {
    return { kind: 'error', reason: 'tls', detail: `TLS handshake with ${target} failed (${code})` };
  }
  return { kind: 'error', reason: 'other', detail: `request to ${target} failed (${code || 'error'})` };
}
