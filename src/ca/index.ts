/** The embedded CA: pure, storage-free modules. The order flow uses the Issuer interface and EmbeddedCa. */
export type { Issuer, IssueRequest, IssueResult, Issued, Pending, Failed } from './issuer.js';
export { EmbeddedCa, type EmbeddedCaOptions } from './embedded.js';
export { createHierarchy, loadCa, type CaMaterial, type CaMaterialToLoad, type HierarchyOptions, type LoadedCa } from './hierarchy.js';
export { signLeaf, type CaUrls, type LeafContext, type LeafRequest, type SignedLeaf } from './leaf.js';
export { signCrl, MAX_CRL_LIFETIME_SECONDS, DEFAULT_CRL_LIFETIME_SECONDS, type CrlParams, type RevokedEntry, type SignedCrl } from './crl.js';
export { REVOCATION_REASONS, isRevocationReason, type RevocationReason } from './revocation.js';
export {
  CERTIFICATE_FORMATS,
  fileBaseName,
  isCertificateFormat,
  parsePemCertificates,
  renderCertificate,
  type CertificateDownload,
  type CertificateFormat,
  type IssuedPems,
} from './formats.js';
export { maxValidityDays, allowedValidityDays, validityDaysFor, notAfterFor, BR_VALIDITY_STEPS } from './validity.js';
export { POLICY_OIDS } from './policies.js';
