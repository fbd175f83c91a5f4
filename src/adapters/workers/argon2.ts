import { argon2idAsync } from '@noble/hashes/argon2.js';
import type { Argon2idFn } from '../../core/secrets/password.js';

/** argon2id on Workers: pure JS, since workerd does not compile WebAssembly from bytes at run time. */
export const nobleArgon2id: Argon2idFn = async (password, salt, params, dkLen) =>
  argon2idAsync(password, salt, { m: params.m, t: params.t, p: params.p, dkLen });
