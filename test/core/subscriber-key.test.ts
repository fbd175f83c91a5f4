import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { subscriberKeyLabel, subscriberKeyOf } from '../../src/core/subscriber-key.js';
import { checkCsr } from '../../src/csr/check.js';
import { opensslCsr } from '../ca/support.js';

const rsa = (bits: number, e = [1, 0, 1]) => ({ algorithm: { name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array(e) } as Algorithm });
const ec = (namedCurve: string) => ({ algorithm: { name: 'ECDSA', namedCurve } as Algorithm });

const fault = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};

describe('subscriber-key policy', () => {
  it('accepts RSA 2048-8192 (multiple of 8, e = 65537) and ECDSA P-256/P-384', () => {
    expect(subscriberKeyLabel(subscriberKeyOf(rsa(2048)))).toBe('RSA-2048');
    expect(subscriberKeyOf(rsa(8192, [0, 1, 0, 1]))).toEqual({ kind: 'rsa', bits: 8192 });
    expect(subscriberKeyLabel(subscriberKeyOf(ec('P-384')))).toBe('ECDSA-P-384');
  });

  it('refuses everything else with a badCsr weak-key error naming the fault', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => subscriberKeyOf(rsa(1024)), /^csr: RSA key of 1024 bits: keys of 2048 to 8192 bits \(a multiple of 8\)/],
      [() => subscriberKeyOf(rsa(2052)), /RSA key of 2052 bits/],
      [() => subscriberKeyOf(rsa(16384)), /RSA key of 16384 bits/],
      [() => subscriberKeyOf(rsa(2048, [3])), /RSA public exponent 3: only 65537 is accepted/],
      [() => subscriberKeyOf(rsa(2048, [1, 0, 0, 1])), /RSA public exponent 16777217/],
      [() => subscriberKeyOf(ec('P-521')), /ECDSA key on curve P-521: P-256 and P-384 are accepted/],
      [() => subscriberKeyOf({ algorithm: { name: 'RSA-PSS' } }), /key algorithm RSA-PSS: RSA \(2048-8192 bits\)/],
      [() => subscriberKeyOf({ algorithm: { name: 'Ed25519' } }), /key algorithm Ed25519/],
    ];
    for (const [f, detail] of cases) {
      const err = fault(f);
      expect(err.code).toBe('badCsr');
      expect(err.field).toBe('csr');
      expect(err.extensions.rule).toBe('weak-key');
      expect(err.detail).toMatch(detail);
    }
  });
});

describe('checkCsr faults are domain errors', () => {
  it('weak key, names and unparseable text', async () => {
    const weak = await checkCsr(opensslCsr(['rsa:1024'], 'a.example.com'), ['a.example.com']).catch((e: unknown) => e);
    expect(weak).toBeInstanceOf(DomainError);
    expect((weak as DomainError).extensions).toEqual({ rule: 'weak-key' });
    const names = await checkCsr(opensslCsr(['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'a.example.com'), ['b.example.com']).catch((e: unknown) => e);
    expect((names as DomainError).code).toBe('badCsr');
    expect((names as DomainError).extensions.rule).toBe('names');
    const junk = await checkCsr('hello', ['a.example.com']).catch((e: unknown) => e);
    expect((junk as DomainError).extensions.rule).toBe('unparseable');
  });
});
