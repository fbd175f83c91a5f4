/**
 * Account key rollover (RFC 8555 §7.3.5). The outer JWS is signed by the current key (`kid`); its payload
 * is an inner JWS signed by the new key (`jwk`, no nonce, same `url`) whose payload names the account and
 * the old key. Steps numbered as in the RFC.
 */
import { jwkThumbprint } from '../../core/jwk-thumbprint.js';
import { acmeProblems } from '../../core/problem.js';
import { quoted } from '../jws/flattened.js';
import { checkPublicJwk } from '../jws/keys.js';
import { parseAcmeJwsValue } from '../jws/parse.js';
import { verifyParsedJws } from '../jws/verify.js';
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest, payloadObject } from './request.js';
import { accountView } from './views.js';

export async function keyChange(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  // 1–2. The outer JWS: valid, signed by the account's current key (kid).
  const { jws, account } = await accountRequest(c);
  const outer = payloadObject(jws, 'keyChange');

  // 3–4. The inner JWS: well formed, a `jwk` (the new key), no nonce, signature by that key, same `url`.
  const parsed = parseAcmeJwsValue(outer, { nonce: 'forbidden' });
  if (parsed.key.mode !== 'jwk') {
    throw acmeProblems.malformed('The inner JWS of keyChange must carry the new key in "jwk", not "kid".');
  }
  const inner = await verifyParsedJws(parsed, { keyMode: 'jwk', url: jws.header.url, signatures: services(c).jwsSignatures });
  const change = payloadObject(inner, 'The inner JWS of keyChange');

  // 5. `account` is the account of the outer JWS.
  if (change.account !== jws.kid) {
    throw acmeProblems.unauthorized(`keyChange "account" ${quoted(change.account, 200)} is not the signing account ${quoted(jws.kid, 200)}.`);
  }
  // 6. `oldKey` is the account's current key.
  const oldKey = checkPublicJwk(change.oldKey, 'keyChange "oldKey"');
  if (jwkThumbprint(oldKey) !== account.thumbprint) {
    throw acmeProblems.unauthorized('keyChange "oldKey" is not the current key of the account.');
  }
  // 7. The new key belongs to no account yet (409 + Location of the one that has it).
  const newThumbprint = jwkThumbprint(inner.jwk);
  if (newThumbprint === account.thumbprint) throw acmeProblems.malformed('The new key is the account\'s current key.');
  const holder = await s.store.acme.accounts.byThumbprint(newThumbprint);
  const conflict = (id: string) =>
    acmeProblems.conflict('The new key is already the key of an account.', undefined, { location: l.account(id) });
  if (holder) throw conflict(holder.id);

  const result = await s.store.acme.accounts.changeKey(account.id, account.thumbprint, { thumbprint: newThumbprint, jwk: inner.jwk });
  if (result === 'conflict') {
    const raced = await s.store.acme.accounts.byThumbprint(newThumbprint);
    throw conflict(raced?.id ?? account.id);
  }
  if (result === 'stale') throw acmeProblems.unauthorized('The account key changed while this keyChange was processed: retry with the current key.');
  return acmeJson(accountView(l, { ...account, thumbprint: newThumbprint, jwk: inner.jwk }), 200, { location: l.account(account.id) });
}
