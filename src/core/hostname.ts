/**
 * Host-name rules, the one home: the normal form (lower case, no trailing dot; IDNs arrive as A-labels),
 * label and length syntax (RFC 1035 §2.3.1 / RFC 1123 §2.1 letters-digits-hyphens), wildcards ("*." first
 * label only), and what a certificate may name: a fully qualified name that is not a public suffix, the
 * registrable domain coming from the Public Suffix List through tldts ("example.co.uk" is bare,
 * "shop.example.co.uk" is not; ./psl.ts loads it on first need, so nameFault runs after loadPsl()).
 * Runtime-agnostic: used on Node, Workers and in the portal's browser bundle.
 */
import { registrableDomain } from './psl.js';

export { loadPsl, registrableDomain } from './psl.js';

export const MAX_NAME_LENGTH = 253;

const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** DNS itself allows "_" (e.g. "_acme-challenge"); certificates do not. */
const LDH_UNDERSCORE_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lower-cases, drops a trailing dot, converts nothing else: IDNs must arrive as A-labels (xn--). */
export function normalizeName(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

export const isWildcard = (name: string): boolean => name.startsWith('*.');

/** "*.a.example" → "a.example"; other names unchanged. */
export const baseDomain = (name: string): string => (isWildcard(name) ? name.slice(2) : name);

export interface NameSyntaxOptions {
  /** Allow one leading "*." label. */
  wildcard?: boolean;
  /** Allow a name of one label ("localhost", a CAA issuer "ca"). */
  singleLabel?: boolean;
  /** Allow "_" in labels (names to look up in DNS, not names to certify). */
  underscore?: boolean;
}

/** Why a normalized name breaks the syntax rules, or undefined when it keeps them. */
export function nameSyntaxFault(name: string, opts: NameSyntaxOptions = {}): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  const labels = name.split('.');
  let rest = labels;
  if (labels[0] === '*') {
    if (!opts.wildcard) return 'is a wildcard, which this order type does not allow';
    rest = labels.slice(1);
  }
  if (rest.length < (opts.singleLabel ? 1 : 2)) return 'is not a fully qualified domain name';
  const label = opts.underscore ? LDH_UNDERSCORE_LABEL : LDH_LABEL;
  for (const l of rest) {
    if (!label.test(l)) return `has an invalid label "${l}" (letters, digits and inner hyphens only; non-ASCII names as xn--)`;
  }
  return undefined;
}

/** Why a normalized name cannot be in a certificate, or undefined when it can. After loadPsl(). */
export function nameFault(name: string, allowWildcard: boolean): string | undefined {
  const syntax = nameSyntaxFault(name, { wildcard: allowWildcard });
  if (syntax) return syntax;
  const labels = baseDomain(name).split('.');
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'is an IP address, not a domain name';
  if (!registrableDomain(labels.join('.'))) return 'is a public suffix, not a domain one can own';
  return undefined;
}

/** A DNS name we are willing to put in a query, a Host header and SNI (optionally one leading "*."). */
export const isDnsName = (name: string): boolean =>
  nameSyntaxFault(name, { wildcard: true, singleLabel: true, underscore: true }) === undefined;

/** The same set of names, in any order and with repeats. */
export function sameNames(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((n) => sb.has(n));
}
