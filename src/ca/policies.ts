/** CA/Browser Forum reserved certificate policy identifiers (BR §7.1.6.1), one per product. */
import type { Product } from '../core/store/types.js';

export const POLICY_OIDS: Readonly<Record<Product, string>> = {
  dv: '2.23.140.1.2.1',
  ov: '2.23.140.1.2.2',
  ev: '2.23.140.1.1',
};
