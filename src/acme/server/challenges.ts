/**
 * Challenges (RFC 8555 §7.5.1): POST-as-GET reads one; a POST of `{}` asks the server to validate it.
 * Validation runs inside the request (the registration authority, src/ra/acme/challenges.ts), so the
 * answer already has the outcome: the states move as §7.1.6 describes.
 *
 * CAA is checked at finalize, right before issuance (see finalize.ts), not here.
 */
import { acmeJson, links, services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest } from './request.js';
import { ownedChallenge } from './owned.js';
import { challengeView } from './views.js';

export async function challenge(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const l = links(c);
  const { jws, account } = await accountRequest(c);
  const owned = await ownedChallenge(s, c.req.param('id') ?? '', account);
  const up = { link: `<${l.authorization(owned.authorization.id)}>;rel="up"` };
  // A read answers with the challenge as it is; a POST asks the registration authority to validate it.
  const ch = jws.postAsGet ? owned.challenge : await s.ra.answerChallenge(account, owned.challenge, owned.authorization);
  return acmeJson(challengeView(l, ch), 200, up);
}
