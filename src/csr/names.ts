/**
 * The names of an order: the list a customer sends, checked and normalized by the host-name rules of
 * src/core/hostname.ts, and the bare/www pairing. Faults are domain errors (`invalid`, naming the field).
 */
import { domainErrors } from '../core/errors.js';
import { nameFault, normalizeName, registrableDomain } from '../core/hostname.js';

/**
 * Normalizes and checks the names of an order; the order of first appearance is kept (the first is the CN).
 * Throws a domain error (`invalid`) naming the field and the fault.
 */
export function checkDomains(raw: string[], field = 'domains', allowWildcard = true): string[] {
  if (raw.length === 0) throw domainErrors.invalid(`${field}: at least one domain name is required`, field);
  const out: string[] = [];
  raw.forEach((r, i) => {
    const name = normalizeName(r);
    const fault = nameFault(name, allowWildcard);
    if (fault) throw domainErrors.invalid(`${field}[${i}]: "${r}" ${fault}`, `${field}[${i}]`);
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
    const registrable = registrableDomain(n);
    if (registrable === n) add(`www.${n}`);
    else if (n.startsWith('www.') && registrable === n.slice(4)) add(n.slice(4));
  }
  return out;
}
