/**
 * Revocation reasons (RFC 5280 §5.3.1 CRLReason). The Baseline Requirements (§7.2.2) allow a subscriber
 * certificate's CRL entry only these; "unspecified" is expressed by leaving the reason code out.
 */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
} as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[keyof typeof REVOCATION_REASONS];

const ALLOWED = new Set<number>(Object.values(REVOCATION_REASONS));

export function isRevocationReason(code: unknown): code is RevocationReason {
  return typeof code === 'number' && ALLOWED.has(code);
}
