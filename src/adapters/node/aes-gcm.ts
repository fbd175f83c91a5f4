/**
 * The keyring's AES-256-GCM opening on Node (src/core/secrets/keyring.ts: AesGcmOpen): node:crypto's
 * synchronous decipher, with the sealing CryptoKey's KeyObject made once (./key-objects.ts).
 */
import { createDecipheriv } from 'node:crypto';
import { keyObjectOf } from './key-objects.js';
import type { AesGcmOpen } from '../../core/secrets/keyring.js';

const TAG_BYTES = 16;

export function nodeAesGcmOpen(): AesGcmOpen {
  return (key, iv, additionalData, ciphertextAndTag) => {
    if (ciphertextAndTag.length < TAG_BYTES) throw new Error('sealed value is too short');
    const decipher = createDecipheriv('aes-256-gcm', keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
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
