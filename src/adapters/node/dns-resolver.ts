/**
 * Picks the VA's DNS resolver on Node: the configured server over UDP/TCP when EABGATE_VA_DNS_SERVER is
 * set (tests, or a local validating resolver), otherwise the system's resolvers through c-ares.
 */
import type { VaConfig } from '../../core/config.js';
import type { DnsResolver } from '../../va/ports.js';
import { hostPort } from '../../core/ip.js';
import { createUdpResolver } from './dns-udp.js';
import { createSystemResolver } from './dns-system.js';

export function nodeDnsResolver(config: Pick<VaConfig, 'dnsServer'>, opts: { timeoutMs?: number } = {}): DnsResolver {
  if (config.dnsServer) {
    return createUdpResolver({ server: hostPort(config.dnsServer.host, config.dnsServer.port), timeoutMs: opts.timeoutMs });
  }
  return createSystemResolver({ timeoutMs: opts.timeoutMs });
}
