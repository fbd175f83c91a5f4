/**
 * Account contacts (RFC 8555 §7.3): `mailto:` URLs only, one plain address each. Another scheme →
 * `unsupportedContact`; a `mailto:` that is not one valid address (hfields, several addresses, bad
 * syntax) → `invalidContact`.
 */
import { acmeProblems } from '../../core/problem.js';

export const MAX_CONTACTS = 10;

const LOCAL = /^[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/;

const shown = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);

/** Checks `contact` of newAccount or an account update; undefined when the member is absent. */
export function checkContacts(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw acmeProblems.malformed('"contact" must be an array of mailto: URLs.');
  if (value.length > MAX_CONTACTS) throw acmeProblems.malformed(`"contact" may list at most ${MAX_CONTACTS} addresses.`);
  const out: string[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string') throw acmeProblems.malformed('"contact" entries must be strings (mailto: URLs).');
    const colon = entry.indexOf(':');
    const scheme = colon > 0 ? entry.slice(0, colon).toLowerCase() : '';
    if (scheme !== 'mailto') {
      throw acmeProblems.unsupportedContact(`Contact ${shown(entry)} is not supported: only mailto: URLs are accepted.`);
    }
    const address = entry.slice(colon + 1);
    if (address.includes('?')) throw acmeProblems.invalidContact(`Contact ${shown(entry)} has header fields ("?…"); send a plain mailto:address.`);
    if (address.includes(',') || address.includes('%2C') || address.includes('%2c')) {
      throw acmeProblems.invalidContact(`Contact ${shown(entry)} lists several addresses; send one mailto: URL per address.`);
    }
    const at = address.lastIndexOf('@');
    const local = at > 0 ? address.slice(0, at) : '';
    const domain = at > 0 ? address.slice(at + 1) : '';
    if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..') || !DOMAIN.test(domain)) {
      throw acmeProblems.invalidContact(`Contact ${shown(entry)} is not a valid email address.`);
    }
    const normalized = `mailto:${local}@${domain.toLowerCase()}`;
    if (!out.includes(normalized)) out.push(normalized);
  }
  return out;
}
