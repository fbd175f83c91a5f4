/**
 * The key-encryption key (EABGATE_SECRET_KEY) and the keys derived from it with HKDF-SHA256:
 * - a sealing key (AES-256-GCM) for secrets that must be revealed later (unlock codes, HMAC keys, CA keys);
 * - a lookup key (HMAC-SHA256) for credentials stored only as digests (CA References, session tokens),
 *   so that a copy of the database alone cannot even confirm a guessed reference.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, fromBase64Url, utf8, utf8Decode, toHex } from '../encoding.js';

const SEAL_VERSION = 'v1';

export interface SealContext {
  /** Table the sealed value lives in. */
  table: string;
  /** Row id it belongs to. */
  id: string;
  /** What it is for (unlock-code, eab-hmac, ca-key, ...). */
  purpose: string;
}

function aad(ctx: SealContext): Uint8Array {
  return utf8.encode(`eabgate|${ctx.table}|${ctx.id}|${ctx.purpose}`);
}

/**
 * AES-256-GCM decryption of `ciphertext ‖ tag` under `key`, synchronous; throws when the tag does not verify.
 * A runtime may give one (Node: src/adapters/node/aes-gcm.ts) for the hot path's openings (an EAB key per
 * newAccount): on Node 20 WebCrypto's decrypt is a thread-pool job, about 58 µs of CPU against 7 µs.
 */
export type AesGcmOpen = (key: CryptoKey, iv: Uint8Array, additionalData: Uint8Array, ciphertextAndTag: Uint8Array) => Uint8Array;

/**
 * HMAC-SHA256 under `key`, synchronous: made once per key, then called with each message. A runtime may give
 * one (Node: src/adapters/node/hmac.ts) for the lookup MACs of the hot path; the portable one is
 * @noble/hashes in JavaScript (portableHmacSha256).
 */
export type HmacSha256 = (key: Uint8Array) => (data: Uint8Array) => Uint8Array;

/** HMAC-SHA256 in JavaScript, with the key already absorbed (its inner and outer blocks): each MAC clones that state. */
export const portableHmacSha256: HmacSha256 = (key) => {
  const keyed = hmac.create(sha256, key);
  return (data) => keyed.clone().update(data).digest();
};

export class Keyring {
  private constructor(
    private readonly sealKey: CryptoKey,
    /**
     * The lookup key's bytes. Its HMACs are synchronous: every ACME request takes two (its nonce's MAC
     * checked, the next nonce's made), and through WebCrypto each one was an asynchronous job with a
     * thread-pool round trip costing far more than the hash of ~60 bytes.
     */
    lookupKey: Uint8Array,
    private readonly aesGcmOpen?: AesGcmOpen,
    hmacSha256: HmacSha256 = portableHmacSha256,
  ) {
    this.keyedLookup = hmacSha256(lookupKey);
  }

  /** HMAC-SHA256 under the lookup key. */
  private readonly keyedLookup: (data: Uint8Array) => Uint8Array;

  static async fromSecret(secret: Uint8Array, opts: { aesGcmOpen?: AesGcmOpen; hmacSha256?: HmacSha256 } = {}): Promise<Keyring> {
    if (secret.length !== 32) throw new Error('key-encryption key must be 32 bytes');
    const ikm = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveKey']);
    const derive = (info: string, alg: AesKeyGenParams | HmacImportParams, usages: KeyUsage[]) =>
      crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode('eabgate-keyring'), info: utf8.encode(info) },
        ikm,
        alg,
        false,
        usages,
      );
    const sealKey = await derive('seal/aes-256-gcm', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']);
    // The same 32 bytes deriveKey would give an HMAC-SHA256 key of length 256 (RFC 5869 output, first 32 bytes).
    const lookupBits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode('eabgate-keyring'), info: utf8.encode('lookup/hmac-sha256') },
      await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']),
      256,
    );
    return new Keyring(sealKey, new Uint8Array(lookupBits), opts.aesGcmOpen, opts.hmacSha256);
  }

  /** Seals a secret to its row: "v1.<iv>.<ciphertext+tag>", unreadable when moved to another row or purpose. */
  async seal(plaintext: string | Uint8Array, ctx: SealContext): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = typeof plaintext === 'string' ? utf8.encode(plaintext) : plaintext;
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(ctx) as BufferSource }, this.sealKey, data as BufferSource);
    return `${SEAL_VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
  }

  async openBytes(sealed: string, ctx: SealContext): Promise<Uint8Array> {
    const [version, ivB64, ctB64] = sealed.split('.');
    if (version !== SEAL_VERSION || !ivB64 || !ctB64) throw new Error('sealed value has an unknown format');
    const iv = fromBase64Url(ivB64);
    const ct = fromBase64Url(ctB64);
    if (this.aesGcmOpen) return this.aesGcmOpen(this.sealKey, iv, aad(ctx), ct);
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(ctx) as BufferSource }, this.sealKey, ct as BufferSource);
    return new Uint8Array(pt);
  }

  async open(sealed: string, ctx: SealContext): Promise<string> {
    return utf8Decode.decode(await this.openBytes(sealed, ctx));
  }

  /** Keyed digest for looking up a high-entropy credential without storing it. */
  async lookupDigest(purpose: string, value: string): Promise<string> {
    return toHex(this.lookupMac(purpose, value));
  }

  /** The raw HMAC-SHA256 behind lookupDigest (32 bytes), synchronous. */
  lookupMac(purpose: string, value: string): Uint8Array {
    return this.keyedLookup(utf8.encode(`${purpose}\n${value}`));
  }
}
