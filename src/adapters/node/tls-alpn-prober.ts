/**
 * TlsAlpnProber over node:tls (RFC 8737 §3): connects to the resolved address with SNI = the domain,
 * offers only ALPN "acme-tls/1", accepts any certificate (the VA checks its content) and returns the
 * leaf certificate's DER and the protocol the server selected. TLS 1.2 or newer (Node's minimum).
 */
import { connect } from 'node:tls';
import type { NetFailureReason, TlsAlpnProbeResult, TlsAlpnProber } from '../../va/ports.js';
import { hostPort } from '../../core/ip.js';

export function createTlsAlpnProber(): TlsAlpnProber {
  return {
    probe(servername, address, port, { timeoutMs }) {
      const target = hostPort(address, port);
      return new Promise<TlsAlpnProbeResult>((resolve) => {
        let settled = false;
        let connected = false;
        const finish = (r: TlsAlpnProbeResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.destroy();
          resolve(r);
        };
        const socket = connect({
          host: address,
          port,
          servername,
          ALPNProtocols: ['acme-tls/1'],
          rejectUnauthorized: false,
        });
        const timer = setTimeout(
          () =>
            finish({
              kind: 'error',
              reason: 'timeout',
              detail: connected ? `TLS handshake with ${target} timed out after ${timeoutMs} ms` : `timed out connecting to ${target} after ${timeoutMs} ms`,
            }),
          timeoutMs,
        );
        socket.once('connect', () => (connected = true));
        socket.once('secureConnect', () => {
          const cert = socket.getPeerCertificate(false);
          if (!cert || !cert.raw) {
            finish({ kind: 'error', reason: 'tls', detail: `${target} presented no certificate` });
            return;
          }
          finish({
            kind: 'handshake',
            alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
            certificate: new Uint8Array(cert.raw),
          });
        });
        socket.on('error', (err: NodeJS.ErrnoException) => finish(failure(err, target, connected)));
      });
    },
  };
}

function failure(err: NodeJS.ErrnoException, target: string, connected: boolean): TlsAlpnProbeResult {
  const code = err.code ?? '';
  const map: Record<string, [NetFailureReason, string]> = {
    ECONNREFUSED: ['refused', `connection refused to ${target}`],
    ETIMEDOUT: ['timeout', `timed out connecting to ${target}`],
    EHOSTUNREACH: ['unreachable', `no route to ${target}`],
    ENETUNREACH: ['unreachable', `network unreachable for ${target}`],
  };
  const known = map[code];
  if (known) return { kind: 'error', reason: known[0], detail: known[1] };
  if (code === 'ECONNRESET' && !connected) return { kind: 'error', reason: 'reset', detail: `connection reset by ${target}` };
  // Once TCP is up, anything else (alerts, resets mid-handshake, protocol errors) is a TLS failure.
  const what = /alert ([a-z ]+)/i.exec(err.message)?.[1]?.trim().toLowerCase();
  const hint = what === 'no application protocol' ? '; the server does not offer ALPN "acme-tls/1"' : '';
  return {
    kind: 'error',
    reason: connected ? 'tls' : 'other',
    detail: `TLS handshake with ${target} failed (${what ? `alert: ${what}` : code || err.message})${hint}`,
  };
}
