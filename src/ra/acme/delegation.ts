/**
 * DNS delegation for ACME (CaaS) orders with an upstream issuer (EABGATE_DELEGATION_ZONE): every DNS name
 * of a new order must already point `_acme-challenge.<name>` at the customer's label in the delegation
 * zone, or the order is refused at once with the exact record to add. At issuance the issuer is told where
 * to publish the upstream's dns-01 TXT record for each name.
 */
import { domainErrors } from '../../core/errors.js';
import { baseDomain } from '../../core/hostname.js';
import { checkDelegation, delegationLabel, delegationRecord, zoneLine, type DelegationRecord } from '../../caas/delegation.js';
import type { RaDeps } from '../deps.js';

/** Delegation applies: a zone is configured and the issuer is an upstream CA whose challenges someone must answer. */
export const delegationOn = (d: RaDeps): boolean => d.config.delegation !== undefined && d.issuer.upstream !== undefined;

/** The customer's record for each name (the customer owning the account's subscription). */
export async function delegationRecords(d: RaDeps, subscriptionId: string, names: string[]): Promise<DelegationRecord[]> {
  const zone = d.config.delegation!.zone;
  const subscription = await d.store.caas.subscription(subscriptionId);
  const label = await delegationLabel(d.keyring, subscription?.customerId ?? subscriptionId);
  const unique = [...new Set(names.map((n) => baseDomain(n.toLowerCase())))];
  return unique.map((n) => delegationRecord(zone, label, n));
}

/** newOrder: every name delegated, or a refusal naming each missing or wrong record. */
export async function assertDelegated(d: RaDeps, subscriptionId: string, names: string[]): Promise<void> {
  if (!delegationOn(d)) return;
  const records = await delegationRecords(d, subscriptionId, names);
  const checks = await Promise.all(records.map((r) => checkDelegation(d.va, r)));
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0) return;
  throw domainErrors.identifierRefused(
    `DNS delegation is required for ${bad.map((c) => c.record.name.replace(/^_acme-challenge\./, '')).join(', ')}: ` +
      bad.map((c) => (c.ok ? '' : c.detail)).join(' '),
    { extensions: { delegation: bad.map((c) => ({ ...c.record, zoneLine: zoneLine(c.record) })) } },
  );
}

/** For the issuer: where to publish the dns-01 TXT of each name (the upstream's authorization identifier). */
export async function delegationTargets(d: RaDeps, subscriptionId: string, names: string[]): Promise<Record<string, string> | undefined> {
  if (!delegationOn(d)) return undefined;
  const records = await delegationRecords(d, subscriptionId, names);
  return Object.fromEntries(records.map((r) => [r.name.replace(/^_acme-challenge\./, ''), r.value]));
}
