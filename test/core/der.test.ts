import { describe, expect, it } from 'vitest';
import { children, ecdsaSignatureToDer, oidToDer, oidToString, oidToStringStrict, parse, readTlv, tlv, TAG, unsignedInteger } from '../../src/core/der.js';

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

  it('strict: refuses lengths not in their shortest form (DER), which the lenient reader takes', () => {
    const lenient = [
      [0x04, 0x81, 0x01, 0x07], // 1 written in long form
      [0x04, 0x82, 0x00, 0x01, 0x07], // with a leading zero octet
    ].map((b) => new Uint8Array(b));
    for (const b of lenient) {
      expect(parse(b).content).toEqual(new Uint8Array([7]));
      expect(() => parse(b, true)).toThrow(/shortest form/);
    }
    const long = tlv(TAG.OCTET_STRING, new Uint8Array(200));
    expect(parse(long, true).content.length).toBe(200);
    expect(children(parse(tlv(TAG.SEQUENCE, long, long), true).content, true)).toHaveLength(2);
  });

  it('strict OIDs: the DER encoding only', () => {
    expect(oidToStringStrict(readTlv(oidToDer('1.2.840.113549.1.9.14')).content)).toBe('1.2.840.113549.1.9.14');
    expect(oidToStringStrict(new Uint8Array([0x55, 0x1d, 0x80, 0x11]))).toBeUndefined(); // 0x80: a padded subidentifier
    expect(oidToStringStrict(new Uint8Array([0x55, 0x1d, 0x91]))).toBeUndefined(); // incomplete
    expect(oidToStringStrict(new Uint8Array([]))).toBeUndefined();
  });

  it('converts OIDs both ways', () => {
    for (const oid of ['1.2.840.10045.3.1.7', '1.3.132.0.34', '1.2.840.113549.1.1.1', '2.5.29.17']) {
      const der = oidToDer(oid);
      expect(der[0]).toBe(TAG.OID);
      expect(oidToString(readTlv(der).content)).toBe(oid);
    }
  });
});
