/** The wire objects of RFC 8555 §7.1.2–§7.1.5, built from stored records. */
import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrderRecord,
} from '../../core/store/acme.js';
import type { AcmeLinks } from './links.js';
import type { StoredProblem } from '../../core/store/acme.js';
import { fromDoc } from '../../core/errors.js';
import { acmeProblem } from './domain-errors.js';

/** A stored error as RFC 8555 problem: a domain error is rendered, a VA problem document is one already. */
export function problemView(stored: StoredProblem): Record<string, unknown> {
  const e = fromDoc(stored);
  return e ? { ...acmeProblem(e).toJSON() } : stored;
}

const CHALLENGE_ORDER = ['http-01', 'dns-01', 'tls-alpn-01'];
const byChallengeType = (a: AcmeChallengeRecord, b: AcmeChallengeRecord) => CHALLENGE_ORDER.indexOf(a.type) - CHALLENGE_ORDER.indexOf(b.type);

/**
 * The account object (RFC 8555 §7.1.2). `key` is the account's public JWK (RFC 7638 members), as Boulder
 * and Pebble send it: clients compare it with their key (acme-client, Posh-ACME), and keyChange shows the
 * new one.
 */
export function accountView(l: AcmeLinks, a: AcmeAccountRecord, extra: Record<string, unknown> = {}) {
  return { status: a.status, contact: a.contact, key: a.jwk, orders: l.orders(a.id), createdAt: a.createdAt.toISOString(), ...extra };
}

export function orderView(l: AcmeLinks, o: AcmeOrderRecord, authzIds: string[]) {
  return {
    status: o.status,
    expires: o.expires.toISOString(),
    identifiers: o.identifiers,
    ...(o.notBefore ? { notBefore: o.notBefore.toISOString() } : {}),
    ...(o.notAfter ? { notAfter: o.notAfter.toISOString() } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.replaces ? { replaces: o.replaces } : {}),
    authorizations: authzIds.map((id) => l.authorization(id)),
    finalize: l.finalize(o.id),
    ...(o.certificateId && o.status === 'valid' ? { certificate: l.certificate(o.certificateId) } : {}),
    ...(o.error ? { error: problemView(o.error) } : {}),
  };
}

export function challengeView(l: AcmeLinks, ch: AcmeChallengeRecord) {
  return {
    type: ch.type,
    url: l.challenge(ch.id),
    status: ch.status,
    token: ch.token,
    ...(ch.validated ? { validated: ch.validated.toISOString() } : {}),
    ...(ch.error ? { error: problemView(ch.error) } : {}),
  };
}

export function authorizationView(l: AcmeLinks, a: AcmeAuthorizationRecord, challenges: AcmeChallengeRecord[]) {
  // A valid authorization lists the challenge that validated it (RFC 8555 §7.1.4); others list them all.
  const shown = a.status === 'valid' ? challenges.filter((ch) => ch.status === 'valid') : challenges;
  return {
    identifier: { type: a.identifierType, value: a.identifierValue },
    status: a.status,
    expires: a.expires.toISOString(),
    challenges: [...shown].sort(byChallengeType).map((ch) => challengeView(l, ch)),
    ...(a.wildcard ? { wildcard: true } : {}),
  };
}
