/**
 * CaaS plans: a preset name, or an object of limits (optionally on top of a preset). Every fault is a 400
 * naming the field (`plan.maxCertificates`, …), so the REST API and the CLI report the same way.
 */
import { DAY_MS } from '../core/clock.js';
import { problems } from '../core/problem.js';
import type { PlanLimits } from '../core/store/caas.js';

export const PLAN_PRESETS = ['starter', 'business', 'enterprise'] as const;
export type PlanPreset = (typeof PLAN_PRESETS)[number];

/** Default term of a subscription when the plan gives no `notAfter`. */
export const DEFAULT_TERM_DAYS = 365;
/** Hard bounds of every plan field. 398 days: the longest validity the Baseline Requirements ever allowed. */
export const BOUNDS = {
  maxCertificates: [1, 1_000_000],
  maxNamesPerOrder: [1, 100],
  maxValidityDays: [1, 398],
  maxAccountsPerCredential: [1, 10_000],
} as const;
/** The longest term a subscription may be given (10 years). */
export const MAX_TERM_DAYS = 3653;

type PresetLimits = Omit<PlanLimits, 'notAfter'>;

export const PRESETS: Record<PlanPreset, PresetLimits> = {
  starter: { maxCertificates: 10, maxNamesPerOrder: 5, wildcards: false, maxValidityDays: 90, maxAccountsPerCredential: null },
  business: { maxCertificates: 250, maxNamesPerOrder: 50, wildcards: true, maxValidityDays: 200, maxAccountsPerCredential: null },
  enterprise: { maxCertificates: 10_000, maxNamesPerOrder: 100, wildcards: true, maxValidityDays: 200, maxAccountsPerCredential: null },
};

/** What an operator may send as `plan`. Fields override the preset; without a preset they are all required. */
export interface PlanObject {
  preset?: string;
  maxCertificates?: number;
  maxNamesPerOrder?: number;
  wildcards?: boolean;
  maxValidityDays?: number;
  /** A whole number of accounts, or null for unlimited (the default). */
  maxAccountsPerCredential?: number | null;
  /** ISO 8601 date or date-time; default: 365 days from now. */
  notAfter?: string;
}
export type PlanInput = string | PlanObject;

export interface ResolvedPlan {
  /** The preset name, or "custom" without one. */
  name: string;
  limits: PlanLimits;
}

const PLAN_FIELDS = ['preset', 'maxCertificates', 'maxNamesPerOrder', 'wildcards', 'maxValidityDays', 'maxAccountsPerCredential', 'notAfter'];

function bad(field: string, detail: string): never {
  throw problems.validation(`${field}: ${detail}`, { field });
}

function preset(name: unknown, field: string): PlanPreset {
  if (typeof name !== 'string' || !(PLAN_PRESETS as readonly string[]).includes(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 40)) : typeof name;
    bad(field, `unknown plan ${shown}: one of ${PLAN_PRESETS.join(', ')}, or an object of limits`);
  }
  return name as PlanPreset;
}

function whole(v: unknown, key: keyof typeof BOUNDS): number {
  const field = `plan.${key}`;
  const [min, max] = BOUNDS[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(field, 'must be a whole number');
  if (v < min || v > max) bad(field, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function notAfter(v: unknown, now: Date): Date {
  const field = 'plan.notAfter';
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    bad(field, 'must be an ISO 8601 date (2027-12-31) or date-time (2027-12-31T23:59:59Z)');
  }
  // A bare date means the end of that day, UTC.
  const d = new Date(v.length === 10 ? `${v}T23:59:59.999Z` : v);
  if (Number.isNaN(d.getTime())) bad(field, `not a valid date: ${JSON.stringify(v)}`);
  if (d <= now) bad(field, `must be in the future, got ${d.toISOString()}`);
  if (d.getTime() - now.getTime() > MAX_TERM_DAYS * DAY_MS) bad(field, `must be at most ${MAX_TERM_DAYS} days (10 years) from now`);
  return d;
}

/** Turns the operator's `plan` into checked limits; throws a 400 problem naming the field otherwise. */
export function resolvePlan(input: unknown, now: Date): ResolvedPlan {
  const defaultEnd = new Date(now.getTime() + DEFAULT_TERM_DAYS * DAY_MS);
  if (typeof input === 'string') {
    const name = preset(input, 'plan');
    return { name, limits: { ...PRESETS[name], notAfter: defaultEnd } };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    bad('plan', `must be a plan name (${PLAN_PRESETS.join(', ')}) or an object of limits`);
  }
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !PLAN_FIELDS.includes(k));
  if (unknown.length) bad(`plan.${unknown[0]}`, `unknown plan field; the fields are ${PLAN_FIELDS.join(', ')}`);

  const base: Partial<PresetLimits> = o.preset === undefined ? {} : PRESETS[preset(o.preset, 'plan.preset')];
  const pick = <K extends keyof PresetLimits>(key: K, check: (v: unknown) => PresetLimits[K]): PresetLimits[K] => {
    if (o[key] !== undefined) return check(o[key]);
    if (base[key] !== undefined) return base[key] as PresetLimits[K];
    if (key === 'maxAccountsPerCredential') return null as PresetLimits[K];
    return bad(`plan.${key}`, 'required when the plan names no preset');
  };
  const limits: PlanLimits = {
    maxCertificates: pick('maxCertificates', (v) => whole(v, 'maxCertificates')),
    maxNamesPerOrder: pick('maxNamesPerOrder', (v) => whole(v, 'maxNamesPerOrder')),
    wildcards: pick('wildcards', (v) => (typeof v === 'boolean' ? v : bad('plan.wildcards', 'must be true or false'))),
    maxValidityDays: pick('maxValidityDays', (v) => whole(v, 'maxValidityDays')),
    maxAccountsPerCredential: pick('maxAccountsPerCredential', (v) => (v === null ? null : whole(v, 'maxAccountsPerCredential'))),
    notAfter: o.notAfter === undefined ? defaultEnd : notAfter(o.notAfter, now),
  };
  return { name: o.preset === undefined ? 'custom' : (o.preset as string), limits };
}
