/**
 * Loads the embedded CA from the store, creating its root and intermediate on first start. The private keys
 * are sealed (AES-256-GCM under the key-encryption key, bound to this row and purpose): on Node and on
 * Workers alike, the database never holds them in the clear. Two instances starting at once both create a
 * hierarchy; the first insert wins and both load the winner.
 */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/secrets/keyring.js';
import type { Store } from '../core/store/types.js';
import { createHierarchy, loadCa } from '../ca/hierarchy.js';
import { EmbeddedCa } from '../ca/embedded.js';

export const CA_ROW_ID = 'embedded';
const rootKeyCtx = { table: 'ca_material', id: CA_ROW_ID, purpose: 'root-key' };
const intermediateKeyCtx = { table: 'ca_material', id: CA_ROW_ID, purpose: 'intermediate-key' };

export function caUrls(baseUrl: string) {
  return { caIssuers: `${baseUrl}/ca/intermediate.crt`, crl: `${baseUrl}/ca/crl` };
}

export async function loadOrCreateEmbeddedCa(deps: { store: Store; keyring: Keyring; clock: Clock; config: Config }): Promise<EmbeddedCa> {
  let row = await deps.store.caMaterial.get(CA_ROW_ID);
  if (!row) {
    const made = await createHierarchy({ clock: deps.clock, organization: 'eabgate', rootCommonName: 'eabgate Root CA', intermediateCommonName: 'eabgate Issuing CA 1' });
    row = await deps.store.caMaterial.createIfAbsent({
      id: CA_ROW_ID,
      rootCertPem: made.rootCertPem,
      intermediateCertPem: made.intermediateCertPem,
      rootKeySealed: await deps.keyring.seal(made.rootKeyPkcs8, rootKeyCtx),
      intermediateKeySealed: await deps.keyring.seal(made.intermediateKeyPkcs8, intermediateKeyCtx),
      crlNumber: 0,
      createdAt: deps.clock.now(),
    });
    made.rootKeyPkcs8.fill(0);
    made.intermediateKeyPkcs8.fill(0);
  }
  const intermediateKeyPkcs8 = await deps.keyring.openBytes(row.intermediateKeySealed, intermediateKeyCtx);
  const ca = await loadCa({ rootCertPem: row.rootCertPem, intermediateCertPem: row.intermediateCertPem, intermediateKeyPkcs8 });
  intermediateKeyPkcs8.fill(0);
  return new EmbeddedCa({ ca, clock: deps.clock, urls: caUrls(deps.config.baseUrl), maxValidityDays: deps.config.caMaxValidityDays });
}
