/**
 * Signs a subscriber (leaf) certificate from a PKCS#10 CSR with the Baseline Requirements profile
 * (BR §7.1.2.7). Only the CSR's public key is used, after its self-signature verifies; names come from the
 * order's domains and the organization from the order. The result is a certificate alone: no private key
 * ever passes through here.
 */
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import { withoutNewCsrLabel } from '../core/pem.js';
import type { Clock } from '../core/clock.js';
import type { Organization, Product } from '../core/store/types.js';
import { problems } from '../core/problem.js';
import type { LoadedCa } from './hierarchy.js';
import { subscriberKeyOf, type SubscriberKey } from '../core/subscriber-key.js';
import { readVerifiedKeyFast } from '../csr/read.js';
import { POLICY_OIDS } from './policies.js';
import { newSerialHex } from './serial.js';
import { leafSubject } from './subject.js';
import { notAfterFor, validityDaysFor, wholeSeconds } from './validity.js';
import { canonicalIp } from '../core/ip.js';
import { nameSyntaxFault, normalizeName } from '../core/hostname.js';
import { fromHex, toBase64 } from '../core/encoding.js';
import { verifiedCsrKey } from '../core/verified-csr.js';
import { csrSpki, leanSubjectDer, pemBody, sanExtension, sharedExtensions, signTbs, skiExtension, subjectDer, tbsCertificate } from './leaf-der.js';

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

function parseCsr(pem: string): X509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(withoutNewCsrLabel(pem.trim()));
  } catch {
    throw problems.badCsr('csr: not a PEM-encoded PKCS#10 certificate request', { field: 'csr', rule: 'unparseable' });
  }
}

async function verifyCsr(csr: X509.Pkcs10CertificateRequest): Promise<void> {
  const ok = await csr.verify().catch(() => false);
  if (!ok) {
    throw problems.badCsr('csr: the signature does not verify with the public key it carries', { field: 'csr', rule: 'bad-signature' });
  }
}

/** notBefore = now; notAfter = notBefore + min(requested, BR cap, CA maximum) days, within the issuer's life. */
function validity(ctx: LeafContext, requestedDays: number | undefined): { notBefore: Date; notAfter: Date } {
  const notBefore = wholeSeconds(ctx.clock.now());
  const issuer = ctx.ca.intermediateValidity;
  if (notBefore < issuer.notBefore || notBefore > issuer.notAfter) {
    throw new Error('the intermediate CA certificate is not valid at the time of issuance');
  }
  const wanted = notAfterFor(notBefore, validityDaysFor(notBefore, requestedDays, ctx.caMaxDays));
  // A certificate must not outlive its issuer: near the intermediate's end, leaves get shorter.
  const notAfter = wanted > issuer.notAfter ? issuer.notAfter : wanted;
  return { notBefore, notAfter };
}

/**
 * What every leaf of one CA and URL pair shares, built once: the issuer's name and the common extensions
 * as DER (leaf-der.ts's sharedExtensions), for the template writer of leaf-der.ts.
 */
interface SharedParts {
  issuer: Uint8Array;
  common: Uint8Array[];
  keyUsage: Record<SubscriberKey['kind'], Uint8Array>;
  policy: Record<Product, Uint8Array>;
}

const shared = new WeakMap<LoadedCa, Map<string, SharedParts>>();

function sharedParts(ca: LoadedCa, urls: CaUrls): SharedParts {
  let byUrls = shared.get(ca);
  if (!byUrls) shared.set(ca, (byUrls = new Map()));
  const key = JSON.stringify([urls.caIssuers, urls.crl]);
  let parts = byUrls.get(key);
  if (!parts) {
    const ext = sharedExtensions;
    parts = {
      issuer: ca.intermediateSubjectDer,
      common: [ext.basicConstraints(), ext.serverAuth(), ext.authorityKeyId(ca.keyIdHex), ext.caIssuers(urls.caIssuers), ext.crlDistributionPoint(urls.crl)],
      keyUsage: {
        // keyEncipherment only for RSA keys (RSA key transport); ECDSA keys sign only.
        rsa: ext.keyUsage(true),
        ecdsa: ext.keyUsage(false),
      },
      policy: {
        dv: ext.policy(POLICY_OIDS.dv),
        ov: ext.policy(POLICY_OIDS.ov),
        ev: ext.policy(POLICY_OIDS.ev),
      },
    };
    byUrls.set(key, parts);
  }
  return parts;
}

/**
 * The CSR's public key and its checked key type. One parse per request: a CSR that src/csr/check.ts
 * verified in this process (the finalize request) is not read or verified again; any other is, by the lean
 * reader (src/csr/read.ts) when it can, else with @peculiar/x509 as before. The two agree: a CSR the lean
 * reader verifies is one @peculiar/x509 parses and verifies too, so only the key check can refuse it, alike.
 */
async function csrKey(pem: string): Promise<{ spki: Uint8Array; key: SubscriberKey }> {
  const known = verifiedCsrKey(pem);
  if (known) {
    try {
      return { spki: csrSpki(pemBody(pem)), key: known };
    } catch {
      /* not readable after all: the full parse below says why */
    }
  }
  const fast = await readVerifiedKeyFast(pem);
  if (fast) return { spki: fast.spki, key: subscriberKeyOf(fast.publicKey) };
  await loadX509();
  const csr = parseCsr(pem);
  const key = subscriberKeyOf(csr.publicKey);
  await verifyCsr(csr);
  return { spki: new Uint8Array(csr.publicKey.rawData), key };
}

export async function signLeaf(ctx: LeafContext, req: LeafRequest): Promise<SignedLeaf> {
  const ipAddresses = req.ipAddresses ?? [];
  checkDomains(req.domains, req.internalNames, ipAddresses);
  const { spki, key } = await csrKey(req.csrPem);
  const subject = leafSubject(req.product, req.domains, req.organization);
  const { notBefore, notAfter } = validity(ctx, req.requestedDays);
  const parts = sharedParts(ctx.ca, ctx.urls);

  const serialHex = newSerialHex();
  const tbs = tbsCertificate({
    serial: fromHex(serialHex),
    signatureAlgorithm: ctx.ca.signing.algorithmIdentifier,
    issuer: parts.issuer,
    notBefore,
    notAfter,
    // A DV subject is written without @peculiar/x509; OV and EV subjects load it (src/core/x509-lazy.ts).
    subject: leanSubjectDer(subject) ?? (await loadX509(), subjectDer(subject)),
    spki,
    extensions: [
      ...parts.common,
      parts.keyUsage[key.kind],
      // RFC 5280 §4.2.1.6: with an empty subject the SAN is the only name, and critical.
      sanExtension(req.domains, ipAddresses, subject.length === 0),
      parts.policy[req.product],
      skiExtension(spki),
    ],
  });
  const certDer = await signTbs(tbs, ctx.ca.signingKey, ctx.ca.signing);
  const b64 = toBase64(certDer);
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
  return {
    pem: pem + '\n',
    serialHex,
    notBefore,
    notAfter,
    key,
  };
}
