/**
 * The messages the service sends, one function each: the data in, subject + text + HTML out (render.ts).
 * None takes a private key, an unlock code, an EAB HMAC key, a password or a session token: the mails say
 * where to fetch such things after logging in, never the things themselves.
 */
import { render, type Block, type MailContent } from './render.js';

export const MAIL_KINDS = [
  'verify-email',
  'password-reset',
  'shipment',
  'issued',
  'unlock-code-closing',
  'eab-reveal-closing',
  'expiring',
  'caas-lapsing',
  'approved',
  'rejected',
  'approver-validation',
  'reissue-validation',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

const FOOTER = 'eabgate: you receive this because of an account or an order at this service. Replies are not read.';
const day = (d: Date) => d.toISOString().slice(0, 10);
const moment = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const orderUrl = (baseUrl: string, orderNumber: string) => `${baseUrl}/portal/orders/${encodeURIComponent(orderNumber)}`;

export function verifyEmail(p: { link: string; hours: number }): MailContent {
  return render(
    'Confirm your e-mail address',
    [
      'Someone (we hope you) signed up at eabgate with this address. Open the link to confirm that it is yours:',
      { link: p.link, label: 'Confirm this address' },
      `The link works once, for ${p.hours} hours. If you did not sign up, ignore this mail: nothing else happens.`,
    ],
    FOOTER,
  );
}

export function passwordReset(p: { link: string; minutes: number }): MailContent {
  return render(
    'Reset your eabgate password',
    [
      'A password reset was asked for the account of this address. Open the link to choose a new password:',
      { link: p.link, label: 'Choose a new password' },
      `The link works once, for ${p.minutes} minutes; choosing a new password logs out every session of the account. If you did not ask for this, ignore this mail: your password stays as it is.`,
    ],
    FOOTER,
  );
}

export interface ShipmentValidation {
  domain: string;
  http01?: { url: string; body: string };
  dns01: { name: string; value: string };
}

export function shipment(p: {
  orderNumber: string;
  product: string;
  domains: string[];
  /** Absent when the account keeps the CA Reference out of mails. */
  caReference?: string;
  validations: ShipmentValidation[];
  /** AutoCSR: until when the unlock code can be shown in the portal. */
  unlockCodeUntil?: Date;
  orderUrl: string;
}): MailContent {
  const blocks: Block[] = [
    `Thank you for your order. Order number: ${p.orderNumber} (${p.product.toUpperCase()}, ${p.domains.join(', ')}).`,
  ];
  if (p.caReference) {
    blocks.push(
      { heading: 'Tracking credentials' },
      `CA Reference: ${p.caReference}`,
      'With the order number and the CA Reference anybody can follow this order and download its certificate (the CA Reference was once called "Supplier Order Number"). Keep this mail, or delete it if others read your mailbox.',
    );
  } else {
    blocks.push('Your account keeps the CA Reference out of mails: you were shown it once when the order was placed.');
  }
  blocks.push({ heading: 'Validate your domains' }, 'Prove control of each name by one of these methods, then press "Check now" on the order page:');
  for (const v of p.validations) {
    const lines = [`${v.domain}:`];
    if (v.http01) lines.push(`  file: ${v.http01.url}`, `        containing exactly: ${v.http01.body}`);
    lines.push(`  DNS:  TXT record ${v.dns01.name}`, `        value: ${v.dns01.value}`);
    blocks.push({ code: lines.join('\n') });
  }
  if (p.unlockCodeUntil) {
    blocks.push(
      { heading: 'Your AutoCSR key' },
      `The key archive you downloaded is locked. Its unlock code can be shown on the order page until ${moment(p.unlockCodeUntil)} (7 days); after that it is deleted and cannot be shown again. The code is never mailed.`,
    );
  }
  blocks.push({ link: p.orderUrl, label: 'Open the order' });
  return render(`Order ${p.orderNumber}: your order and how to validate it`, blocks, FOOTER);
}

export function issued(p: { orderNumber: string; domains: string[]; notAfter: Date; orderUrl: string; apiUrl: string }): MailContent {
  return render(
    `Order ${p.orderNumber}: your certificate is issued`,
    [
      `The certificate for ${p.domains.join(', ')} is issued and valid until ${day(p.notAfter)}.`,
      { link: p.orderUrl, label: 'Download it from the order page (PEM, chain, PKCS#7)' },
      `Or with the REST API: GET ${p.apiUrl}`,
      'The private key is not in this mail and never will be: with AutoCSR it is in the locked archive you downloaded; with your own CSR it never left your server.',
    ],
    FOOTER,
  );
}

export function unlockCodeClosing(p: { orderNumber: string; expiresAt: Date; orderUrl: string }): MailContent {
  return render(
    `Order ${p.orderNumber}: the unlock code can be shown for 24 more hours`,
    [
      `The unlock code of your AutoCSR key archive is deleted on ${moment(p.expiresAt)}. If you have not opened the archive yet, show the code on the order page before then; afterwards the archive cannot be opened and a reissue with a new key is the way out.`,
      { link: p.orderUrl, label: 'Open the order' },
    ],
    FOOTER,
  );
}

export function eabRevealClosing(p: { subscription: string; expiresAt: Date; url: string }): MailContent {
  return render(
    `Subscription ${p.subscription}: the EAB key can be shown for 24 more hours`,
    [
      `The HMAC key of your ACME External Account Binding can be shown until ${moment(p.expiresAt)}. After that, replace the credential to get a new one.`,
      { link: p.url, label: 'Open your subscriptions' },
    ],
    FOOTER,
  );
}

export function expiring(p: { orderNumber: string; domains: string[]; notAfter: Date; days: number; renewUrl: string }): MailContent {
  const when = p.days === 1 ? 'tomorrow' : `in ${p.days} days`;
  return render(
    `Order ${p.orderNumber}: your certificate expires ${when}`,
    [
      `The certificate for ${p.domains.join(', ')} expires on ${moment(p.notAfter)}. Renew it before then so your sites keep working; the current certificate stays valid until it expires.`,
      { link: p.renewUrl, label: 'Renew' },
    ],
    FOOTER,
  );
}

export function caasLapsing(p: { subscription: string; until: Date; url: string }): MailContent {
  return render(
    `Subscription ${p.subscription} lapses on ${day(p.until)}`,
    [`Your certificate-as-a-service subscription ends on ${moment(p.until)}. After that its ACME account cannot order certificates.`, { link: p.url, label: 'Open your subscriptions' }],
    FOOTER,
  );
}

export function approved(p: { orderNumber: string; orderUrl: string }): MailContent {
  return render(
    `Order ${p.orderNumber}: your organization is approved`,
    ['An operator validated your organization. The certificate is being issued; you will get another mail when it is ready.', { link: p.orderUrl, label: 'Open the order' }],
    FOOTER,
  );
}

export function rejected(p: { orderNumber: string; reason: string; orderUrl: string }): MailContent {
  return render(
    `Order ${p.orderNumber}: the organization validation was rejected`,
    ['An operator could not validate your organization, so no certificate will be issued for this order. The reason given:', { code: p.reason }, { link: p.orderUrl, label: 'Open the order' }],
    FOOTER,
  );
}

export function approverValidation(p: { domain: string; orderNumber: string; value: string; link: string; expiresAt: Date }): MailContent {
  return render(
    `Confirm the certificate order for ${p.domain}`,
    [
      `A TLS certificate for ${p.domain} was ordered (order ${p.orderNumber}), and this address is one the Baseline Requirements let approve it. If you approve, open the link:`,
      { link: p.link, label: `Approve the certificate for ${p.domain}` },
      'Or enter this value on the order page:',
      { code: p.value },
      `The value is valid until ${moment(p.expiresAt)}. If you did not expect this, ignore the mail: nothing is issued without your approval.`,
    ],
    FOOTER,
  );
}

/**
 * A reissue went back to domain validation (the earlier validations are too old to reuse, or the upstream CA
 * wants them again): what to publish now. Without `validations` (upstream mode) the order page has them.
 */
export function reissueValidation(p: { orderNumber: string; reason: string; validations?: ShipmentValidation[]; orderUrl: string }): MailContent {
  const blocks: Block[] = [`Your reissue of order ${p.orderNumber} was received, but the names must be validated again first:`, { code: p.reason }];
  if (p.validations && p.validations.length > 0) {
    blocks.push({ heading: 'Validate your domains' }, 'Publish one of these for each name (the earlier file or record no longer counts), then press "Check now" on the order page:');
    for (const v of p.validations) {
      const lines = [`${v.domain}:`];
      if (v.http01) lines.push(`  file: ${v.http01.url}`, `        containing exactly: ${v.http01.body}`);
      lines.push(`  DNS:  TXT record ${v.dns01.name}`, `        value: ${v.dns01.value}`);
      blocks.push({ code: lines.join('\n') });
    }
  } else {
    blocks.push('The order page shows what to publish for each name.');
  }
  blocks.push({ link: p.orderUrl, label: 'Open the order' });
  return render(`Order ${p.orderNumber}: validate your domains again for the reissue`, blocks, FOOTER);
}
