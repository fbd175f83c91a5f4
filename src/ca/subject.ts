/**
 * The subject of a leaf certificate (BR §7.1.2.7, §7.1.4.2). The CN is the first domain, when it fits
 * (ub-common-name is 64 characters; the CN is optional, the SAN carries the names anyway). DV subjects hold
 * nothing else. OV and EV subjects add the organization of the order, taken from the order and never from
 * the CSR: O, L and/or ST, C. Attributes are written in the order BR §7.1.4.2 lists them.
 *
 * organizationalUnitName and emailAddress are left out although the order may carry them: the Baseline
 * Requirements forbid OU in subscriber certificates since 2022-09-01 (ballot SC-47) and do not allow an
 * e-mail address in a TLS subject.
 */
import type { x509 } from '../core/x509.js';
import type { Organization, Product } from '../core/store/types.js';
import { problems } from '../core/problem.js';

const UB_COMMON_NAME = 64;
const OID_BUSINESS_CATEGORY = '2.5.4.15';
const OID_SERIAL_NUMBER = '2.5.4.5';
const OID_JURISDICTION_LOCALITY = '1.3.6.1.4.1.311.60.2.1.1';
const OID_JURISDICTION_STATE = '1.3.6.1.4.1.311.60.2.1.2';
const OID_JURISDICTION_COUNTRY = '1.3.6.1.4.1.311.60.2.1.3';
const UB_ORGANIZATION_NAME = 64;
const UB_LOCALITY_OR_STATE = 128;

const fault = (field: string, detail: string) =>
  problems.validation(`organization.${field}: ${detail}`, { field: `organization.${field}` });

function text(field: string, value: string | undefined, max: number): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (v.length > max) throw fault(field, `longer than ${max} characters`);
  return v;
}

/** The subject's attributes for a certificate of `product` naming `domains`. */
export function leafSubject(product: Product, domains: string[], organization?: Organization): x509.JsonName {
  const name: x509.JsonName = [];
  if (product !== 'dv') {
    if (!organization) throw problems.validation(`an ${product.toUpperCase()} certificate needs the order's organization`, { field: 'organization' });
    const o = text('name', organization.name, UB_ORGANIZATION_NAME);
    const l = text('locality', organization.locality, UB_LOCALITY_OR_STATE);
    const st = text('state', organization.state, UB_LOCALITY_OR_STATE);
    const c = organization.country?.trim().toUpperCase();
    if (!o) throw fault('name', `an ${product.toUpperCase()} certificate needs the organization's name`);
    if (!c || !/^[A-Z]{2}$/.test(c)) throw fault('country', 'a two-letter ISO 3166-1 country code is required');
    if (!l && !st) throw fault('locality', 'a locality or a state/province is required');
    name.push({ C: [c] });
    if (st) name.push({ ST: [st] });
    if (l) name.push({ L: [l] });
    if (product === 'ev') {
      // EV Guidelines §7.1.4.2: business category, jurisdiction of incorporation, registration number.
      const category = text('businessCategory', organization.businessCategory, 64);
      const reg = text('registrationNumber', organization.registrationNumber, 64);
      const jc = organization.jurisdictionCountry?.trim().toUpperCase();
      if (!category) throw fault('businessCategory', 'an EV certificate needs the business category');
      if (!reg) throw fault('registrationNumber', 'an EV certificate needs the registration number');
      if (!jc || !/^[A-Z]{2}$/.test(jc)) throw fault('jurisdictionCountry', 'an EV certificate needs the jurisdiction country (two letters)');
      const js = text('jurisdictionState', organization.jurisdictionState, UB_LOCALITY_OR_STATE);
      const jl = text('jurisdictionLocality', organization.jurisdictionLocality, UB_LOCALITY_OR_STATE);
      name.push({ [OID_BUSINESS_CATEGORY]: [category] });
      name.push({ [OID_JURISDICTION_COUNTRY]: [jc] });
      if (js) name.push({ [OID_JURISDICTION_STATE]: [js] });
      if (jl) name.push({ [OID_JURISDICTION_LOCALITY]: [jl] });
      name.push({ [OID_SERIAL_NUMBER]: [reg] });
    }
    name.push({ O: [o] });
  }
  const cn = domains[0];
  if (cn !== undefined && cn.length <= UB_COMMON_NAME) name.push({ CN: [cn] });
  return name;
}
