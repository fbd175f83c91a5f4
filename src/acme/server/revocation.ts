/**
 * revokeCert (RFC 8555 §7.6). Who may revoke:
 *   - the account that ordered the certificate (`kid`),
 *   - an account holding valid authorizations for every name in it (`kid`),
 *   - whoever holds the certificate's private key (`jwk` = the certificate's public key).
 * Reasons are the RFC 5280 codes the Baseline Requirements allow (`badRevocationReason` otherwise); a
 * revoked certificate appears on the CRL at /ca/crl from the next fetch on.
 */
import { importJWK } from 'jose';
import { loadX509, x509, type X509 } from '../../core/x509-lazy.js';
import { acmeProblems } from '../../core/problem.js';
import { fromBase64Url, fromBase64, timingSafeEqual } from '../../core/encoding.js';
import type { AcmeServices } from '../../app/context.js';
import type { AcmeAccountRecord } from '../../core/store/acme.js';
import type { CertificateRecord } from '../../core/store/types.js';
import { REVOCATION_REASONS, isRevocationReason } from '../../ca/revocation.js';
import { services, type AcmeContext, type AcmeReply } from './http.js';
import { eitherRequest, payloadObject, type JwkRequest } from './request.js';
import { normalizeSerialHex } from './cert-id.js';
import { authorizationName } from '../../ra/acme/orders.js';
import { canonicalIp } from '../../core/ip.js';
import { notFound } from './owned.js';

const derOfPem = (pem: string) => fromBase64(pem.replace(/-----[^-]+-----|\s/g, ''));

/** The certificate's DNS names and IP addresses (canonical text, as IP authorizations store them). */
function dnsNames(cert: X509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).flatMap((n) =>
    n.type === 'dns' ? [n.value.toLowerCase()] : n.type === 'ip' ? [canonicalIp(n.value) ?? n.value] : [],
  );
}

async function accountMayRevoke(s: AcmeServices, account: AcmeAccountRecord, record: CertificateRecord, cert: X509.X509Certificate): Promise<boolean> {
  if (record.acmeOrderId) {
    const o = await s.store.acme.orders.byId(record.acmeOrderId);
    if (o?.accountId === account.id) return true;
  }
  const names = dnsNames(cert);
  if (names.length === 0) return false;
  const authorized = new Set((await s.store.acme.authorizations.validForAccount(account.id, s.clock.now())).map(authorizationName));
  return names.every((n) => authorized.has(n));
}

async function keyMatches(jws: JwkRequest, cert: X509.X509Certificate): Promise<boolean> {
  try {
    const key = (await importJWK(jws.jwk, jws.header.alg, { extractable: true })) as CryptoKey;
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', key));
    return timingSafeEqual(spki, new Uint8Array(cert.publicKey.rawData));
  } catch {
    return false;
  }
}

export async function revokeCert(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const req = await eitherRequest(c);
  const payload = payloadObject(req.jws, 'revokeCert');

  if (typeof payload.certificate !== 'string' || !/^[A-Za-z0-9_-]+$/.test(payload.certificate)) {
    throw acmeProblems.malformed('"certificate" must be the base64url DER encoding of the certificate to revoke.');
  }
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = fromBase64Url(payload.certificate);
  } catch {
    throw acmeProblems.malformed('"certificate" is not valid base64url: its length leaves a partial byte.');
  }
  await loadX509();
  let cert: X509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  } catch {
    throw acmeProblems.malformed('"certificate" is not a DER-encoded X.509 certificate.');
  }
  const record = await s.store.certificates.bySerial(normalizeSerialHex(cert.serialNumber));
  if (!record || !timingSafeEqual(derOfPem(record.certPem), der)) throw notFound('certificate issued by this server');

  const reason = payload.reason ?? REVOCATION_REASONS.unspecified;
  if (!isRevocationReason(reason)) {
    const allowed = Object.entries(REVOCATION_REASONS).map(([name, code]) => `${code} (${name})`);
    throw acmeProblems.badRevocationReason(`Revocation reason ${JSON.stringify(reason)} is not allowed; use one of ${allowed.join(', ')}.`);
  }

  const allowed = req.account ? await accountMayRevoke(s, req.account, record, cert) : await keyMatches(req.jws, cert);
  if (!allowed) {
    throw acmeProblems.unauthorized(
      req.account
        ? 'This account neither ordered this certificate nor holds valid authorizations for all of its names.'
        : 'The JWS key ("jwk") is not the public key of this certificate.',
    );
  }

  await s.ra.revoke(record, reason);
  return { status: 200, body: null, headers: {} };
}
