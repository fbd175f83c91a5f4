/**
 * What the certificate of a REST or portal order will not carry as the customer wrote it, said to the
 * customer instead of done silently:
 *   - names-added: the CSR names fewer host names than the order; the CA puts every validated name of the
 *     order in the certificate (the reseller's CSR guide: "the CA adds the names");
 *   - subject-field-left-out: organizationalUnitName (forbidden in subscriber certificates since 2022-09-01,
 *     Baseline Requirements §7.1.4.2, ballot SC-47v2) and an e-mail address (not allowed in a TLS server
 *     certificate's subject) are kept with the order but not put in the certificate;
 *   - subject-from-order: the certificate's subject comes from the order, never from the CSR (DV names
 *     only host names; OV/EV the organization as validated).
 */
import { x509, type X509 } from '../core/x509-lazy.js';
import { withoutNewCsrLabel } from '../core/pem.js';
import { normalizeName } from '../core/hostname.js';
import type { Organization, Product } from '../core/store/types.js';

export interface OrderNotice {
  code: 'names-added' | 'subject-field-left-out' | 'subject-from-order';
  /** The order field or CSR attribute concerned (organization.unit, organization.email, csr.OU, csr.E, csr). */
  field: string;
  detail: string;
}

const OU_RULE =
  'the Baseline Requirements forbid the organizational unit (OU) in publicly trusted TLS certificates since 1 September 2022 (§7.1.4.2, ballot SC-47v2)';
const EMAIL_RULE = 'the Baseline Requirements do not allow an e-mail address in the subject of a TLS server certificate (§7.1.4.2)';
const OID_EMAIL = '1.2.840.113549.1.9.1';

function parse(csrPem: string): X509.Pkcs10CertificateRequest | undefined {
  try {
    return new x509.Pkcs10CertificateRequest(withoutNewCsrLabel(csrPem.trim()));
  } catch {
    return undefined;
  }
}

function csrNames(csr: X509.Pkcs10CertificateRequest): string[] {
  const ext = csr.getExtension('2.5.29.17');
  const san = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined;
  const names = (san?.names.items ?? []).filter((g) => g.type === 'dns').map((g) => normalizeName(g.value));
  const cn = csr.subjectName.getField('CN')[0];
  if (names.length === 0 && cn) names.push(normalizeName(cn));
  return [...new Set(names)];
}

/** After loadX509() (src/core/x509-lazy.ts): the REST order view and the portal app await it. */
export function orderNotices(order: { product: Product; domains: string[]; organization: Organization; csrPem: string; autoCsr: boolean }): OrderNotice[] {
  const out: OrderNotice[] = [];
  const csr = parse(order.csrPem);
  const subject = csr?.subjectName;
  const field = (name: string) => subject?.getField(name) ?? [];

  if (csr && !order.autoCsr) {
    const named = csrNames(csr);
    const added = order.domains.filter((d) => !named.includes(d));
    if (added.length > 0) {
      out.push({
        code: 'names-added',
        field: 'csr',
        detail:
          `Your CSR names ${named.length ? named.join(', ') : 'no host name'}; the certificate will carry every name of the order once validated: ` +
          `${order.domains.join(', ')}. We add ${added.join(', ')} for you; there is nothing to change in your CSR.`,
      });
    }
  }

  const units = new Set([order.organization.unit, ...field('OU')].filter((v): v is string => !!v?.trim()).map((v) => v.trim()));
  for (const unit of units) {
    out.push({
      code: 'subject-field-left-out',
      field: order.organization.unit?.trim() === unit ? 'organization.unit' : 'csr.OU',
      detail: `The organizational unit “${unit}” is not put in the certificate: ${OU_RULE}. It stays with your order.`,
    });
  }
  const emails = new Set([order.organization.email, ...field('E'), ...field(OID_EMAIL)].filter((v): v is string => !!v?.trim()).map((v) => v.trim()));
  for (const email of emails) {
    out.push({
      code: 'subject-field-left-out',
      field: order.organization.email?.trim() === email ? 'organization.email' : 'csr.E',
      detail: `The e-mail address ${email} is not put in the certificate: ${EMAIL_RULE}. It stays with your order.`,
    });
  }

  if (csr && !order.autoCsr) {
    const orgFields = ['O', 'L', 'ST', 'C'].filter((f) => field(f).length > 0);
    if (order.product === 'dv' && orgFields.length > 0) {
      out.push({
        code: 'subject-from-order',
        field: 'csr',
        detail:
          `A DV certificate names only host names: the ${orgFields.join(', ')} of your CSR ${orgFields.length === 1 ? 'is' : 'are'} not put in it. ` +
          'An OV certificate names your organization after we check it.',
      });
    } else if (order.product !== 'dv') {
      const org = order.organization;
      const differs = (f: string, v: string | undefined) => field(f).length > 0 && field(f)[0]!.trim() !== (v ?? '').trim();
      const different = [
        ['O', org.name],
        ['L', org.locality],
        ['ST', org.state],
        ['C', org.country],
      ].filter(([f, v]) => differs(f!, v));
      if (different.length > 0) {
        out.push({
          code: 'subject-from-order',
          field: 'csr',
          detail: `The certificate names the organization as in your order, which we validate; your CSR's ${different.map(([f]) => f).join(', ')} differ${different.length === 1 ? 's' : ''} and ${different.length === 1 ? 'is' : 'are'} not used.`,
        });
      }
    }
  }
  return out;
}
