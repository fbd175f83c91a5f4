/**
 * tls-alpn-01 (RFC 8737 §3): a TLS handshake to <domain>:443 with SNI = domain and ALPN "acme-tls/1" only.
 * The server must select "acme-tls/1" and present a certificate whose subjectAltName holds exactly one
 * entry, the dNSName being validated, and which carries a critical acmeIdentifier extension
 * (1.3.6.1.5.5.7.1.31) whose value is an OCTET STRING of SHA-256(key authorization).
 * The certificate's signature, issuer and validity period are not checked (RFC 8737 does not ask for it).
 *
 * IP identifiers (RFC 8738 §6): the handshake goes to the address itself (no DNS), SNI is the address's
 * reverse-mapping name ("4.3.2.1.in-addr.arpa", nibbles under "ip6.arpa"), and the certificate's only
 * subjectAltName entry must be the iPAddress being validated.
 *
 * Every target address is checked against the address policy (address-policy.ts) before the handshake, so a
 * detail can only describe a certificate served from an allowed address; it names at most a few of the
 * certificate's entries, shortened.
 */
import { acmeProblems } from '../core/problem.js';
import { timingSafeEqual } from '../core/encoding.js';
import { tlv, TAG } from '../core/der.js';
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import type { DnsResolver, TlsAlpnProbeResult, TlsAlpnProber } from './ports.js';
import { isReachabilityFailure, resolveAddresses } from './addresses.js';
import { tlsAlpn01Digest } from './key-authorization.js';
import { canonicalIp, hostPort, reverseDnsName, type IpAddress } from '../core/ip.js';
import { invalid, valid, type ValidationResult } from './result.js';
import { refusedAddressProblem, type AddressPolicy } from './address-policy.js';

export const ACME_TLS_ALPN = 'acme-tls/1';
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';
const SAN_OID = '2.5.29.17';

export interface TlsAlpn01Options {
  resolver: DnsResolver;
  prober: TlsAlpnProber;
  /** 443 unless configured (EABGATE_VA_TLS_ALPN_PORT). */
  port: number;
  timeoutMs: number;
  /** Which addresses may be contacted (address-policy.ts). */
  policy: AddressPolicy;
}

export async function validateTlsAlpn01(domain: string, keyAuth: string, opts: TlsAlpn01Options): Promise<ValidationResult> {
  const resolved = await resolveAddresses(opts.resolver, domain, opts.policy);
  if (!resolved.ok) return invalid(resolved.problem);
  return probeAndCheck({ type: 'dns', value: domain }, domain, resolved.addresses, keyAuth, opts);
}

/** RFC 8738 §6: to the address itself, SNI = its reverse-mapping name, an iPAddress SAN expected. */
export async function validateTlsAlpn01Ip(ip: IpAddress, keyAuth: string, opts: TlsAlpn01Options): Promise<ValidationResult> {
  const verdict = opts.policy.check(ip.text);
  if (!verdict.ok) return invalid(refusedAddressProblem([verdict]));
  return probeAndCheck({ type: 'ip', value: ip.text }, reverseDnsName(ip), [ip.text], keyAuth, opts);
}

async function probeAndCheck(
  id: { type: 'dns' | 'ip'; value: string },
  servername: string,
  addresses: string[],
  keyAuth: string,
  opts: TlsAlpn01Options,
): Promise<ValidationResult> {
  const domain = id.value;
  let result: TlsAlpnProbeResult | undefined;
  let target = '';
  for (const address of addresses) {
    target = hostPort(address, opts.port);
    result = await opts.prober.probe(servername, address, opts.port, { timeoutMs: opts.timeoutMs });
    if (result.kind === 'handshake' || !isReachabilityFailure(result.reason)) break;
  }
  if (!result) return invalid(acmeProblems.dns(`no address to connect to for ${domain}`));
  const where = id.type === 'ip' ? `TLS connection to ${target} (SNI ${servername})` : `TLS connection to ${domain} (${target})`;
  if (result.kind === 'error') {
    const make = result.reason === 'tls' ? acmeProblems.tls : acmeProblems.connection;
    return invalid(make(`${where}: ${result.detail}`));
  }
  if (result.alpnProtocol !== ACME_TLS_ALPN) {
    return invalid(
      acmeProblems.tls(
        `${where}: the server did not select ALPN protocol "${ACME_TLS_ALPN}"` +
          (result.alpnProtocol ? ` (it selected "${result.alpnProtocol}")` : ''),
      ),
    );
  }
  const digest = await tlsAlpn01Digest(keyAuth);
  await loadX509();
  const fault = checkAcmeCertificate(result.certificate, domain, digest, id.type);
  if (fault) return invalid(acmeProblems.incorrectResponse(`${where}: the certificate presented ${fault}`));
  return valid();
}

/**
 * Returns null when the certificate answers the challenge, otherwise what is wrong with it. `type` "ip":
 * `domain` is an address (canonical text) and the one SAN entry must be that iPAddress. After loadX509().
 */
export function checkAcmeCertificate(der: Uint8Array, domain: string, digest: Uint8Array, type: 'dns' | 'ip' = 'dns'): string | null {
  let cert: X509.X509Certificate;
  try {
    cert = new x509.X509Certificate(new Uint8Array(der));
  } catch {
    return 'cannot be parsed as an X.509 certificate';
  }

  const sans = cert.extensions.filter((e) => e.type === SAN_OID);
  if (sans.length !== 1) return 'has no subjectAltName extension';
  let names: readonly X509.GeneralName[];
  try {
    names = new x509.SubjectAlternativeNameExtension(sans[0]!.rawData).names.items;
  } catch {
    return `has a subjectAltName with entries other than the dNSName ${domain}`;
  }
  if (type === 'ip') {
    const ips = names.filter((n) => n.type === 'ip').map((n) => canonicalIp(n.value) ?? n.value);
    if (!ips.includes(domain)) {
      return `does not name the iPAddress ${domain} in its subjectAltName (it names ${listed(ips, 'no IP address')})`;
    }
  } else {
    const dnsNames = names.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase());
    if (!dnsNames.includes(domain)) {
      return `does not name ${domain} in its subjectAltName (it names ${listed(dnsNames, 'no DNS name')})`;
    }
  }
  if (names.length !== 1) {
    return `must name only ${domain} in its subjectAltName, but it has ${names.length} entries`;
  }

  const ids = cert.extensions.filter((e) => e.type === ACME_IDENTIFIER_OID);
  if (ids.length === 0) return `has no acmeIdentifier extension (${ACME_IDENTIFIER_OID})`;
  if (ids.length > 1) return `has more than one acmeIdentifier extension`;
  const ext = ids[0]!;
  if (!ext.critical) return 'has an acmeIdentifier extension that is not marked critical';
  // extnValue holds the DER of the OCTET STRING: 04 20 <32 bytes of SHA-256>.
  if (!timingSafeEqual(new Uint8Array(ext.value), tlv(TAG.OCTET_STRING, digest))) {
    return 'has an acmeIdentifier extension that does not hold SHA-256 of the key authorization';
  }
  return null;
}

/** At most three entries of a certificate, each shortened: what a detail may say of a certificate. */
function listed(entries: readonly string[], none: string): string {
  if (entries.length === 0) return none;
  // Printable ASCII without separators only, 64 characters at most per entry. (\u2026 is the ellipsis: an
  // escape, because esbuild copies regular expressions as written and a bundle's source must stay ASCII.)
  const clean = (e: string) => (e.length > 64 ? e.slice(0, 64) + '…' : e).replace(/[^\x21-\x7e\u2026]|,/g, '?');
  const shown = entries.slice(0, 3).map(clean).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
