/**
 * The newOrder payload (RFC 8555 §7.4), checked from its bytes alone: identifiers, notBefore/notAfter,
 * profile, replaces. What needs the store (plan, replaced certificate) is checked by the handler.
 *
 * - DNS identifiers only. IP identifiers (RFC 8738) are not supported: `unsupportedIdentifier`.
 * - Names are lower-cased; a name that is not a fully qualified DNS name one can own → `rejectedIdentifier`
 *   (several bad names: one problem with a subproblem per name, §6.7.1).
 * - `notBefore` is not supported (a certificate starts when it is issued); `notAfter` sets the validity.
 */
import { Problem, acmeProblems } from '../../core/problem.js';
import { DAY_MS } from '../../core/clock.js';
import type { AcmeIdentifier } from '../../core/store/acme.js';
import { nameFault, normalizeName } from '../../csr/names.js';
import { isJsonObject, quoted } from '../jws/flattened.js';
import { DEFAULT_PROFILE, PROFILES } from './profiles.js';

export const MAX_IDENTIFIERS = 100;

export interface NewOrderRequest {
  identifiers: AcmeIdentifier[];
  /** The identifier values: DNS names, wildcards with their "*.". */
  names: string[];
  notAfter: Date | null;
  profile: string | null;
  /** Validity asked for by `notAfter` or the profile; undefined = the plan's maximum. */
  validityDays: number | undefined;
  replaces: unknown;
}

/** Days from `now` to `notAfter`, rounded up (what the certificate will be asked to last). */
export function daysUntil(now: Date, notAfter: Date): number {
  return Math.max(1, Math.ceil((notAfter.getTime() - now.getTime()) / DAY_MS));
}

function identifierProblem(i: number, raw: unknown): { identifier?: AcmeIdentifier; problem?: Problem } {
  if (!isJsonObject(raw) || typeof raw.type !== 'string' || typeof raw.value !== 'string') {
    return { problem: acmeProblems.malformed(`identifiers[${i}] must be an object {"type": "dns", "value": "<name>"}.`) };
  }
  if (raw.type === 'ip') {
    return {
      problem: acmeProblems.unsupportedIdentifier(
        `identifiers[${i}]: IP address identifiers (RFC 8738) are not supported by this server; order DNS names.`,
        { identifier: { type: raw.type, value: raw.value.slice(0, 100) } },
      ),
    };
  }
  if (raw.type !== 'dns') {
    return {
      problem: acmeProblems.unsupportedIdentifier(`identifiers[${i}]: identifier type ${quoted(raw.type)} is not supported; use "dns".`),
    };
  }
  const name = normalizeName(raw.value);
  const fault = nameFault(name, true);
  if (fault) {
    return {
      problem: acmeProblems.rejectedIdentifier(`${quoted(raw.value)} ${fault}.`, { identifier: { type: 'dns', value: raw.value.slice(0, 300) } }),
    };
  }
  return { identifier: { type: 'dns', value: name } };
}

export function parseNewOrder(payload: Record<string, unknown>, now: Date): NewOrderRequest {
  const list = payload.identifiers;
  if (!Array.isArray(list) || list.length === 0) {
    throw acmeProblems.malformed('"identifiers" must be a non-empty array of {"type": "dns", "value": "<name>"}.');
  }
  if (list.length > MAX_IDENTIFIERS) throw acmeProblems.rejectedIdentifier(`An order may have at most ${MAX_IDENTIFIERS} identifiers.`);

  const identifiers: AcmeIdentifier[] = [];
  const problems: Problem[] = [];
  list.forEach((raw, i) => {
    const r = identifierProblem(i, raw);
    if (r.problem) problems.push(r.problem);
    else if (r.identifier && !identifiers.some((x) => x.value === r.identifier!.value)) identifiers.push(r.identifier);
  });
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    const types = new Set(problems.map((p) => p.type));
    const first = problems[0]!;
    throw new Problem(
      types.size === 1 ? first.type : acmeProblems.compound('').type,
      types.size === 1 ? first.title : acmeProblems.compound('').title,
      types.size === 1 ? first.status : 400,
      `${problems.length} identifiers cannot be ordered: ${problems.map((p) => p.detail).join(' ')}`,
      { extensions: { subproblems: problems.map((p) => p.toJSON()) } },
    );
  }

  if (payload.notBefore !== undefined) {
    throw acmeProblems.malformed('"notBefore" is not supported: certificates are valid from the moment they are issued.');
  }
  let notAfter: Date | null = null;
  if (payload.notAfter !== undefined) {
    const d = typeof payload.notAfter === 'string' ? new Date(payload.notAfter) : new Date(NaN);
    if (typeof payload.notAfter !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(payload.notAfter) || Number.isNaN(d.getTime())) {
      throw acmeProblems.malformed(`"notAfter" must be an RFC 3339 date-time, got ${quoted(payload.notAfter)}.`);
    }
    if (d.getTime() <= now.getTime() + 60 * 60 * 1000) throw acmeProblems.malformed('"notAfter" must be at least an hour in the future.');
    notAfter = d;
  }

  let profile: string | null = null;
  if (payload.profile !== undefined) {
    if (typeof payload.profile !== 'string' || !Object.hasOwn(PROFILES, payload.profile)) {
      throw acmeProblems.invalidProfile(`Profile ${quoted(payload.profile)} is not offered; the profiles are ${Object.keys(PROFILES).join(', ')}.`);
    }
    profile = payload.profile;
  }
  const profileDays = PROFILES[profile ?? DEFAULT_PROFILE]!.validityDays;
  const validityDays = notAfter ? daysUntil(now, notAfter) : profileDays;
  if (notAfter && profileDays !== undefined && validityDays !== undefined && validityDays > profileDays) {
    throw acmeProblems.malformed(`"notAfter" is beyond the ${profileDays} days of profile ${quoted(profile)}.`);
  }

  return { identifiers, names: identifiers.map((x) => x.value), notAfter, profile, validityDays, replaces: payload.replaces };
}
