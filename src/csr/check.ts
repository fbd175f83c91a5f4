/**
 * Checks a customer's own CSR before it is used as is: it parses, its signature verifies, its key is one the
 * subscriber-key policy accepts (src/core/subscriber-key.ts), and its names are exactly the order's (ACME,
 * RFC 8555 §7.4) or, for REST and portal orders (`fewerNames`), some of the order's: the certificate carries
 * the order's validated names whatever the CSR lists (the CA takes names and subject from the order).
 * Faults are `badCsr` domain errors (field "csr") whose `rule` extension says which check failed:
 * unparseable, bad-signature, weak-key or names. The CSR is read once (src/csr/read.ts: a lean DER reader and
 * WebCrypto for the usual CSRs, @peculiar/x509 for the rest).
 */
import { subscriberKeyLabel, subscriberKeyOf } from '../core/subscriber-key.js';
import { rememberVerifiedCsr } from '../core/verified-csr.js';
import { normalizeName, sameNames } from '../core/hostname.js';
import { canonicalIp } from '../core/ip.js';
import { csrFault as fault, readCsr, type ReadCsr } from './read.js';

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
  /**
   * REST and portal orders: a CSR may name fewer of the order's names (even none); the certificate carries
   * the order's names all the same. A name the order does not have is still refused.
   */
  fewerNames?: boolean;
}

export type CsrRule = 'unparseable' | 'bad-signature' | 'weak-key' | 'names';

function namesOf(csr: ReadCsr, opts: CheckCsrOptions): { cn: string | undefined; names: string[]; ips: string[] } {
  const cns = csr.commonNames;
  if (cns.length > 1) throw fault('names', 'more than one subject common name');
  // A CN holding an address (as some clients write it) is compared in canonical form too.
  const cn = cns[0] !== undefined ? ((opts.ipAddresses ? canonicalIp(cns[0].trim()) : undefined) ?? normalizeName(cns[0])) : undefined;
  const names: string[] = [];
  const ips: string[] = [];
  for (const gn of csr.subjectAltNames()) {
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
  return checkCsrWith(readCsr, input, orderDomains, opts);
}

/**
 * The checks on a CSR read by `read` (src/csr/read.ts): parsed and its signature verified, with unparseable
 * or bad-signature faults. checkCsr reads with the lean reader when it can; tests pass readCsrWithX509 to
 * compare with @peculiar/x509 alone.
 */
export async function checkCsrWith(
  read: (input: string) => Promise<ReadCsr>,
  input: string,
  orderDomains: string[],
  opts: CheckCsrOptions = {},
): Promise<CheckedCsr> {
  const csr = await read(input);
  const subscriberKey = subscriberKeyOf(csr.publicKey);
  const key = subscriberKeyLabel(subscriberKey);
  const { cn, names, ips } = namesOf(csr, opts);
  if (cn !== undefined && !orderDomains.includes(cn)) {
    throw fault('names', `subject CN "${cn}" is not one of the order's domains (${orderDomains.join(', ')})`);
  }
  if (opts.fewerNames) {
    const foreign = names.filter((n) => !orderDomains.includes(n));
    if (foreign.length > 0) {
      throw fault(
        'names',
        `names in the CSR (${names.join(', ')}) differ from the order's domains (${orderDomains.join(', ')}): ${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not in the order`,
      );
    }
  } else if (!sameNames(names, orderDomains)) {
    throw fault('names', `names in the CSR (${names.join(', ') || 'none'}) differ from the order's domains (${orderDomains.join(', ')})`);
  }
  const pem = csr.pem;
  // The CA signing from this CSR next need not read and verify it again (src/ca/leaf.ts).
  rememberVerifiedCsr(pem, subscriberKey);
  return { pem, commonName: cn, names, ipAddresses: ips, key };
}
