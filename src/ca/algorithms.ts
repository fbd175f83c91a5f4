/** The CA's own key and signature algorithm: ECDSA on P-384 with SHA-384 (BR §6.1.5, §7.1.3.2). */

export const CA_KEY_ALGORITHM: EcKeyGenParams & EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-384' };

export const CA_SIGNATURE_ALGORITHM: EcdsaParams = { name: 'ECDSA', hash: 'SHA-384' };
