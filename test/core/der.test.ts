import { describe, expect, it } from 'vitest';
import { children, ecdsaSignatureToDer, oidToDer, oidToString, parse, readTlv, tlv, TAG, unsignedInteger } from '../../src/core/der.js';

describe('core/der', () => {
  it('writes and reads back nested TLVs, long lengths included', () => {
    const long = new Uint8Array(300).fill(7);
    const der = tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, new Uint8Array([1])), tlv(TAG.OCTET_STRING, long));
    expect(Array.from(der.subarray(0, 4))).toEqual([0x30, 0x82, 0x01, 0x33]);
    const [i, o] = children(parse(der).content);
    expect(i!.tag).toBe(TAG.INTEGER);
    expect(o!.content).toEqual(long);
    expect(() => parse(new Uint8Array([...der, 0]))).toThrow(/trailing/);
    expect(() => readTlv(der.subarray(0, 10))).toThrow(/truncated/);
  });

  it('encodes unsigned INTEGERs minimally and P1363 signatures as ECDSA-Sig-Value', () => {
    expect(Array.from(unsignedInteger(new Uint8Array([0, 0, 0x80])))).toEqual([2, 2, 0, 0x80]);
    expect(Array.from(unsignedInteger(new Uint8Array([0, 0])))).toEqual([2, 1, 0]);
    const sig = ecdsaSignatureToDer(new Uint8Array([0x80, 1, 0, 2]));
    expect(Array.from(sig)).toEqual([0x30, 8, 2, 3, 0, 0x80, 1, 2, 1, 2]);
  });

  it('converts OIDs both ways', () => {
    for (const oid of ['1.2.840.10045.3.1.7', '1.3.132.0.34', '1.2.840.113549.1.1.1', '2.5.29.17']) {
      const der = oidToDer(oid);
      expect(der[0]).toBe(TAG.OID);
      expect(oidToString(readTlv(der).content)).toBe(oid);
    }
  });
});
