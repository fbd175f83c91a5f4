/**
 * DNS delegation of dns-01 (as acme-dns and the managed CAs' "DCV delegation" do): a CaaS customer whose
 * orders go to an upstream public CA adds, once per name, `_acme-challenge.<name> CNAME <label>.<zone>`.
 * The label is the customer's own (a keyed digest of the customer id: stable, not guessable, the same for
 * every name of the customer), so a CNAME made for one customer never lets another customer's order be
 * answered. The gateway publishes the upstream's TXT record at `<label>.<zone>`.
 */
import type { Keyring } from '../core/secrets/keyring.js';
import { baseDomain } from '../core/hostname.js';
import type { ValidationAuthority } from '../va/va.js';

export interface DelegationRecord {
  /** `_acme-challenge.<name>` (for "*.example.com": `_acme-challenge.example.com`). */
  name: string;
  type: 'CNAME';
  /** `<label>.<zone>` */
  value: string;
}

/** The customer's label in the delegation zone: 32 hex digits. */
export async function delegationLabel(keyring: Keyring, customerId: string): Promise<string> {
  return (await keyring.lookupDigest('dns-delegation', customerId)).slice(0, 32);
}

export function delegationRecord(zone: string, label: string, name: string): DelegationRecord {
  return { name: `_acme-challenge.${baseDomain(name.toLowerCase())}`, type: 'CNAME', value: `${label}.${zone}` };
}

/** The record as a zone-file line, to paste. */
export const zoneLine = (r: DelegationRecord): string => `${r.name}. 3600 IN CNAME ${r.value}.`;

export type DelegationCheck = { ok: true; record: DelegationRecord } | { ok: false; record: DelegationRecord; detail: string };

/** Whether `_acme-challenge.<name>` points where it must. The detail says what to do, with the exact record. */
export async function checkDelegation(va: ValidationAuthority, record: DelegationRecord): Promise<DelegationCheck> {
  const name = record.name.replace(/^_acme-challenge\./, '');
  const found = await va.delegationTarget(name);
  if ('target' in found && found.target === record.value) return { ok: true, record };
  const why = 'target' in found ? `${record.name} points to ${found.target}, not to ${record.value}` : found.missing;
  return { ok: false, record, detail: `${why}: add the DNS record "${zoneLine(record)}" once, then try again.` };
}

/** What a customer is shown: the zone, their label, and for a name the exact record and whether it is in place. */
export class DelegationService {
  constructor(private readonly deps: { keyring: Keyring; va: ValidationAuthority; config: { delegation?: { zone: string } | undefined } }) {}

  get zone(): string | undefined {
    return this.deps.config.delegation?.zone;
  }

  /** The record template for every name of this customer: `_acme-challenge.<name> CNAME <label>.<zone>`. */
  async template(customerId: string): Promise<{ zone: string; label: string; target: string; template: string } | undefined> {
    const zone = this.zone;
    if (!zone) return undefined;
    const label = await delegationLabel(this.deps.keyring, customerId);
    return { zone, label, target: `${label}.${zone}`, template: `_acme-challenge.<name> CNAME ${label}.${zone}.` };
  }

  /** The exact record for one name, checked now. */
  async check(customerId: string, name: string): Promise<DelegationCheck | undefined> {
    const zone = this.zone;
    if (!zone) return undefined;
    return checkDelegation(this.deps.va, delegationRecord(zone, await delegationLabel(this.deps.keyring, customerId), name));
  }
}
