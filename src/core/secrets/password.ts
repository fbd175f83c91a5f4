/**
 * Password hashing: argon2id at the OWASP figures (m = 19 MiB, t = 2, p = 1), stored as a PHC string.
 * The raw argon2id function is injected: Node uses hash-wasm (WebAssembly, ~80 ms), Workers use
 * @noble/hashes (pure JS; workerd forbids compiling WebAssembly from bytes at run time). Both compute the
 * same RFC 9106 function, so a hash made on one runtime verifies on the other.
 */
import { fromBase64, timingSafeEqual, toBase64, utf8 } from '../encoding.js';

export interface Argon2Params {
  m: number; // KiB
  t: number;
  p: number;
}

export type Argon2idFn = (password: Uint8Array, salt: Uint8Array, params: Argon2Params, dkLen: number) => Promise<Uint8Array>;

export const OWASP_ARGON2ID: Argon2Params = { m: 19456, t: 2, p: 1 };
const DK_LEN = 32;

// PHC strings use standard base64 without padding.
const b64 = (u: Uint8Array) => toBase64(u).replace(/=+$/, '');
const unb64 = (s: string) => fromBase64(s + '='.repeat((4 - (s.length % 4)) % 4));

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, phc: string): Promise<boolean>;
}

export function argon2idHasher(fn: Argon2idFn, params: Argon2Params = OWASP_ARGON2ID): PasswordHasher {
  return {
    async hash(password) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const dk = await fn(utf8.encode(password), salt, params, DK_LEN);
      return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(dk)}`;
    },
    async verify(password, phc) {
      const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
      // No stored hash is of an empty password (accounts need 12 characters), and argon2 libraries refuse one.
      if (!m || password.length === 0) return false;
      const stored = unb64(m[5]!);
      const dk = await fn(utf8.encode(password), unb64(m[4]!), { m: +m[1]!, t: +m[2]!, p: +m[3]! }, stored.length);
      return timingSafeEqual(dk, stored);
    },
  };
}
