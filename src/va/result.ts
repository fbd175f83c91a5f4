/** What a validation or a CAA check answers: success, or the RFC 8555 problem a customer can act on. */
import type { Problem } from '../core/problem.js';

export type ValidationResult = { valid: true } | { valid: false; problem: Problem };
export type CaaResult = { ok: true } | { ok: false; problem: Problem };

export const valid = (): ValidationResult => ({ valid: true });
export const invalid = (problem: Problem): ValidationResult => ({ valid: false, problem });
