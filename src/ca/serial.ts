/**
 * Certificate serial numbers: 16 bytes from the platform CSPRNG (BR §7.1: at least 64 bits of CSPRNG
 * output, positive, non-zero). The top bit is cleared so that the DER INTEGER stays positive without a
 * padding byte, and the next bit is set so that the number keeps all 16 bytes (no leading zero to trim):
 * 126 random bits, always 32 hex digits.
 */
import { toHex } from '../core/encoding.js';
import { randomBytes } from '../core/random.js';

export const SERIAL_BYTES = 16;

export function newSerialHex(): string {
  const bytes = randomBytes(SERIAL_BYTES);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return toHex(bytes);
}
