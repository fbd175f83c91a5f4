/**
 * Reading upstream authorizations (RFC 8555 §7.1.4, §7.5): which challenge to tell the upstream to go ahead
 * with, and why an authorization failed, in the upstream's own words.
 */
import type { Authorization } from 'acme-client';

type Challenge = Authorization['challenges'][number];

/** http-01 first (the usual one), then dns-01 (the only one for wildcards), then anything else offered. */
const PREFERENCE = ['http-01', 'dns-01', 'tls-alpn-01'];

/** The challenge to answer for a pending authorization, unless one is already being processed. */
export function selectChallenge(authz: Authorization): Challenge | undefined {
  if (authz.challenges.some((c) => c.status === 'processing')) return undefined;
  const open = authz.challenges.filter((c) => c.status === 'pending');
  const rank = (c: Challenge) => {
    const i = PREFERENCE.indexOf(c.type);
    return i < 0 ? PREFERENCE.length : i;
  };
  return open.sort((a, b) => rank(a) - rank(b))[0];
}

/** The `detail` of an ACME problem object, if it has one. */
export function problemDetail(error: unknown): string | undefined {
  const detail = error && typeof error === 'object' ? (error as { detail?: unknown }).detail : undefined;
  return typeof detail === 'string' && detail ? detail.replace(/\s+/g, ' ').slice(0, 500) : undefined;
}

/** Why the first failed authorization failed (invalid, deactivated, expired, revoked), or undefined. */
export function whyInvalid(authzs: Authorization[]): string | undefined {
  const bad = authzs.find((a) => a.status !== 'pending' && a.status !== 'valid');
  if (!bad) return undefined;
  const name = `${bad.wildcard ? '*.' : ''}${bad.identifier.value}`;
  const detail = bad.challenges.map((c) => problemDetail(c.error)).find(Boolean);
  return `authorization for ${name} is ${bad.status}${detail ? `: ${detail}` : ''}`;
}
