/**
 * Certificate download (RFC 8555 §7.4.2): POST-as-GET by the account whose order it is, as
 * application/pem-certificate-chain: the leaf first, then the intermediate(s), no root.
 */
import { acmeProblems } from '../../core/problem.js';
import { services, type AcmeContext, type AcmeReply } from './http.js';
import { accountRequest } from './request.js';
import { notFound } from './owned.js';

const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

export async function certificate(c: AcmeContext): Promise<AcmeReply> {
  const s = services(c);
  const { jws, account } = await accountRequest(c);
  if (!jws.postAsGet) throw acmeProblems.malformed('Download a certificate with POST-as-GET (an empty payload).');
  const cert = await s.store.certificates.byId(c.req.param('id') ?? '');
  if (!cert || !cert.acmeOrderId) throw notFound('certificate');
  const o = await s.store.acme.orders.byId(cert.acmeOrderId);
  if (!o || o.accountId !== account.id) throw acmeProblems.unauthorized('This certificate belongs to another account.');
  return { status: 200, body: withNewline(cert.certPem) + withNewline(cert.chainPem), headers: { 'content-type': 'application/pem-certificate-chain' } };
}
