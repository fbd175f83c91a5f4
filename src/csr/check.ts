/**
 * Checks a customer's own CSR before it is used as is: it parses, its signature verifies, its key is one the
 * Baseline Requirements accept, and its names are exactly the order's.
 */
import { x509 } from '../core/x509.js';
import { withoutNewCsrLabel } from '../core/pem.js';
import { problems } from '../core/problem.js';
import { normalizeName, sameNames } from '../core/hostname.js';
import { canonicalIp } from '../core/ip.js';

export interface CheckedCsr {
  pem: string;
  commonName: string | undefined;
  /** DNS names and (when allowed) IP addresses in canonical text, as the order lists them. */
  names: string[];
  /** The iPAddress SANs (canonical text); always empty unless `ipAddresses` was allowed. */
  ipAddresses: string[];
  key: string;
}

export interface CheckCsrOptions {
  /**
   * Accept iPAddress SANs (ACME IP identifiers, RFC 8738), compared in canonical text (RFC 5952): the order's
   * names must then list addresses in that form. Off by default: the REST API takes DNS names only.
   */
  ipAddresses?: boolean;
}

const fault = (rule: string, detail: string) => problems.badCsr(`csr: ${detail}`, { field: 'csr', rule });

function parse(input: string): x509.Pkcs10CertificateRequest {
  const text = input.trim();
  if (!/^-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+-----END (NEW )?CERTIFICATE REQUEST-----$/.test(text)) {
    throw fault('unparseable', 'not a PEM-encoded PKCS#10 certificate request (BEGIN CERTIFICATE REQUEST)');
  }
  try {
    return new x509.Pkcs10CertificateRequest(withoutNewCsrLabel(text));
  } catch {
    throw fault('unparseable', 'the PEM block does not hold a valid PKCS#10 certificate request');
  }
}

function describeKey(alg: Algorithm & Record<string, unknown>): string {
  if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS' || alg.name === 'RSA-OAEP') {
    const bits = alg.modulusLength as number;
    const e = alg.publicExponent as Uint8Array;
    const exponent = e.reduce((acc, b) => acc * 256 + b, 0);
    if (bits < 2048 || bits > 8192 || bits % 8 !== 0) {
      throw fault('weak-key', `RSA key of ${bits} bits: keys of 2048 to 8192 bits (a multiple of 8) are accepted`);
    }
    if (exponent !== 65537) throw fault('weak-key', `RSA public exponent ${exponent}: only 65537 is accepted`);
    return `RSA-${bits}`;
  }
  if (alg.name === 'ECDSA') {
    const curve = alg.namedCurve as string;
    if (curve !== 'P-256' && curve !== 'P-384') {
      throw fault('weak-key', `ECDSA key on curve ${curve}: P-256 and P-384 are accepted`);
    }
    return `ECDSA-${curve}`;
  }
  throw fault('weak-key', `key algorithm ${alg.name}: RSA (2048-8192 bits) and ECDSA P-256/P-384 are accepted`);
}

function namesOf(csr: x509.Pkcs10CertificateRequest, opts: CheckCsrOptions): { cn: string | undefined; names: string[]; ips: string[] } {
  const cns = csr.subjectName.getField('CN');
  if (cns.length > 1) throw fault('names', 'more than one subject common name');
  // A CN holding an address (as some clients write it) is compared in canonical form too.
  const cn = cns[0] !== undefined ? ((opts.ipAddresses ? canonicalIp(cns[0].trim()) : undefined) ?? normalizeName(cns[0])) : undefined;
  const ext = csr.getExtension('2.5.29.17');
  const san = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined;
  const names: string[] = [];
  const ips: string[] = [];
  for (const gn of san?.names.items ?? []) {
    if (gn.type === 'ip' && opts.ipAddresses) {
      const ip = canonicalIp(gn.value);
      if (!ip) throw fault('names', `an iPAddress subject alternative name that is not an IPv4 or IPv6 address`);
      if (!names.includes(ip)) names.push(ip);
      if (!ips.includes(ip)) ips.push(ip);
      continue;
    }
    if (gn.type !== 'dns') {
      const accepted = opts.ipAddresses ? 'DNS names and IP addresses are accepted' : 'only DNS names are accepted';
      throw fault('names', `subject alternative name of type ${gn.type}: ${accepted}`);
    }
    const n = normalizeName(gn.value);
    if (!names.includes(n)) names.push(n);
  }
  if (names.length === 0 && cn) names.push(cn);
  return { cn, names, ips };
}

export async function checkCsr(input: string, orderDomains: string[], opts: CheckCsrOptions = {}): Promise<CheckedCsr> {
  const csr = parse(input);
  let signatureOk = false;
  try {
    signatureOk = await csr.verify();
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) throw fault('bad-signature', 'the signature does not verify with the public key it carries');
  const key = describeKey(csr.publicKey.algorithm as Algorithm & Record<string, unknown>);
  const { cn, names, ips } = namesOf(csr, opts);
  if (cn !== undefined && !orderDomains.includes(cn)) {
    throw fault('names', `subject CN "${cn}" is not one of the order's domains (${orderDomains.join(', ')})`);
  }
  if (!sameNames(names, orderDomains)) {
    throw fault('names', `names in the CSR (${names.join(', ') || 'none'}) differ from the order's domains (${orderDomains.join(', ')})`);
  }
  return { pem: csr.toString('pem'), commonName: cn, names, ipAddresses: ips, key };
}
