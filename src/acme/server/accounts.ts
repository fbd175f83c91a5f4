/**
 * Accounts (RFC 8555 §7.3): newAccount with the External Account Binding this server requires, the
 * account resource (read, contact update, deactivation §7.3.6) and its orders list (§7.1.2.1).
 */
import { jwkThumbprint } from '../../core/jwk-thumbprint.js';
import { acmeProblems } from '../../core/problem.js';
import { newId } from '../../core/secrets/tokens.js';
import type { AcmeAccountRecord } from '../../core/store/acme.js';
import { verifyExternalAccountBinding } from '../eab/verify.js';
import { quoted } from '../jws/flattened.js';
import { checkContacts } from './contacts.js';
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest, jwkRequest, payloadObject, type AccountRequest } from './request.js';
import { accountView } from './views.js';

/** Orders per page of the orders list. */
export const ORDERS_PAGE_SIZE = 20;

function optionalBoolean(payload: Record<string, unknown>, member: string): boolean | undefined {
  const v = payload[member];
  if (v !== undefined && typeof v !== 'boolean') throw acmeProblems.malformed(`"${member}" must be true or false.`);
  return v as boolean | undefined;
}

function usable(a: AcmeAccountRecord): AcmeAccountRecord {
  if (a.status !== 'valid') throw acmeProblems.unauthorized(`The account for this key is ${a.status}: it can no longer be used.`);
  return a;
}

/**
 * RFC 8555 §7.3: a server that advertises terms of service "MUST reject newAccount requests that do not
 * have the termsOfServiceAgreed field set to true". The RFC names no problem type: `malformed` (400), as
 * Boulder sends it, with the terms linked (`rel="terms-of-service"`, as Pebble does). Only account
 * creation asks: an existing account and `onlyReturnExisting` are answered without the flag.
 */
function requireTermsAgreed(terms: string | undefined, agreed: boolean | undefined): void {
  if (!terms || agreed === true) return;
  throw acmeProblems.malformed(
    `You must agree to the terms of service (${terms}): send "termsOfServiceAgreed": true in newAccount ` +
      '(certbot --agree-tos, lego --accept-tos).',
    undefined,
    { link: `<${terms}>;rel="terms-of-service"` },
  );
}

/**
 * newAccount. A key that has an account gets it back (200 + Location) without a binding, as RFC 8555
 * §7.3.1 asks and dehydrated relies on; `onlyReturnExisting` never creates one. Every new account needs
 * a valid binding (§7.3.4), verified by src/acme/eab against the subscription's EAB credentials.
 */
export async function newAccount(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const jws = await jwkRequest(c);
  const payload = payloadObject(jws, 'newAccount');
  const onlyReturnExisting = optionalBoolean(payload, 'onlyReturnExisting');
  const termsAgreed = optionalBoolean(payload, 'termsOfServiceAgreed');

  const thumbprint = jwkThumbprint(jws.jwk);
  const existing = await s.store.acme.accounts.byThumbprint(thumbprint);
  if (existing) return acmeJson(accountView(l, usable(existing)), 200, { location: l.account(existing.id) });
  if (onlyReturnExisting) {
    throw acmeProblems.accountDoesNotExist('No account exists for this key (onlyReturnExisting): register it with your EAB credentials.');
  }
  requireTermsAgreed(s.config.acmeTermsOfService, termsAgreed);

  const contact = checkContacts(payload.contact) ?? [];
  const eab = await verifyExternalAccountBinding({
    externalAccountBinding: payload.externalAccountBinding,
    accountJwk: jws.jwk,
    accountThumbprint: thumbprint,
    url: jws.header.url,
    resolveKey: (kid) => s.eabKeys.eabKeyFor(kid),
  });
  // New accounts per subscription and per client address (urn:ietf:params:acme:error:rateLimited + Retry-After).
  await s.limits.consume('acmeAccounts', { account: eab.binding.subscriptionId, address: s.clientAddress(c) });

  const account: AcmeAccountRecord = {
    id: newId(),
    thumbprint,
    jwk: jws.jwk,
    status: 'valid',
    contact,
    eabKid: eab.kid,
    subscriptionId: eab.binding.subscriptionId,
    createdAt: s.clock.now(),
  };
  // Bound atomically: with a per-credential account limit, concurrent registrations cannot overrun it.
  const created = await s.store.acme.accounts.create(account, eab.binding.maxAccountsPerCredential);
  if (created === 'exists') {
    const raced = await s.store.acme.accounts.byThumbprint(thumbprint);
    if (raced) return acmeJson(accountView(l, usable(raced)), 200, { location: l.account(raced.id) });
  }
  if (created === 'limit') {
    const max = eab.binding.maxAccountsPerCredential;
    throw acmeProblems.unauthorized(
      `EAB key id ${quoted(eab.kid)} has bound its maximum of ${max} ACME account${max === 1 ? '' : 's'}: ` +
        'revoke and replace the credentials for a new pair, or ask for a plan with more.',
    );
  }
  return acmeJson(accountView(l, account, { externalAccountBinding: eab.externalAccountBinding }), 201, {
    location: l.account(account.id),
  });
}

/** The account URL in the path must be the signer's own (`kid`). */
function ownAccount(c: AcmeContext, req: AccountRequest): void {
  const url = links(c).account(c.req.param('id') ?? '');
  if (req.jws.kid !== url) {
    throw acmeProblems.unauthorized(`The request is signed by account ${quoted(req.jws.kid, 200)}, not by ${quoted(url, 200)}.`);
  }
}

/** POST-as-GET reads the account; a payload updates `contact` or deactivates it (§7.3.2, §7.3.6). */
export async function account(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const req = await accountRequest(c);
  ownAccount(c, req);
  let current = req.account;
  const payload = req.jws.payload;
  if (payload) {
    const contact = checkContacts(payload.contact);
    const status = payload.status;
    if (status !== undefined && status !== 'deactivated' && status !== current.status) {
      throw acmeProblems.malformed(`"status" may only be set to "deactivated", got ${quoted(status)}.`);
    }
    if (contact !== undefined) current = (await s.store.acme.accounts.update(current.id, { contact })) ?? current;
    if (status === 'deactivated') current = await s.ra.deactivateAccount(current);
  }
  return acmeJson(accountView(l, current), 200, { location: l.account(current.id) });
}

/** The account's orders, newest first, ORDERS_PAGE_SIZE per page, `Link: rel="next"` while more follow. */
export async function ordersList(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const req = await accountRequest(c);
  ownAccount(c, req);
  const pageText = c.req.query('page') ?? '1';
  const page = /^[1-9]\d{0,5}$/.test(pageText) ? Number(pageText) : NaN;
  if (!Number.isInteger(page)) throw acmeProblems.malformed(`"page" must be a page number from 1, got ${quoted(pageText)}.`);
  const rows = await s.store.acme.orders.listByAccount(req.account.id, { offset: (page - 1) * ORDERS_PAGE_SIZE, limit: ORDERS_PAGE_SIZE + 1 });
  const headers: Record<string, string> = {};
  if (rows.length > ORDERS_PAGE_SIZE) headers.link = `<${l.orders(req.account.id, page + 1)}>;rel="next"`;
  return acmeJson({ orders: rows.slice(0, ORDERS_PAGE_SIZE).map((o) => l.order(o.id)) }, 200, headers);
}
