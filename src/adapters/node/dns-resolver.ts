/**
 * Picks the VA's DNS resolver on Node: the configured server over UDP/TCP when EABGATE_VA_DNS_SERVER is
 * set (a local validating resolver such as Unbound, or a test server), otherwise the system's resolvers.
 *
 * DNSSEC: queries carry DO and AD; the resolver validates. With EABGATE_VA_DNSSEC=require the resolver must
 * also show that it validates (AD on a signed name) before any answer is used; without a configured server
 * that resolver is the first name server of the system (/etc/resolv.conf) asked over UDP/TCP, because Node's
 * c-ares resolver neither sets DO nor shows the AD bit. With EABGATE_VA_DNSSEC=off and no server, c-ares.
 */
import { getServers } from 'node:dns';
import type { VaConfig } from '../../core/config.js';
import type { DnsResolver } from '../../va/ports.js';
import { hostPort } from '../../core/ip.js';
import { parseHostPort } from '../../core/config.js';
import { createUdpResolver } from './dns-udp.js';
import { createSystemResolver } from './dns-system.js';

export function nodeDnsResolver(
  config: Pick<VaConfig, 'dnsServer'> & Partial<Pick<VaConfig, 'dnssec'>>,
  opts: { timeoutMs?: number } = {},
): DnsResolver {
  const requireDnssec = config.dnssec ? { probeName: config.dnssec.probeName } : undefined;
  if (config.dnsServer) {
    return createUdpResolver({
      server: hostPort(config.dnsServer.host, config.dnsServer.port),
      timeoutMs: opts.timeoutMs,
      requireDnssec,
    });
  }
  if (requireDnssec) {
    const first = getServers().map((s) => parseHostPort(s)).find((s) => s !== null);
    const server = first ? hostPort(first.host, first.port) : '127.0.0.1:53';
    return createUdpResolver({ server, timeoutMs: opts.timeoutMs, requireDnssec });
  }
  return createSystemResolver({ timeoutMs: opts.timeoutMs });
}
