/** Test helpers: real keys and real JWS from jose, an in-memory NonceStore, problem assertions. */
import { exportJWK, FlattenedSign, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';
import { Problem, ACME_PROBLEM_BASE, acmeProblems } from '../../../src/core/problem.js';
import { toBase64Url, utf8 } from '../../../src/core/encoding.js';
import type { NonceStore } from '../../../src/acme/jws/verify.js';

/** Unit-test NonceStore: a Set of unused nonces. Counts consume() calls so tests can see what was spent. */
export class MemoryNonceStore implements NonceStore {
  readonly unused = new Set<string>();
  consumeCalls = 0;
  async issue(): Promise<string> {
    const n = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    this.unused.add(n);
    return n;
  }
  async consume(nonce: string): Promise<boolean> {
    this.consumeCalls++;
    return this.unused.delete(nonce);
  }
}

export interface TestKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function testKey(alg: 'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

export const b64json = (value: unknown): string => toBase64Url(utf8.encode(JSON.stringify(value)));

/** Signs `payload` (object → JSON, "" → POST-as-GET) with jose's FlattenedSign. */
export async function sign(
  key: CryptoKey | Uint8Array,
  header: Record<string, unknown>,
  payload: unknown,
): Promise<{ protected: string; payload: string; signature: string }> {
  const bytes = payload === '' ? new Uint8Array() : utf8.encode(JSON.stringify(payload));
  const jws = await new FlattenedSign(bytes).setProtectedHeader(header as { alg: string }).sign(key);
  return { protected: jws.protected!, payload: jws.payload, signature: jws.signature };
}

/** Builds a JWS by hand, for what jose refuses to sign (alg none, RSA-1024, …). */
export async function signRaw(
  header: Record<string, unknown>,
  payload: unknown,
  signer: (input: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>,
): Promise<{ protected: string; payload: string; signature: string }> {
  const p = b64json(header);
  const pl = payload === '' ? '' : b64json(payload);
  const sig = await signer(utf8.encode(`${p}.${pl}`));
  return { protected: p, payload: pl, signature: toBase64Url(sig) };
}

/**
 * Asserts that `action` fails with the ACME problem `type` and a detail matching `detail`; the status is
 * the one problem.ts gives the type unless `status` says otherwise (415 for the content type).
 */
export async function expectProblem(
  action: Promise<unknown> | (() => unknown),
  type: keyof typeof acmeProblems,
  detail: RegExp,
  status = acmeProblems[type]('').status,
): Promise<Problem> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${type} problem`).toBeInstanceOf(Problem);
  const p = caught as Problem;
  expect({ type: p.type, status: p.status }).toEqual({ type: ACME_PROBLEM_BASE + type, status });
  expect(p.detail).toMatch(detail);
  return p;
}
