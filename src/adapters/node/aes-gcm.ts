/**
 * The keyring's AES-256-GCM opening on Node (src/core/secrets/keyring.ts: AesGcmOpen): node:crypto's
 * synchronous decipher, with the sealing CryptoKey's KeyObject kept beside it.
 */
import { createDecipheriv, KeyObject } from 'node:crypto';
import type { AesGcmOpen } from '../../core/secrets/keyring.js';

const TAG_BYTES = 16;

export function nodeAesGcmOpen(): AesGcmOpen {
  const keys = new WeakMap<CryptoKey, KeyObject>();
  return (key, iv, additionalData, ciphertextAndTag) => {
    if (ciphertextAndTag.length < TAG_BYTES) throw new Error('sealed value is too short');
    let k = keys.get(key);
    if (!k) keys.set(key, (k = KeyObject.from(key)));
    const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData);
    decipher.setAuthTag(ciphertextAndTag.subarray(ciphertextAndTag.length - TAG_BYTES));
    const head = decipher.update(ciphertextAndTag.subarray(0, ciphertextAndTag.length - TAG_BYTES));
    const tail = decipher.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  };
}
