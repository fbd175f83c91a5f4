/**
 * The directory (RFC 8555 §7.1.1), the terms of service it points at, and newNonce (§7.2).
 *
 * tls-alpn-01 is offered only where the runtime can open raw TLS connections (Node); on Workers the
 * authorizations simply do not list it. The directory says which challenge types this deployment
 * validates in `meta.challengeTypes` (an extension member; clients ignore members they do not know).
 */
import { acmeJson, links, nonceSource, services, type AcmeContext, type AcmeReply } from './http.js';
import { PROFILES } from '../../ra/profiles.js';

/** The directory's JSON per services object: it depends on the configuration alone, made on the first GET. */
const directories = new WeakMap<object, string>();

export function directory(c: AcmeContext): AcmeReply {
  const s = services(c);
  let body = directories.get(s);
  if (body === undefined) {
    const l = links(c);
    body = acmeJson({
      newNonce: l.newNonce,
      newAccount: l.newAccount,
      newOrder: l.newOrder,
      revokeCert: l.revokeCert,
      keyChange: l.keyChange,
      renewalInfo: l.renewalInfo,
      meta: {
        // RFC 8555 §7.3: advertised terms must be agreed to in newAccount (accounts.ts); none without them.
        ...(s.config.acmeTermsOfService ? { termsOfService: s.config.acmeTermsOfService } : {}),
        website: s.config.baseUrl,
        caaIdentities: s.config.caaIdentities,
        externalAccountRequired: true,
        profiles: Object.fromEntries(Object.entries(PROFILES).map(([name, p]) => [name, p.description])),
        challengeTypes: s.va.challengeTypes,
      },
    }).body!;
    directories.set(s, body);
  }
  return { status: 200, body, headers: { 'content-type': 'application/json' } };
}

export const TERMS = `eabgate ACME service: terms of use

1. Accounts on this ACME server exist only with External Account Binding: the key id and HMAC key of a
   subscription. The subscription's plan (certificates, names per order, wildcards, validity) applies to
   every order, and a revoked or ended subscription stops new orders.
2. Certificates are issued only for names whose control you prove by an ACME challenge (http-01, dns-01,
   or tls-alpn-01 where offered) and whose CAA records allow this CA.
3. Revoke a certificate at once (revokeCert) when its private key may be known to anyone else.
4. Keep your account key and your EAB credentials secret. Nothing here replaces the agreement of your
   subscription, which prevails.
`;

export function terms(): AcmeReply {
  return { status: 200, body: TERMS, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

/** HEAD → 200, GET → 204, both with a fresh Replay-Nonce and Cache-Control: no-store (RFC 8555 §7.2). */
export function newNonce(c: AcmeContext): AcmeReply {
  const nonce = nonceSource(services(c)).issue();
  return { status: c.req.method === 'HEAD' ? 200 : 204, body: null, headers: { 'replay-nonce': nonce, 'cache-control': 'no-store' } };
}
