/**
 * The one CAA step (RFC 8659, with RFC 8657 accounturi and validationmethods) before every issuance, for
 * every order kind: each name is looked up once (duplicates dropped), a few at a time, and a refusal
 * becomes one `caa` domain error naming every refused name (subproblems, RFC 8555 §6.7.1).
 */
import type { ValidationAuthority } from '../va/va.js';
import { newCaaLookups } from '../va/caa.js';
import { domainErrors, type DomainError } from '../core/errors.js';

export interface CaaName {
  /** As ordered ("*.example.com" for a wildcard). */
  name: string;
  /** The challenge type that validated it (RFC 8657 validationmethods). */
  method?: string;
}

export interface CaaRefusal {
  name: string;
  detail: string;
  problem: Record<string, unknown>;
}

/** Names checked at once: enough to keep latency low, few enough not to hold many sockets. */
export const CAA_CONCURRENCY = 4;

/** Checks every name; returns the refusals (empty = issuance allowed). */
export async function caaRefusals(va: ValidationAuthority, names: readonly CaaName[], accountUri?: string): Promise<CaaRefusal[]> {
  const unique = new Map<string, CaaName>();
  for (const n of names) if (!unique.has(n.name)) unique.set(n.name, n);
  const queue = [...unique.values()];
  const refusals: CaaRefusal[] = [];
  // The names' climbs share their parents' answers ("example.com", "com" are asked once per request).
  const lookups = newCaaLookups();
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const r = await va.checkCaa(next.name, { accountUri, method: next.method, lookups });
      if (!r.ok) refusals.push({ name: next.name, detail: r.problem.detail, problem: r.problem.toJSON() });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CAA_CONCURRENCY, queue.length) }, worker));
  const order = [...unique.keys()];
  return refusals.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** The refusals as one domain error: the single problem's detail, or one with subproblems. */
export function caaError(refusals: readonly CaaRefusal[]): DomainError {
  if (refusals.length === 1) {
    const r = refusals[0]!;
    return domainErrors.caa(r.detail, { extensions: { identifier: { type: 'dns', value: r.name } } });
  }
  return domainErrors.caa(refusals.map((r) => r.detail).join('; '), {
    extensions: { subproblems: refusals.map((r) => ({ ...r.problem, identifier: { type: 'dns', value: r.name } })) },
  });
}
