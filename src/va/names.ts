/** Name helpers shared by the challenge checks: normal form, wildcard base, printable excerpts. */

/** Lower case, no trailing dot. */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase();
  return d.endsWith('.') ? d.slice(0, -1) : d;
}

export const isWildcard = (domain: string): boolean => domain.startsWith('*.');

/** "*.a.example" → "a.example"; other names unchanged. */
export const baseDomain = (domain: string): string => (isWildcard(domain) ? domain.slice(2) : domain);

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A DNS name we are willing to put in a query, a Host header and SNI (optionally one leading "*."). */
export function isDomainName(domain: string): boolean {
  const base = baseDomain(domain);
  if (base.length === 0 || base.length > 253) return false;
  return base.split('.').every((l) => LABEL.test(l));
}

/** RFC 8555 §8.1: tokens are base64url; anything else must never reach a URL path. */
export const isToken = (token: string): boolean => /^[A-Za-z0-9_-]{16,256}$/.test(token);

/** address:port with IPv6 in brackets. */
export const hostPort = (address: string, port: number): string =>
  `${address.includes(':') ? `[${address}]` : address}:${port}`;

/** A short, quoted, printable excerpt of untrusted text for a problem detail. */
export function excerpt(text: string, max = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > max ? clean.slice(0, max) + '…' : clean);
}
