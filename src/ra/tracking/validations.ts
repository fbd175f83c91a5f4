/**
 * Domain validation of tracking orders, as RFC 8555 defines it: per domain a token, and the customer may
 * satisfy either http-01 (a file under /.well-known/acme-challenge/) or dns-01 (a TXT record). There is no
 * ACME account behind such an order, so the key authorization binds the token to the order instead: its
 * second half is the RFC 7638 thumbprint of a per-order symmetric JWK derived from the order id.
 */
import type { JWK } from 'jose';
import type { Clock } from '../../core/clock.js';
import type { Keyring } from '../../core/secrets/keyring.js';
import type { DomainValidationRecord, OrderRecord, Store } from '../../core/store/types.js';
import { toBase64Url } from '../../core/encoding.js';
import { newId } from '../../core/secrets/tokens.js';
import type { ValidationAuthority } from '../../va/va.js';
import { keyAuthorization, dns01TxtValue } from '../../va/key-authorization.js';
import { mapLimit, ORDER_VALIDATION_CONCURRENCY } from '../../va/limits.js';
import { newChallengeToken } from '../tokens.js';
import { domainValidationReusable } from '../reuse.js';
import { baseDomain, isWildcard } from '../../core/hostname.js';

export interface ValidationInstructions {
  http01?: { url: string; body: string };
  dns01: { name: string; type: 'TXT'; value: string };
}

export interface CheckOutcome {
  domain: string;
  status: 'valid' | 'pending';
  method?: string;
  /** What each method found (customer-facing sentences); in upstream mode also what the upstream CA said. */
  found: { 'http-01'?: string; 'dns-01'?: string; 'upstream CA'?: string };
}


export async function orderBindingJwk(keyring: Keyring, orderId: string): Promise<JWK> {
  const digest = await keyring.lookupDigest('validation-binding', orderId);
  return { kty: 'oct', k: toBase64Url(Uint8Array.from(digest.match(/../g)!.map((h) => parseInt(h, 16)))) };
}

export async function createValidations(store: Store, keyring: Keyring, order: OrderRecord): Promise<void> {
  await store.domainValidations.createMany(await buildValidations(keyring, order));
}

/** The validation rows of a new order (one token per domain), not stored yet. */
export async function buildValidations(keyring: Keyring, order: OrderRecord): Promise<DomainValidationRecord[]> {
  const jwk = await orderBindingJwk(keyring, order.id);
  const rows: DomainValidationRecord[] = [];
  for (const domain of order.domains) {
    const token = newChallengeToken();
    rows.push({
      id: newId(),
      orderId: order.id,
      domain,
      token,
      keyAuthorization: await keyAuthorization(token, jwk),
      status: 'pending',
      method: null,
      lastCheckedAt: null,
      lastResult: null,
      validatedAt: null,
    });
  }
  return rows;
}

export async function instructionsFor(v: DomainValidationRecord): Promise<ValidationInstructions> {
  const base = baseDomain(v.domain);
  const dns01 = { name: `_acme-challenge.${base}`, type: 'TXT' as const, value: await dns01TxtValue(v.keyAuthorization) };
  if (isWildcard(v.domain)) return { dns01 };
  return { http01: { url: `http://${v.domain}/.well-known/acme-challenge/${v.token}`, body: v.keyAuthorization }, dns01 };
}

/** Whether a validation still backs issuance now: valid, and within the Baseline Requirements' reuse window. */
export const stillValid = (v: DomainValidationRecord, now: Date): boolean => v.status === 'valid' && domainValidationReusable(v.validatedAt, now);

/** Starts the validation of these domains over, with new tokens (their earlier validation is too old to reuse). */
export async function restartValidations(store: Store, keyring: Keyring, order: OrderRecord, rows: DomainValidationRecord[]): Promise<void> {
  await writeRestarted(store, await restartedValidations(keyring, order, rows));
}

/** The rows as they are once started over (new token, pending), not written yet: a mail can carry their instructions. */
export async function restartedValidations(keyring: Keyring, order: OrderRecord, rows: DomainValidationRecord[]): Promise<DomainValidationRecord[]> {
  const jwk = await orderBindingJwk(keyring, order.id);
  return Promise.all(
    rows.map(async (v) => {
      const token = newChallengeToken();
      return { ...v, token, keyAuthorization: await keyAuthorization(token, jwk), status: 'pending' as const, method: null, validatedAt: null, lastResult: null };
    }),
  );
}

/** Writes rows made by `restartedValidations`. */
export async function writeRestarted(store: Store, rows: DomainValidationRecord[]): Promise<void> {
  for (const v of rows) {
    await store.domainValidations.update(v.id, { token: v.token, keyAuthorization: v.keyAuthorization, status: 'pending', method: null, validatedAt: null, lastResult: null });
  }
}

/** Checks every domain not validly validated now, by both methods; records what was found. */
export async function checkDomains(
  deps: { store: Store; keyring: Keyring; clock: Clock; va: ValidationAuthority },
  order: OrderRecord,
  only?: ReadonlySet<string>,
): Promise<CheckOutcome[]> {
  const jwk = await orderBindingJwk(deps.keyring, order.id);
  const mine = (all: DomainValidationRecord[]) => (only ? all.filter((v) => only.has(v.domain)) : all);
  let rows = await deps.store.domainValidations.forOrder(order.id);
  // An order whose validation rows were never written (a crash between placing it and writing them) gets
  // them now: a name without a row is never taken as validated.
  const missing = order.domains.filter((name) => !rows.some((v) => v.domain === name));
  if (missing.length > 0) {
    // A parallel check may write them first (unique order and domain): what counts is that they exist.
    await createValidations(deps.store, deps.keyring, { ...order, domains: missing }).catch(() => undefined);
    rows = await deps.store.domainValidations.forOrder(order.id);
    if (order.domains.some((name) => !rows.some((v) => v.domain === name))) throw new Error(`order ${order.id}: validation rows missing`);
  }
  rows = mine(rows);
  // A validation too old to reuse starts over with a new token: its random value may not be reused
  // either (BR §3.2.2.4.7), so the old file or TXT record cannot renew it.
  const expired = rows.filter((v) => v.status === 'valid' && !stillValid(v, deps.clock.now()));
  if (expired.length > 0) {
    await restartValidations(deps.store, deps.keyring, order, expired);
    rows = mine(await deps.store.domainValidations.forOrder(order.id));
  }
  // A few names at a time (the VA also bounds the whole process): a 100-name order never sends 100 GETs at once.
  return mapLimit(
    rows,
    ORDER_VALIDATION_CONCURRENCY,
    async (v): Promise<CheckOutcome> => {
      if (stillValid(v, deps.clock.now())) return { domain: v.domain, status: 'valid', method: v.method ?? undefined, found: {} };
      const found: CheckOutcome['found'] = {};
      let method: string | undefined;
      for (const type of deps.va.challengeTypesFor(v.domain).filter((t) => t !== 'tls-alpn-01')) {
        const r = await deps.va.validate(type, v.domain, v.token, jwk);
        if (r.valid) {
          found[type] = 'the expected value was found';
          method = type;
          break;
        }
        found[type] = r.problem.detail;
      }
      const now = deps.clock.now();
      // Only over the row this check was made for: a parallel check that found the value is not undone,
      // and a validation restarted meanwhile (new token) is not marked with this token's outcome.
      const written = await deps.store.domainValidations.update(
        v.id,
        { status: method ? 'valid' : 'pending', method: method ?? null, lastCheckedAt: now, lastResult: JSON.stringify(found), validatedAt: method ? now : null },
        method ? { token: v.token } : { token: v.token, status: 'pending' },
      );
      if (!written && !method) {
        const current = (await deps.store.domainValidations.forOrder(order.id)).find((x) => x.id === v.id);
        if (current && stillValid(current, now)) return { domain: v.domain, status: 'valid', method: current.method ?? undefined, found: {} };
      }
      return { domain: v.domain, status: method ? 'valid' : 'pending', method, found };
    },
  );
}
