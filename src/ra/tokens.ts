/** Challenge tokens (RFC 8555 §8.1: at least 128 bits of entropy): 256 random bits, base64url. One generator for every order kind. */
import { randomBytes } from '../core/random.js';
import { toBase64Url } from '../core/encoding.js';

export const newChallengeToken = (): string => toBase64Url(randomBytes(32));
