/**
 * DNS names of an order: syntax, normalization and the bare/www pairing.
 * The registrable domain comes from the Public Suffix List through tldts, so that "example.co.uk" is
 * known as bare and "shop.example.co.uk" is not.
 */
import { getDomain } from 'tldts';
import { problems } from '../core/problem.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-cases, drops a trailing dot, converts nothing else: IDNs must arrive as A-labels (xn--). */
export function normalizeName(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

/** Why a name is not a valid DNS name for a certificate, or undefined when it is. */
export function nameFault(name: string, allowWildcard: boolean): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return 'is longer than 253 characters';
  const labels = name.split('.');
  let rest = labels;
  if (labels[0] === '*') {
    if (!allowWildcard) return 'is a wildcard, which this order type does not allow';
    rest = labels.slice(1);
  }
  if (rest.length < 2) return 'is not a fully qualified domain name';
  for (const l of rest) {
    if (!LABEL.test(l)) return `has an invalid label "${l}" (letters, digits and inner hyphens only; non-ASCII names as xn--)`;
  }
  if (/^\d+$/.test(rest[rest.length - 1]!)) return 'is an IP address, not a domain name';
  if (!getDomain(rest.join('.'), { allowPrivateDomains: false })) return 'is a public suffix, not a domain one can own';
  return undefined;
}

/**
 * Normalizes and checks the names of an order; the order of first appearance is kept (the first is the CN).
 * Throws a validation problem naming the field and the fault.
 */
export function checkDomains(raw: string[], field = 'domains', allowWildcard = true): string[] {
  if (raw.length === 0) throw problems.validation(`${field}: at least one domain name is required`, { field });
  const out: string[] = [];
  raw.forEach((r, i) => {
    const name = normalizeName(r);
    const fault = nameFault(name, allowWildcard);
    if (fault) throw problems.validation(`${field}[${i}]: "${r}" ${fault}`, { field: `${field}[${i}]` });
    if (!out.includes(name)) out.push(name);
  });
  return out;
}

/**
 * Adds the bare domain for a www host and the www host for a bare domain, right after the name that asked
 * for it (a certificate for only one of the two is the most common support case).
 */
export function withWwwCounterparts(names: string[]): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  for (const n of names) {
    add(n);
    if (n.startsWith('*.')) continue;
    const registrable = getDomain(n, { allowPrivateDomains: false });
    if (registrable === n) add(`www.${n}`);
    else if (n.startsWith('www.') && registrable === n.slice(4)) add(n.slice(4));
  }
  return out;
}

export function sameNames(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((n) => sb.has(n));
}
