/**
 * Turns an HTTP request into an authenticated ACME request through the pipeline of src/acme/jws
 * (content type → parse → key → signature → url → nonce). Handlers get the verified JWS and, for `kid`
 * requests, the account record that signed it: they never look at the raw body.
 */
import { acmeProblems } from '../../core/problem.js';
import type { AcmeAccountRecord } from '../../core/store/acme.js';
import { verifyAcmeRequest, type KeyPolicy, type VerifiedAcmeJws } from '../jws/verify.js';
import { links, nonceSource, readBody, services, type AcmeContext } from './http.js';

export type JwkRequest = VerifiedAcmeJws & { keyMode: 'jwk' };
export type KidRequest = VerifiedAcmeJws & { keyMode: 'kid' };

export interface AccountRequest {
  jws: KidRequest;
  account: AcmeAccountRecord;
}

export type EitherRequest = { jws: JwkRequest; account?: undefined } | AccountRequest;

/**
 * The URL this request was sent to, as the JWS must name it: base URL + path + query. The runtime hands the
 * request's URL over normalized (an href: @hono/node-server and Workers both parse it when it is not already
 * canonical), so the path starts at the first '/' after the authority, without parsing it again per request.
 */
function requestUrl(c: AcmeContext): string {
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  let pathAndQuery = start < 0 ? '/' : url.slice(start);
  // URL.search is '' for a bare '?': the same URL.
  if (pathAndQuery.endsWith('?')) pathAndQuery = pathAndQuery.slice(0, -1);
  return links(c).requestUrl(pathAndQuery);
}

async function verify(c: AcmeContext, policy: KeyPolicy): Promise<{ jws: VerifiedAcmeJws; account?: AcmeAccountRecord }> {
  const s = services(c);
  const l = links(c);
  let account: AcmeAccountRecord | undefined;
  const body = await readBody(c);
  const jws = await verifyAcmeRequest(
    { contentType: c.req.header('content-type'), body, url: requestUrl(c) },
    policy,
    {
      nonces: nonceSource(s),
      signatures: s.jwsSignatures,
      resolveAccountKey: async (kid) => {
        const id = l.accountId(kid);
        const found = id ? await s.store.acme.accounts.byId(id) : undefined;
        if (!found) return undefined;
        if (found.status !== 'valid') {
          // RFC 8555 §7.3.6: requests signed by a deactivated account are refused with `unauthorized`.
          throw acmeProblems.unauthorized(`The account ${kid} is ${found.status}: it can no longer be used.`);
        }
        account = found;
        return found.jwk;
      },
    },
  );
  return { jws, account };
}

/** newAccount: the key is embedded (`jwk`). */
export async function jwkRequest(c: AcmeContext): Promise<JwkRequest> {
  return (await verify(c, { keyMode: 'jwk' })).jws as JwkRequest;
}

/** Every request made as an account (`kid`). */
export async function accountRequest(c: AcmeContext): Promise<AccountRequest> {
  const { jws, account } = await verify(c, { keyMode: 'kid' });
  if (!account) throw new Error('accountRequest: kid verified without an account');
  return { jws: jws as KidRequest, account };
}

/** revokeCert: the account (`kid`) or the certificate's key (`jwk`), RFC 8555 §7.6. */
export async function eitherRequest(c: AcmeContext): Promise<EitherRequest> {
  const { jws, account } = await verify(c, { keyMode: 'either' });
  if (jws.keyMode === 'jwk') return { jws };
  if (!account) throw new Error('eitherRequest: kid verified without an account');
  return { jws, account };
}

/** Refuses a payload where the resource wants POST-as-GET only. */
export function payloadObject(jws: VerifiedAcmeJws, what: string): Record<string, unknown> {
  if (!jws.payload) throw acmeProblems.malformed(`${what} needs a JSON object payload, not POST-as-GET.`);
  return jws.payload;
}
