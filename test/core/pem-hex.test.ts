import { describe, expect, it } from 'vitest';
import { CSR_PEM_BEGIN, PemError, pemBlocks, toPem, withoutNewCsrLabel } from '../../src/core/pem.js';
import { fromHex, toHex } from '../../src/core/encoding.js';

describe('core/pem', () => {
  it('writes 64-character lines and reads the blocks back, headers and other text ignored', () => {
    const der = Uint8Array.from({ length: 100 }, (_, i) => i);
    const pem = toPem('CERTIFICATE', der);
    expect(pem.split('\n')[1]).toHaveLength(64);
    const text = `junk\n${pem}\n-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAEC\n-----END EC PRIVATE KEY-----\n`;
    const blocks = pemBlocks(text);
    expect(blocks.map((b) => b.label)).toEqual(['CERTIFICATE', 'EC PRIVATE KEY']);
    expect(blocks[0]!.der).toEqual(der);
    expect(Array.from(blocks[1]!.der)).toEqual([0, 1, 2]);
    expect(pemBlocks(text, 'EC PRIVATE KEY')).toHaveLength(1);
  });

  it('names the label of a damaged block, and knows the CSR labels', () => {
    expect(() => pemBlocks('-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----')).toThrow(PemError);
    expect(CSR_PEM_BEGIN.test('-----BEGIN NEW CERTIFICATE REQUEST-----')).toBe(true);
    expect(withoutNewCsrLabel('-----BEGIN NEW CERTIFICATE REQUEST-----')).toBe('-----BEGIN CERTIFICATE REQUEST-----');
  });
});

describe('core/encoding hex', () => {
  it('round-trips and pads an odd length', () => {
    expect(toHex(fromHex('00ff10'))).toBe('00ff10');
    expect(Array.from(fromHex('abc'))).toEqual([0x0a, 0xbc]);
    expect(() => fromHex('xy')).toThrow();
  });
});
