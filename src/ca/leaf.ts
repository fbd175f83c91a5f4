/**
 * Signs a subscriber (leaf) certificate from a PKCS#10 CSR with the Baseline Requirements profile
 * (BR §7.1.2.7). Only the CSR's public key is used, after its self-signature verifies; names come from the
 * order's domains and the organization from the order. The result is a certificate alone: no private key
 * ever passes through here.
 */
import { x509 } from '../core/x509.js';
import { withoutNewCsrLabel } from '../core/pem.js';
import type { Clock } from '../core/clock.js';
import type { Organization, Product } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import { CA_SIGNATURE_ALGORITHM } from './algorithms.js';
import type { LoadedCa } from './hierarchy.js';
import { subscriberKeyOf, type SubscriberKey } from '../core/subscriber-key.js';
import { POLICY_OIDS } from './policies.js';
import { newSerialHex } from './serial.js';
import { leafSubject } from './subject.js';
import { notAfterFor, validityDaysFor, wholeSeconds } from './validity.js';
import { canonicalIp } from '../core/ip.js';
import { nameSyntaxFault, normalizeName } from '../core/hostname.js';

/** Where relying parties fetch the issuer certificate and the CRL; the gateway serves both. */
export interface CaUrls {
  caIssuers: string;
  crl: string;
}

export interface LeafContext {
  ca: LoadedCa;
  clock: Clock;
  urls: CaUrls;
  /** The CA's configured maximum validity in days; the Baseline Requirements cap applies in any case. */
  caMaxDays?: number;
}

export interface LeafRequest {
  csrPem: string;
  /** The order's names, normalized; the first becomes the CN. May be empty when `ipAddresses` is not. */
  domains: string[];
  /**
   * IP addresses (ACME IP identifiers, RFC 8738), issued as iPAddress SANs after the DNS names. Never the CN:
   * an order of addresses only gets an empty subject (DV) and a critical SAN extension.
   */
  ipAddresses?: string[];
  product: Product;
  /** The order's organization: required for OV and EV, ignored for DV. */
  organization?: Organization;
  requestedDays?: number;
  /** Allows single-label names such as "localhost": only for the gateway's own EABGATE_TLS=auto certificate. */
  internalNames?: boolean;
}

export interface SignedLeaf {
  certificate: x509.X509Certificate;
  pem: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  key: SubscriberKey;
}

function checkDomains(domains: string[], internal = false, ipAddresses: string[] = []): void {
  if (domains.length === 0 && ipAddresses.length === 0) {
    throw problems.validation('domains: at least one name is required', { field: 'domains' });
  }
  for (const ip of ipAddresses) {
    // Canonical text only: what the order validated is exactly what the certificate names.
    if (canonicalIp(ip) !== ip) throw problems.validation(`ipAddresses: "${ip}" is not an IP address in canonical form`, { field: 'ipAddresses' });
  }
  if (new Set(ipAddresses).size !== ipAddresses.length) {
    throw problems.validation('ipAddresses: an address is listed twice', { field: 'ipAddresses' });
  }
  for (const d of domains) {
    if (normalizeName(d) !== d || nameSyntaxFault(d, { wildcard: true, singleLabel: internal }) !== undefined) {
      throw problems.validation(`domains: "${d}" is not a lower-case DNS name`, { field: 'domains' });
    }
  }
  if (new Set(domains).size !== domains.length) {
    throw problems.validation('domains: a name is listed twice', { field: 'domains' });
  }
}

function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(withoutNewCsrLabel(pem.trim()));
  } catch {
    throw problems.badCsr('csr: not a PEM-encoded PKCS#10 certificate request', { field: 'csr', rule: 'unparseable' });
  }
}

async function verifyCsr(csr: x509.Pkcs10CertificateRequest): Promise<void> {
  const ok = await csr.verify().catch(() => false);
  if (!ok) {
    throw problems.badCsr('csr: the signature does not verify with the public key it carries', { field: 'csr', rule: 'bad-signature' });
  }
}

/** notBefore = now; notAfter = notBefore + min(requested, BR cap, CA maximum) days, within the issuer's life. */
function validity(ctx: LeafContext, requestedDays: number | undefined): { notBefore: Date; notAfter: Date } {
  const notBefore = wholeSeconds(ctx.clock.now());
  const issuer = ctx.ca.intermediate;
  if (notBefore < issuer.notBefore || notBefore > issuer.notAfter) {
    throw new Error('the intermediate CA certificate is not valid at the time of issuance');
  }
  const wanted = notAfterFor(notBefore, validityDaysFor(notBefore, requestedDays, ctx.caMaxDays));
  // A certificate must not outlive its issuer: near the intermediate's end, leaves get shorter.
  const notAfter = wanted > issuer.notAfter ? issuer.notAfter : wanted;
  return { notBefore, notAfter };
}

/** The extensions every leaf of one CA and URL pair shares, built once: @peculiar/x509 makes them slowly. */
interface SharedExtensions {
  common: x509.Extension[];
  keyUsage: Record<SubscriberKey['kind'], x509.Extension>;
  policy: Record<Product, x509.Extension>;
}

const shared = new WeakMap<LoadedCa, Map<string, SharedExtensions>>();

function sharedExtensions(ca: LoadedCa, urls: CaUrls): SharedExtensions {
  let byUrls = shared.get(ca);
  if (!byUrls) shared.set(ca, (byUrls = new Map()));
  const key = JSON.stringify([urls.caIssuers, urls.crl]);
  let ext = byUrls.get(key);
  if (!ext) {
    const ds = x509.KeyUsageFlags.digitalSignature;
    ext = {
      common: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.AuthorityKeyIdentifierExtension(ca.keyIdHex, false),
        new x509.AuthorityInfoAccessExtension({ caIssuers: [new x509.GeneralName('url', urls.caIssuers)] }),
        new x509.CRLDistributionPointsExtension([urls.crl]),
      ],
      keyUsage: {
        // keyEncipherment only for RSA keys (RSA key transport); ECDSA keys sign only.
        rsa: new x509.KeyUsagesExtension(ds | x509.KeyUsageFlags.keyEncipherment, true),
        ecdsa: new x509.KeyUsagesExtension(ds, true),
      },
      policy: {
        dv: new x509.CertificatePolicyExtension([POLICY_OIDS.dv], false),
        ov: new x509.CertificatePolicyExtension([POLICY_OIDS.ov], false),
        ev: new x509.CertificatePolicyExtension([POLICY_OIDS.ev], false),
      },
    };
    byUrls.set(key, ext);
  }
  return ext;
}

export async function signLeaf(ctx: LeafContext, req: LeafRequest): Promise<SignedLeaf> {
  const ipAddresses = req.ipAddresses ?? [];
  checkDomains(req.domains, req.internalNames, ipAddresses);
  const csr = parseCsr(req.csrPem);
  const publicKey = csr.publicKey;
  const key = subscriberKeyOf(publicKey);
  await verifyCsr(csr);
  const subject = leafSubject(req.product, req.domains, req.organization);
  const { notBefore, notAfter } = validity(ctx, req.requestedDays);
  const ext = sharedExtensions(ctx.ca, ctx.urls);

  const serialHex = newSerialHex();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject,
    issuer: ctx.ca.intermediate.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ctx.ca.signingKey,
    signingAlgorithm: CA_SIGNATURE_ALGORITHM,
    extensions: [
      ...ext.common,
      ext.keyUsage[key.kind],
      // RFC 5280 §4.2.1.6: with an empty subject the SAN is the only name, and critical.
      new x509.SubjectAlternativeNameExtension(
        [...req.domains.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))],
        subject.length === 0,
      ),
      ext.policy[req.product],
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return { certificate, pem: certificate.toString('pem') + '\n', serialHex, notBefore, notAfter, key };
}
