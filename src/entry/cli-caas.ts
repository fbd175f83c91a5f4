/** Operator CLI for CaaS: subscriptions and their EAB credentials (the HMAC key is never printed here). */
import { parseArgs } from 'node:util';
import type { CliCommand } from './cli-commands.js';
import { CaasOperator } from '../caas/operator.js';
import type { SubscriptionSummary } from '../caas/subscriptions.js';
import type { PlanObject } from '../caas/plans.js';
import { problems } from '../core/problem.js';

const flag = (name: string, detail: string) => problems.validation(`--${name}: ${detail}`, { field: name });

function wholeFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw flag(name, `must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function boolFlag(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (/^(true|yes|on|1)$/i.test(v)) return true;
  if (/^(false|no|off|0)$/i.test(v)) return false;
  throw flag(name, `must be true or false, got ${JSON.stringify(v)}`);
}

/** `--plan business` (a preset), or `--plan '{"maxCertificates": 5, …}'`, plus overriding flags. */
export function planFromFlags(values: Record<string, string | boolean | undefined>): string | PlanObject {
  const planText = values.plan as string | undefined;
  if (planText === undefined) throw flag('plan', 'required: a plan name (starter, business, enterprise) or a JSON object of limits');
  let base: string | PlanObject;
  if (planText.trim().startsWith('{')) {
    try {
      base = JSON.parse(planText) as PlanObject;
    } catch {
      throw flag('plan', 'not valid JSON');
    }
  } else base = planText;

  const overrides: PlanObject = {};
  const n = (k: string) => wholeFlag(k, values[k] as string | undefined);
  if (values['max-certificates'] !== undefined) overrides.maxCertificates = n('max-certificates');
  if (values['max-names'] !== undefined) overrides.maxNamesPerOrder = n('max-names');
  if (values['max-validity-days'] !== undefined) overrides.maxValidityDays = n('max-validity-days');
  if (values.wildcards !== undefined) overrides.wildcards = boolFlag('wildcards', values.wildcards as string);
  if (values['not-after'] !== undefined) overrides.notAfter = values['not-after'] as string;
  const accounts = values['max-accounts'] as string | undefined;
  if (accounts !== undefined) overrides.maxAccountsPerCredential = accounts === 'unlimited' ? null : n('max-accounts');

  if (Object.keys(overrides).length === 0) return base;
  return typeof base === 'string' ? { preset: base, ...overrides } : { ...base, ...overrides };
}

function line(v: SubscriptionSummary): string {
  const s = v.subscription;
  const cred = v.credential;
  return [
    s.id,
    v.accountEmail,
    s.plan,
    v.state,
    `until ${s.notAfter.toISOString()}`,
    `certificates ${s.certificatesIssued}/${s.maxCertificates}`,
    `accounts ${v.acmeAccountsBound}`,
    cred ? `kid ${cred.kid}${cred.revokedAt ? ' (revoked)' : ''}` : 'no credentials',
  ].join('  ');
}

function json(v: SubscriptionSummary) {
  const s = v.subscription;
  return {
    id: s.id,
    accountEmail: v.accountEmail,
    plan: s.plan,
    status: v.state,
    limits: {
      maxCertificates: s.maxCertificates,
      maxNamesPerOrder: s.maxNamesPerOrder,
      wildcards: s.wildcards,
      maxValidityDays: s.maxValidityDays,
      maxAccountsPerCredential: s.maxAccountsPerCredential,
    },
    notAfter: s.notAfter.toISOString(),
    certificatesIssued: s.certificatesIssued,
    acmeAccountsBound: v.acmeAccountsBound,
    kid: v.credential?.kid ?? null,
    revealableUntil: v.credential?.revealUntil.toISOString() ?? null,
    credentialRevoked: v.credential ? v.credential.revokedAt !== null : null,
  };
}

export const caasCommands: Record<string, CliCommand> = {
  'subscriptions create': {
    summary: 'create a CaaS subscription: --email <account> --plan <starter|business|enterprise|JSON> [--max-certificates N] [--max-names N] [--wildcards true|false] [--max-validity-days N] [--max-accounts N|unlimited] [--not-after DATE] [--json]',
    async run(deps, args, print) {
      const { values } = parseArgs({
        args,
        options: {
          email: { type: 'string' },
          plan: { type: 'string' },
          'max-certificates': { type: 'string' },
          'max-names': { type: 'string' },
          wildcards: { type: 'string' },
          'max-validity-days': { type: 'string' },
          'max-accounts': { type: 'string' },
          'not-after': { type: 'string' },
          json: { type: 'boolean' },
        },
      });
      if (!values.email) throw flag('email', 'required: the email address of the customer account');
      const v = await new CaasOperator(deps).create({ accountEmail: values.email, plan: planFromFlags(values) });
      if (values.json) print(JSON.stringify(json(v)));
      else {
        print(`created subscription ${v.subscription.id} for ${v.accountEmail} (${v.subscription.plan})`);
        print(line(v));
        print(`EAB key id ${v.credential!.kid}: the customer reads the HMAC key in the portal until ${v.credential!.revealUntil.toISOString()}`);
      }
      return 0;
    },
  },
  'subscriptions list': {
    summary: 'list CaaS subscriptions (--email to filter, --json for JSON)',
    async run(deps, args, print) {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, email: { type: 'string' } } });
      let list = await new CaasOperator(deps).listAll();
      if (values.email) list = list.filter((v) => v.accountEmail === values.email!.trim().toLowerCase());
      if (values.json) print(JSON.stringify(list.map(json)));
      else {
        for (const v of list) print(line(v));
        print(`${list.length} subscription${list.length === 1 ? '' : 's'}`);
      }
      return 0;
    },
  },
  'subscriptions revoke': {
    summary: 'revoke a subscription and its EAB credentials: <subscriptionId>',
    async run(deps, args, print) {
      const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
      if (positionals.length !== 1) throw problems.validation('usage: eabgate subscriptions revoke <subscriptionId>');
      const v = await new CaasOperator(deps).revoke(positionals[0]!);
      print(`revoked subscription ${v.subscription.id} (${v.accountEmail})`);
      return 0;
    },
  },
  'eab replace': {
    summary: 'revoke the EAB credentials of a subscription and issue a new pair: <subscriptionId> [--json]',
    async run(deps, args, print) {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
      if (positionals.length !== 1) throw problems.validation('usage: eabgate eab replace <subscriptionId>');
      const cred = await new CaasOperator(deps).replaceCredential(positionals[0]!);
      if (values.json) {
        print(JSON.stringify({ subscriptionId: cred.subscriptionId, kid: cred.kid, revealableUntil: cred.revealUntil.toISOString() }));
      } else {
        print(`new EAB key id ${cred.kid} for subscription ${cred.subscriptionId}; the old one is revoked.`);
        print(`The customer reads the HMAC key in the portal until ${cred.revealUntil.toISOString()}.`);
      }
      return 0;
    },
  },
};
