/**
 * The node:crypto KeyObject of a WebCrypto CryptoKey, made once per key and kept beside it (a WeakMap: gone
 * with the key). For the synchronous node:crypto calls that stand in for WebCrypto on Node
 * (./signatures.ts, ./aes-gcm.ts).
 */
import { KeyObject } from 'node:crypto';

const keyObjects = new WeakMap<CryptoKey, KeyObject>();

export function keyObjectOf(key: CryptoKey): KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = KeyObject.from(key)));
  return k;
}
