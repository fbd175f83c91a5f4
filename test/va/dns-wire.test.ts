import { describe, expect, it } from 'vitest';
import {
  DnsWireError,
  RRType,
  decodeAaaa,
  decodeCaa,
  decodeCname,
  decodeMessage,
  decodeTxt,
  encodeAaaa,
  encodeCaa,
  encodeMessage,
  encodeQuery,
  encodeTxt,
} from '../../src/va/dns-wire.js';

/** A response written byte by byte, as a real server compresses it (RFC 1035 §4.1.4). */
function handMadeResponse(): Uint8Array {
  const name = [1, 0x61, 7, ...Buffer.from('example'), 0]; // a.example at offset 12
  return new Uint8Array([
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, // id, QR RD RA, 1 question, 2 answers
    ...name, 0, 1, 0, 1, // question: a.example A IN
    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 0x62, 0xc0, 14, // a.example CNAME b.<ptr example>
    1, 0x62, 0xc0, 14, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7, // b.example A 192.0.2.7
  ]);
}

describe('DNS wire codec', () => {
  it('reads compressed names and the CNAME chain of a hand-made response', () => {
    const raw = handMadeResponse();
    const m = decodeMessage(raw);
    expect(m).toMatchObject({ id: 0x1234, response: true, rcode: 0, recursionAvailable: true });
    expect(m.questions).toEqual([{ name: 'a.example', type: RRType.A, class: 1 }]);
    expect(m.answers.map((a) => [a.name, a.type])).toEqual([
      ['a.example', RRType.CNAME],
      ['b.example', RRType.A],
    ]);
    expect(decodeCname(raw, m.answers[0]!)).toBe('b.example');
    expect(Array.from(m.answers[1]!.rdata)).toEqual([192, 0, 2, 7]);
  });

  it('rejects compression loops and truncated messages instead of hanging or reading past the end', () => {
    const loop = new Uint8Array([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => decodeMessage(loop)).toThrow(DnsWireError);
    const raw = handMadeResponse();
    expect(() => decodeMessage(raw.subarray(0, raw.length - 2))).toThrow(DnsWireError);
    expect(() => decodeMessage(new Uint8Array([1, 2, 3]))).toThrow(DnsWireError);
  });

  it('round-trips a query', () => {
    const m = decodeMessage(encodeQuery(7, 'Mixed.Example.', RRType.CAA));
    expect(m).toMatchObject({ id: 7, response: false, recursionDesired: true });
    expect(m.questions).toEqual([{ name: 'mixed.example', type: RRType.CAA, class: 1 }]);
  });

  it('splits long TXT values into 255-byte strings and keeps several strings apart', () => {
    const long = 'x'.repeat(300);
    expect(decodeTxt(encodeTxt(long))).toEqual(['x'.repeat(255), 'x'.repeat(45)]);
    expect(decodeTxt(encodeTxt(['v=1', 'second']))).toEqual(['v=1', 'second']);
  });

  it('encodes CAA as flags, tag length, tag, value (RFC 8659 §4.1)', () => {
    const rdata = encodeCaa({ flags: 128, tag: 'issue', value: 'ca.example; accounturi=https://x/1' });
    expect(Array.from(rdata.subarray(0, 7))).toEqual([128, 5, ...Buffer.from('issue')]);
    expect(decodeCaa(rdata)).toEqual({ flags: 128, tag: 'issue', value: 'ca.example; accounturi=https://x/1' });
  });

  it('writes and reads IPv6 addresses in RFC 5952 form', () => {
    for (const a of ['2001:db8::1', '::1', 'fe80::1:0:0:2', '2001:db8:0:1:1:1:1:1']) expect(decodeAaaa(encodeAaaa(a))).toBe(a);
    expect(decodeAaaa(encodeAaaa('::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
    expect(() => encodeAaaa('1::2::3')).toThrow(DnsWireError);
  });

  it('encodes a response the decoder reads back', () => {
    const raw = encodeMessage({
      id: 9,
      response: true,
      rcode: 3,
      questions: [{ name: 'nope.example', type: RRType.TXT, class: 1 }],
    });
    expect(decodeMessage(raw)).toMatchObject({ id: 9, response: true, rcode: 3, answers: [] });
  });
});
