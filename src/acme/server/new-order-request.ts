/**
 * The newOrder payload (RFC 8555 §7.4), checked from its bytes alone: identifiers, notBefore/notAfter,
 * profile, replaces. What needs the store (plan, replaced certificate) is checked by the handler.
 *
 * - DNS identifiers; IP identifiers (RFC 8738) only with EABGATE_ACME_IP_IDENTIFIERS=true (else
 *   `unsupportedIdentifier`, saying how to enable them). An IP value must be an IPv4 dotted quad or an IPv6
 *   address in text form (§3), stored in canonical form (RFC 5952); anything else → `malformed`. Any
 *   syntactically valid address is accepted, reserved ranges included: see README, "IP identifiers".
 * - Names are lower-cased; a name that is not a fully qualified DNS name one can own → `rejectedIdentifier`
 *   (several bad names: one problem with a subproblem per name, §6.7.1).
 * - `notBefore` is not supported (a certificate starts when it is issued); `notAfter` sets the validity.
 */
import { Problem, acmeProblems } from '../../core/problem.js';
import { DAY_MS } from '../../core/clock.js';
import type { AcmeIdentifier } from '../../core/store/acme.js';
import { nameFault, normalizeName } from '../../core/hostname.js';
import { isIpv4Mapped, parseIpAddress } from '../../core/ip.js';
import { isJsonObject, quoted } from '../jws/flattened.js';
import { DEFAULT_PROFILE, PROFILES } from '../../ra/profiles.js';

export const MAX_IDENTIFIERS = 100;

export interface NewOrderRequest {
  identifiers: AcmeIdentifier[];
  /** The identifier values: DNS names, wildcards with their "*.", IP addresses in canonical text. */
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

export interface NewOrderOptions {
  /** EABGATE_ACME_IP_IDENTIFIERS: accept `{"type": "ip"}` identifiers (RFC 8738). */
  ipIdentifiers: boolean;
}

/** RFC 8738 §3: an IPv4 dotted quad or an IPv6 address in text form; no wildcards, prefixes or zones. */
function ipIdentifier(i: number, value: string): { identifier?: AcmeIdentifier; problem?: Problem } {
  const shown = { identifier: { type: 'ip', value: value.slice(0, 100) } };
  const ip = parseIpAddress(value);
  if (!ip) {
    const why = value.includes('*')
      ? 'wildcards are not possible for IP addresses'
      : value.includes('/')
        ? 'an address range (prefix) cannot be ordered, only one address'
        : 'it must be an IPv4 address in dotted-quad form (e.g. 192.0.2.1) or an IPv6 address (e.g. 2001:db8::1), without brackets, zone or port';
    return { problem: acmeProblems.malformed(`identifiers[${i}]: ${quoted(value.slice(0, 100))} is not an IP address: ${why}.`, shown) };
  }
  if (isIpv4Mapped(ip)) {
    const v4 = Array.from(ip.bytes.subarray(12)).join('.');
    return { problem: acmeProblems.rejectedIdentifier(`identifiers[${i}]: ${quoted(value)} is an IPv4-mapped IPv6 address; order ${v4} itself.`, shown) };
  }
  return { identifier: { type: 'ip', value: ip.text } };
}

function identifierProblem(i: number, raw: unknown, opts: NewOrderOptions): { identifier?: AcmeIdentifier; problem?: Problem } {
  if (!isJsonObject(raw) || typeof raw.type !== 'string' || typeof raw.value !== 'string') {
    return { problem: acmeProblems.malformed(`identifiers[${i}] must be an object {"type": "dns", "value": "<name>"}.`) };
  }
  if (raw.type === 'ip') {
    if (opts.ipIdentifiers) return ipIdentifier(i, raw.value);
    return {
      problem: acmeProblems.unsupportedIdentifier(
        `identifiers[${i}]: IP address identifiers (RFC 8738) are not supported by this server as configured; order DNS names ` +
          '(the operator enables IP identifiers with EABGATE_ACME_IP_IDENTIFIERS=true).',
        { identifier: { type: raw.type, value: raw.value.slice(0, 100) } },
      ),
    };
  }
  if (raw.type !== 'dns') {
    return {
      problem: acmeProblems.unsupportedIdentifier(
        `identifiers[${i}]: identifier type ${quoted(raw.type)} is not supported; use "dns"${opts.ipIdentifiers ? ' or "ip"' : ''}.`,
      ),
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

export function parseNewOrder(
  payload: Record<string, unknown>,
  now: Date,
  opts: NewOrderOptions = { ipIdentifiers: false },
): NewOrderRequest {
  const list = payload.identifiers;
  if (!Array.isArray(list) || list.length === 0) {
    throw acmeProblems.malformed('"identifiers" must be a non-empty array of {"type": "dns", "value": "<name>"}.');
  }
  if (list.length > MAX_IDENTIFIERS) throw acmeProblems.rejectedIdentifier(`An order may have at most ${MAX_IDENTIFIERS} identifiers.`);

  const identifiers: AcmeIdentifier[] = [];
  const problems: Problem[] = [];
  list.forEach((raw, i) => {
    const r = identifierProblem(i, raw, opts);
    if (r.problem) problems.push(r.problem);
    else if (r.identifier && !identifiers.some((x) => x.type === r.identifier!.type && x.value === r.identifier!.value)) {
      identifiers.push(r.identifier);
    }
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
