/** Words for people: order statuses, products and validation states as the portal shows them. */
import type { OrderStatus, Product } from '../core/store/types.js';

export type Tone = 'ok' | 'wait' | 'bad' | 'info';

export const ORDER_STATUS: Record<OrderStatus, { label: string; tone: Tone; explain: string }> = {
  pending_validation: {
    label: 'Waiting for domain check',
    tone: 'wait',
    explain:
      'Prove that you control each host name: put a small file on the web server or add a DNS TXT record (see below). ' +
      'Then press “Check now” on the tracking page.',
  },
  pending_approval: {
    label: 'Waiting for organization check',
    tone: 'wait',
    explain: 'Your domains are verified. For OV and EV certificates a person checks your organization’s details; this usually takes 1–3 working days.',
  },
  pending_issuance: { label: 'Being issued', tone: 'info', explain: 'Everything is verified; the certificate is being issued. Check again in a minute.' },
  issued: { label: 'Issued', tone: 'ok', explain: 'The certificate is ready. Download it on the tracking page with your CA Reference.' },
  rejected: { label: 'Rejected', tone: 'bad', explain: 'The order was refused. The reason is shown below.' },
  failed: { label: 'Issuance failed', tone: 'bad', explain: 'The certificate could not be issued. You can try again with a reissue on the tracking page.' },
  revoked: { label: 'Revoked', tone: 'bad', explain: 'The certificate was revoked and can no longer be used.' },
};

/** On the tracking page the next step is on the same page. */
const ON_TRACKING_PAGE: Partial<Record<OrderStatus, string>> = {
  pending_validation:
    'Prove that you control each host name: put a small file on the web server or add a DNS TXT record (see below), then press “Check now”.',
  issued: 'The certificate is ready: download it below.',
  failed: 'The certificate could not be issued. A reissue below tries again.',
};

export function statusOf(status: string, page: 'order' | 'tracking' = 'order'): { label: string; tone: Tone; explain: string } {
  const s = ORDER_STATUS[status as OrderStatus] ?? { label: status, tone: 'info' as Tone, explain: '' };
  const here = page === 'tracking' ? ON_TRACKING_PAGE[status as OrderStatus] : undefined;
  return here ? { ...s, explain: here } : s;
}

export const PRODUCTS: Record<Product, { name: string; short: string; explain: string }> = {
  dv: {
    name: 'DV — Domain Validated',
    short: 'DV',
    explain: 'For most websites. We only check that you control the host names. Issued within minutes.',
  },
  ov: {
    name: 'OV — Organization Validated',
    short: 'OV',
    explain: 'Your organization’s name appears in the certificate. Needs the organization’s legal name, town or region, and country; checked by a person.',
  },
  ev: {
    name: 'EV — Extended Validation',
    short: 'EV',
    explain: 'The strictest check of your organization, same details as OV plus a longer review. No wildcard names.',
  },
};

export const VALIDATION_STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: 'Not verified yet', tone: 'wait' },
  valid: { label: 'Verified', tone: 'ok' },
  invalid: { label: 'Failed', tone: 'bad' },
};
