/**
 * dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.<domain> must hold base64url(SHA-256(key
 * authorization)). For a wildcard "*.a.example" the record is at _acme-challenge.a.example. Other TXT
 * records may sit beside it (several pending orders, other tools). A CNAME at that name is followed by the
 * resolver, so delegating _acme-challenge to another zone works.
 */
import { acmeProblems } from '../core/problem.js';
import type { DnsResolver } from './ports.js';
import { dns01TxtValue } from './key-authorization.js';
import { excerpt } from './untrusted.js';
import { baseDomain } from '../core/hostname.js';
import { invalid, valid, type ValidationResult } from './result.js';

export const dns01RecordName = (domain: string): string => `_acme-challenge.${baseDomain(domain)}`;

export async function validateDns01(domain: string, keyAuth: string, resolver: DnsResolver): Promise<ValidationResult> {
  const name = dns01RecordName(domain);
  const expected = await dns01TxtValue(keyAuth);
  const r = await resolver.txt(name);
  switch (r.status) {
    case 'failed':
      return invalid(acmeProblems.dns(`looking up TXT for ${name} failed: ${r.detail}`));
    case 'nxdomain':
    case 'nodata':
      return invalid(
        acmeProblems.unauthorized(
          `no TXT record at ${name}${r.status === 'nxdomain' ? ' (the name does not exist)' : ''}; expected one with ${JSON.stringify(expected)}`,
        ),
      );
    case 'found': {
      if (r.records.includes(expected)) return valid();
      const shown = r.records.slice(0, 3).map((v) => excerpt(v)).join(', ');
      const more = r.records.length > 3 ? ` and ${r.records.length - 3} more` : '';
      return invalid(
        acmeProblems.incorrectResponse(
          `TXT records found at ${name} but none matches: expected ${JSON.stringify(expected)}, found ${shown}${more}`,
        ),
      );
    }
  }
}
