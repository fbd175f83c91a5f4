/**
 * VA settings from the environment (the entry point passes its environment; no `process` here).
 *
 * EABGATE_VA_HTTP_PORT      port for http-01 (default 80; tests point it at a loopback responder)
 * EABGATE_VA_TLS_ALPN_PORT  port for tls-alpn-01 (default 443)
 * EABGATE_VA_DNS_SERVER     host:port of the recursive resolver to ask over UDP/TCP (default: the system's)
 * EABGATE_VA_DOH_URL        DNS-over-HTTPS endpoint for Workers (default https://cloudflare-dns.com/dns-query)
 */
import { ConfigError } from '../core/config.js';

export interface VaConfig {
  httpPort: number;
  tlsAlpnPort: number;
  dnsServer: { host: string; port: number } | undefined;
  dohUrl: string;
}

export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query';

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
    throw new ConfigError(name, `must be a port number between 1 and 65535, got "${v}"`);
  }
  return Number(v);
}

/** "127.0.0.1:5353", "[::1]:53", "10.0.0.53" (port 53), "::1" (port 53). */
export function parseHostPort(value: string, defaultPort = 53): { host: string; port: number } | null {
  const v = value.trim();
  let host: string;
  let p: string | undefined;
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(v);
  if (bracket) [, host, p] = bracket as unknown as [string, string, string | undefined];
  else if ((v.match(/:/g) ?? []).length > 1) host = v; // bare IPv6
  else [host, p] = v.split(':') as [string, string | undefined];
  if (!host || !/^[A-Za-z0-9.:-]+$/.test(host)) return null;
  const portNum = p === undefined ? defaultPort : Number(p);
  if (!Number.isInteger(portNum) || portNum < 1 || portNum > 65535) return null;
  return { host, port: portNum };
}

export function loadVaConfig(env: Env): VaConfig {
  const rawDns = env.EABGATE_VA_DNS_SERVER;
  let dnsServer: VaConfig['dnsServer'];
  if (rawDns) {
    const parsed = parseHostPort(rawDns);
    if (!parsed) throw new ConfigError('EABGATE_VA_DNS_SERVER', `must be host:port, e.g. 127.0.0.1:5353, got "${rawDns}"`);
    dnsServer = parsed;
  }
  const dohUrl = env.EABGATE_VA_DOH_URL || DEFAULT_DOH_URL;
  try {
    if (new URL(dohUrl).protocol !== 'https:') throw new Error('not https');
  } catch {
    throw new ConfigError('EABGATE_VA_DOH_URL', `must be an https:// URL, got "${dohUrl}"`);
  }
  return {
    httpPort: port(env, 'EABGATE_VA_HTTP_PORT', 80),
    tlsAlpnPort: port(env, 'EABGATE_VA_TLS_ALPN_PORT', 443),
    dnsServer,
    dohUrl,
  };
}
