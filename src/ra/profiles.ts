/**
 * Certificate profiles (draft-ietf-acme-profiles), listed in the directory's `meta.profiles` and chosen
 * with `profile` in newOrder. A profile only sets the validity here: every certificate is a DV TLS server
 * certificate of the Baseline Requirements profile.
 */
export interface Profile {
  description: string;
  /** Validity in days; undefined = the plan's maximum (the CA caps it at the Baseline Requirements limit). */
  validityDays: number | undefined;
}

export const PROFILES: Record<string, Profile> = {
  tlsserver: {
    description: "TLS server certificate (DV) valid for the plan's longest validity, at most the Baseline Requirements limit",
    validityDays: undefined,
  },
  shortlived: {
    description: 'Short-lived TLS server certificate (DV) valid for 7 days',
    validityDays: 7,
  },
};

export const DEFAULT_PROFILE = 'tlsserver';
