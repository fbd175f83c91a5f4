/**
 * CAA (RFC 8659) with the ACME parameters of RFC 8657.
 *
 * 1. The relevant RRset (§3): CAA at the name (for "*.a.example": at a.example), then at each parent up to
 *    the TLD; the first non-empty set wins. A lookup failure (SERVFAIL, timeout; not NXDOMAIN or "no
 *    records") at or before that point forbids issuance. The climb asks one name at a time and stops at the
 *    first set or failure (one socket per name checked, not one per label), and the callers of one request
 *    share a `CaaLookups` so a parent common to several names ("example.com", "com") is asked once. Across
 *    requests, the VA's CaaCache keeps answers for as long as their TTL allows (caa-cache.ts).
 * 2. A critical property (flag bit 128) with a tag we do not know forbids issuance (§4.1).
 * 3. Wildcards use `issuewild` when present, else `issue` (§4.3); other names use `issue`. No such
 *    property at all: issuance is allowed (§4.2).
 * 4. A property authorizes us when its issuer-domain-name is one of our CAA identities (case-insensitive)
 *    and its parameters allow it: `accounturi` must equal the ACME account URI and `validationmethods` must
 *    list the validation method (RFC 8657 §3, §4). When the caller gives no account URI or no method, a
 *    record carrying that parameter does not authorize (the restriction cannot be shown to be met).
 *    Unknown parameters are ignored; a value that does not parse authorizes nothing.
 */
import { acmeProblems } from '../core/problem.js';
import type { CaaRecord, DnsLookup, DnsResolver } from './ports.js';
import { excerpt } from './untrusted.js';
import { baseDomain, isWildcard, nameSyntaxFault } from '../core/hostname.js';
import type { CaaResult } from './result.js';
import type { CaaCache } from './caa-cache.js';

export interface CaaCheckOptions {
  /** The ACME account URL the order belongs to (RFC 8657 accounturi). */
  accountUri?: string;
  /** The validation method used, e.g. "dns-01" (RFC 8657 validationmethods). */
  method?: string;
  /** CAA answers shared by the checks of one request (newCaaLookups()); without it nothing is shared. */
  lookups?: CaaLookups;
  /** Answers kept across requests for as long as their TTL allows (caa-cache.ts; the VA's). */
  cache?: CaaCache;
}

/** CAA look-ups of one request by name: the climbs of several names share their parents' answers. */
export type CaaLookups = Map<string, Promise<DnsLookup<CaaRecord>>>;
export const newCaaLookups = (): CaaLookups => new Map();

function lookupCaa(resolver: DnsResolver, name: string, opts: CaaCheckOptions): Promise<DnsLookup<CaaRecord>> {
  const { lookups, cache } = opts;
  let answer = lookups?.get(name);
  if (answer) return answer;
  const kept = cache?.get(name);
  answer = kept
    ? Promise.resolve(kept)
    : resolver.caa(name).then((a) => {
        cache?.put(name, a);
        return a;
      });
  lookups?.set(name, answer);
  return answer;
}

const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc']);

/** The names whose CAA sets are looked at, most specific first, TLD last. */
export function caaSearchNames(domain: string): string[] {
  const labels = baseDomain(domain).split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

export const formatCaa = (r: CaaRecord): string => `${r.flags} ${r.tag} ${excerpt(r.value, 200)}`;

interface IssueValue {
  issuer: string;
  params: Map<string, string>;
}

/** RFC 8659 §4.2: [issuer-domain-name] [";" [parameter *(";" parameter)]], white space around tokens. */
export function parseIssueValue(value: string): IssueValue | null {
  const [head = '', ...rest] = value.split(';');
  const issuer = head.trim().toLowerCase().replace(/\.$/, '');
  if (issuer !== '' && nameSyntaxFault(issuer, { singleLabel: true }) !== undefined) return null;
  const params = new Map<string, string>();
  const parts = rest.map((p) => p.trim());
  // A single trailing ";" (e.g. "ca.example;") is allowed; empty parameters elsewhere are not.
  if (parts.length === 1 && parts[0] === '') return { issuer, params };
  for (const p of parts) {
    const m = /^([A-Za-z0-9](?:-*[A-Za-z0-9])*)[ \t]*=[ \t]*([\x21-\x3a\x3c-\x7e]*)$/.exec(p);
    if (!m) return null;
    const tag = m[1]!.toLowerCase();
    if (params.has(tag)) return null; // a repeated parameter is ambiguous: treat the value as malformed
    params.set(tag, m[2]!);
  }
  return { issuer, params };
}

/** Why one issue/issuewild property does not authorize us, or null when it does. */
function refusal(record: CaaRecord, identities: Set<string>, opts: CaaCheckOptions): string | null {
  const parsed = parseIssueValue(record.value);
  if (!parsed) return 'has a value that cannot be parsed';
  if (parsed.issuer === '') return 'forbids issuance by any CA';
  if (!identities.has(parsed.issuer)) return `authorizes ${parsed.issuer}, not ${[...identities].join(' or ')}`;
  const account = parsed.params.get('accounturi');
  if (account !== undefined && account !== opts.accountUri) {
    return opts.accountUri
      ? `is limited to ACME account ${account} (this order's account is ${opts.accountUri})`
      : `is limited to ACME account ${account}, and this order has no ACME account`;
  }
  const methods = parsed.params.get('validationmethods');
  if (methods !== undefined) {
    const list = methods.split(',').map((m) => m.trim().toLowerCase());
    if (!opts.method || !list.includes(opts.method.toLowerCase())) {
      return `is limited to validation methods ${methods}${opts.method ? ` (this order used ${opts.method})` : ''}`;
    }
  }
  return null;
}

export async function checkCaa(
  resolver: DnsResolver,
  domain: string,
  caaIdentities: readonly string[],
  opts: CaaCheckOptions = {},
): Promise<CaaResult> {
  const identities = new Set(caaIdentities.map((i) => i.trim().toLowerCase().replace(/\.$/, '')));
  // One name at a time, most specific first: a failure above the relevant set is moot, so it is never asked.
  let at = '';
  let records: CaaRecord[] = [];
  for (const name of caaSearchNames(domain)) {
    const r = await lookupCaa(resolver, name, opts);
    if (r.status === 'failed') {
      return {
        ok: false,
        problem: acmeProblems.dns(`looking up CAA for ${name} failed (${r.detail}); issuance is not allowed while CAA cannot be checked`),
      };
    }
    if (r.status === 'found') {
      at = name;
      records = r.records;
      break;
    }
  }
  if (records.length === 0) return { ok: true };

  const criticalUnknown = records.find((r) => (r.flags & 0x80) !== 0 && !KNOWN_TAGS.has(r.tag.toLowerCase()));
  if (criticalUnknown) {
    return {
      ok: false,
      problem: acmeProblems.caa(
        `CAA record at ${at} (${formatCaa(criticalUnknown)}) is marked critical with a property we do not know, which forbids issuance`,
      ),
    };
  }

  const byTag = (tag: string) => records.filter((r) => r.tag.toLowerCase() === tag);
  const wild = isWildcard(domain);
  const relevant = wild && byTag('issuewild').length > 0 ? byTag('issuewild') : byTag('issue');
  if (relevant.length === 0) return { ok: true };

  const reasons: string[] = [];
  for (const r of relevant) {
    const why = refusal(r, identities, opts);
    if (why === null) return { ok: true };
    reasons.push(`${formatCaa(r)} ${why}`);
  }
  const subject = wild ? `wildcard ${domain}` : domain;
  return {
    ok: false,
    problem: acmeProblems.caa(
      `CAA record${relevant.length > 1 ? 's' : ''} at ${at} forbid${relevant.length > 1 ? '' : 's'} issuance for ${subject}: ${reasons.join('; ')}`,
    ),
  };
}
