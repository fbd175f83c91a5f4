/**
 * The intermediate's certificate revocation list (RFC 5280 §5, BR §7.2): the revoked serials with their
 * revocation dates and reason codes, thisUpdate/nextUpdate, a CRL number and the authority key identifier.
 *
 * @peculiar/x509 2.x has an X509CrlGenerator, which builds and signs the CertificateList, so it is used.
 * Two things are done by hand: the CRL number extension has no class there (its value is a DER INTEGER,
 * encoded here), and the generator's empty entry extensions are mended (see withoutEmptyEntryExtensions).
 * The caller keeps the revoked certificates and the CRL number in its store; this module stores nothing.
 */
import { loadX509, x509, type X509 } from '../core/x509-lazy.js';
import type { Clock } from '../core/clock.js';
import { fromHex } from '../core/encoding.js';
import { toPem } from '../core/pem.js';
import { signatures } from '../core/signature-engine.js';
import { children, ecdsaSignatureToDer, parse, tlv, unsignedInteger } from '../core/der.js';
import type { LoadedCa } from './hierarchy.js';
import type { CaSigning } from './algorithms.js';
import { isRevocationReason, type RevocationReason } from './revocation.js';
import { wholeSeconds } from './validity.js';

const CRL_NUMBER_OID = '2.5.29.20';
/** BR §4.9.7: a subscriber CRL's nextUpdate is at most ten days after its thisUpdate. */
export const MAX_CRL_LIFETIME_SECONDS = 10 * 86400;
export const DEFAULT_CRL_LIFETIME_SECONDS = 7 * 86400;

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  /** Left out of the entry when unspecified (0) or absent. */
  reason?: RevocationReason;
}

export interface CrlParams {
  ca: LoadedCa;
  clock: Clock;
  entries: RevokedEntry[];
  /** Monotonically increasing per CRL issued (RFC 5280 §5.2.3); at most 20 octets. */
  crlNumber: bigint | number;
  lifetimeSeconds?: number;
}

export interface SignedCrl {
  der: Uint8Array<ArrayBuffer>;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
}

function crlNumberExtension(n: bigint): X509.Extension {
  if (n < 0n) throw new RangeError('a CRL number is not negative');
  const value = unsignedInteger(fromHex(n.toString(16)));
  if (value.length - 2 > 20) throw new RangeError('a CRL number has at most 20 octets (RFC 5280 §5.2.3)');
  return new x509.Extension(CRL_NUMBER_OID, false, value);
}

/**
 * X509CrlGenerator (2.2) writes an empty crlEntryExtensions SEQUENCE for every entry without a reason code,
 * which RFC 5280 does not allow (Extensions ::= SEQUENCE SIZE (1..MAX)). This drops those and signs the
 * mended TBSCertList again; when no entry needs it (all have reasons, or the library is fixed), the
 * generator's CRL is returned as it is.
 */
async function withoutEmptyEntryExtensions(der: Uint8Array<ArrayBuffer>, key: CryptoKey, signature: CaSigning['signature']): Promise<Uint8Array<ArrayBuffer>> {
  const [tbs, signatureAlgorithm] = children(parse(der).content);
  if (!tbs || !signatureAlgorithm) throw new Error('CRL: not a CertificateList');
  const tbsParts = children(tbs.content).map((t) => t.bytes);
  // version, signature, issuer, thisUpdate come first; the revoked list is the next SEQUENCE.
  const listIndex = tbsParts.findIndex((b, i) => i >= 3 && b[0] === 0x30);
  if (listIndex < 0) return der;
  let mended = false;
  const entries = children(parse(tbsParts[listIndex]!).content).map((entry) => {
    const [serial, date, extensions, ...rest] = children(entry.content);
    if (serial && date && extensions && rest.length === 0 && extensions.tag === 0x30 && extensions.content.length === 0) {
      mended = true;
      return tlv(0x30, serial.bytes, date.bytes);
    }
    return entry.bytes;
  });
  if (!mended) return der;
  tbsParts[listIndex] = tlv(0x30, ...entries);
  const tbsDer = tlv(0x30, ...tbsParts);
  const signed = await signatures().signEcdsa(key, signature.hash, tbsDer);
  return tlv(0x30, tbsDer, signatureAlgorithm.bytes, tlv(0x03, new Uint8Array([0]), ecdsaSignatureToDer(signed)));
}

export async function signCrl(params: CrlParams): Promise<SignedCrl> {
  await loadX509();
  const lifetime = params.lifetimeSeconds ?? DEFAULT_CRL_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_CRL_LIFETIME_SECONDS) {
    throw new RangeError(`CRL lifetime must be 1 to ${MAX_CRL_LIFETIME_SECONDS} seconds`);
  }
  const crlNumber = BigInt(params.crlNumber);
  const thisUpdate = wholeSeconds(params.clock.now());
  const nextUpdate = new Date(thisUpdate.getTime() + lifetime * 1000);
  for (const e of params.entries) {
    if (!/^[0-9a-f]+$/i.test(e.serialHex)) throw new RangeError(`not a hexadecimal serial: ${e.serialHex}`);
    if (e.reason !== undefined && !isRevocationReason(e.reason)) throw new RangeError(`reason code ${e.reason} not allowed`);
  }

  const crl = await x509.X509CrlGenerator.create({
    issuer: params.ca.intermediate.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: params.ca.signingKey,
    signingAlgorithm: params.ca.signing.signature,
    extensions: [new x509.AuthorityKeyIdentifierExtension(params.ca.keyIdHex, false), crlNumberExtension(crlNumber)],
    entries: params.entries.map((e) => ({
      serialNumber: e.serialHex.toLowerCase(),
      revocationDate: wholeSeconds(e.revokedAt),
      // The generator leaves out a reason of 0 (unspecified), as BR §7.2.2 wants.
      reason: e.reason,
    })),
  });
  const der = await withoutEmptyEntryExtensions(new Uint8Array(crl.rawData), params.ca.signingKey, params.ca.signing.signature);
  return {
    der,
    pem: toPem('X509 CRL', der),
    thisUpdate,
    nextUpdate,
    crlNumber,
  };
}
