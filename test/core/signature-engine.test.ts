/**
 * The two signature engines (WebCrypto for every runtime, node:crypto on Node) give the same answers: what
 * either signs verifies with both, altered signatures or data do not, a key either cannot use throws in
 * both, and a CSR made by the real openssl verifies through verifyPkcs10 under each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { webCryptoSignatures, useSignatureEngine, type DigestName, type PublicKeyParts, type SignatureEngine } from '../../src/core/signature-engine.js';
import { nodeSignatures } from '../../src/adapters/node/signatures.js';
import { fromBase64 } from '../../src/core/encoding.js';
import { readPkcs10 } from '../../src/csr/pkcs10.js';
import { verifyPkcs10 } from '../../src/csr/pkcs10-signature.js';
import { openssl } from '../support/tools.js';

const engines: Record<string, SignatureEngine> = { webcrypto: webCryptoSignatures, node: nodeSignatures() };
const CURVES: ['P-256' | 'P-384', DigestName][] = [
  ['P-256', 'SHA-256'],
  ['P-384', 'SHA-384'],
];
const data = new TextEncoder().encode('tbsCertificate stand-in '.repeat(20)) as Uint8Array<ArrayBuffer>;

async function ecPair(curve: 'P-256' | 'P-384') {
  // Not extractable, as the CA's own key is imported (src/ca/hierarchy.ts).
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const point = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, key: { kind: 'EC', curve, point } as PublicKeyParts };
}

afterAll(() => useSignatureEngine(webCryptoSignatures));

describe.each(Object.entries(engines))('%s engine', (_name, engine) => {
  it.each(CURVES)('%s: its signature verifies with both engines; altered ones do not', async (curve, hash) => {
    const { privateKey, key } = await ecPair(curve);
    const sig = await engine.signEcdsa(privateKey, hash, data);
    expect(sig.length).toBe(curve === 'P-256' ? 64 : 96);
    // The same key signs again (the node engine keeps its KeyObject): both signatures verify.
    const again = await engine.signEcdsa(privateKey, hash, data);
    for (const other of Object.values(engines)) {
      expect(await other.verify(key, hash, sig, data)).toBe(true);
      expect(await other.verify(key, hash, again, data)).toBe(true);
      const flipped = sig.slice();
      flipped[5]! ^= 1;
      expect(await other.verify(key, hash, flipped, data)).toBe(false);
      const changed = data.slice();
      changed[0]! ^= 1;
      expect(await other.verify(key, hash, sig, changed)).toBe(false);
    }
  });

  it('throws for a point off the curve', async () => {
    const { key } = await ecPair('P-256');
    if (key.kind !== 'EC') throw new Error('expected an EC key');
    const off = key.point.slice();
    off[64]! ^= 1;
    await expect(engine.verify({ ...key, point: off }, 'SHA-256', new Uint8Array(64), data)).rejects.toThrow();
  });

  it.each([
    ['RSA 2048, SHA-256', ['-newkey', 'rsa:2048', '-sha256']],
    ['RSA 2048, SHA-384', ['-newkey', 'rsa:2048', '-sha384']],
    ['P-256, SHA-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256']],
    ['P-384, SHA-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha384']],
  ])('verifies the self-signature of an openssl CSR (%s), and refuses it altered', async (_label, args) => {
    useSignatureEngine(engine);
    const r = openssl(['req', '-new', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=engine.example.com', ...args]);
    expect(r.status).toBe(0);
    const der = fromBase64(r.stdout.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
    expect(await verifyPkcs10(readPkcs10(der)!)).toBe(true);
    const bad = der.slice();
    bad[bad.length - 3]! ^= 1;
    // A signature that no longer verifies: false, or undefined (left to @peculiar/x509) when the DER no longer parses as ECDSA-Sig-Value.
    expect(await verifyPkcs10(readPkcs10(bad)!)).not.toBe(true);
  });
});
