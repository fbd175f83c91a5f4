import { describe, it, expect } from 'vitest';
import { Keyring } from '../../../src/core/secrets/keyring.js';
import { nodeAesGcmOpen } from '../../../src/adapters/node/aes-gcm.js';
import { nodeHmacSha256 } from '../../../src/adapters/node/hmac.js';
import { newUnlockCode, newCaReference, randomSymbols, TYPEABLE_ALPHABET } from '../../../src/core/secrets/tokens.js';

describe('keyring', () => {
  it('seals to a row: the value opens only with the same table, id and purpose', async () => {
    const k = await Keyring.fromSecret(crypto.getRandomValues(new Uint8Array(32)));
    const ctx = { table: 'unlock_codes', id: 'row-1', purpose: 'unlock-code' };
    const sealed = await k.seal('AAAA-BBBB', ctx);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('AAAA');
    expect(await k.open(sealed, ctx)).toBe('AAAA-BBBB');
    await expect(k.open(sealed, { ...ctx, id: 'row-2' })).rejects.toThrow();
    await expect(k.open(sealed, { ...ctx, purpose: 'eab-hmac' })).rejects.toThrow();
    const other = await Keyring.fromSecret(crypto.getRandomValues(new Uint8Array(32)));
    await expect(other.open(sealed, ctx)).rejects.toThrow();
    expect(await k.seal('AAAA-BBBB', ctx)).not.toBe(sealed); // fresh nonce every time
  });

  it("opens with Node's synchronous decipher exactly what WebCrypto opens, and refuses the same", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const web = await Keyring.fromSecret(secret);
    const node = await Keyring.fromSecret(secret, { aesGcmOpen: nodeAesGcmOpen() });
    const ctx = { table: 'eab_credentials', id: 'kid-1', purpose: 'eab-hmac' };
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    for (const [sealer, opener] of [[web, node], [node, web], [node, node]] as const) {
      const sealed = await sealer.seal(bytes, ctx);
      expect(await opener.openBytes(sealed, ctx)).toEqual(bytes);
      await expect(opener.openBytes(sealed, { ...ctx, id: 'kid-2' })).rejects.toThrow();
      const [v, iv, ct] = sealed.split('.');
      const flipped = ct!.slice(0, 5) + (ct![5] === 'A' ? 'B' : 'A') + ct!.slice(6);
      await expect(opener.openBytes(`${v}.${iv}.${flipped}`, ctx)).rejects.toThrow();
      await expect(opener.openBytes(`${v}.${iv}.${ct!.slice(0, 10)}`, ctx)).rejects.toThrow();
    }
    expect(await node.open(await web.seal('AAAA-BBBB', ctx), ctx)).toBe('AAAA-BBBB');
  });

  it('computes lookup digests as WebCrypto HMAC-SHA256 under the HKDF-derived key (digests stored before stay valid)', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const ikm = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    const key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode('eabgate-keyring'), info: new TextEncoder().encode('lookup/hmac-sha256') },
      ikm,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    const webcrypto = Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('ca-reference\nABCD-1234'))).toString('hex');
    const k = await Keyring.fromSecret(secret);
    expect(await k.lookupDigest('ca-reference', 'ABCD-1234')).toBe(webcrypto);
    expect(Buffer.from(k.lookupMac('ca-reference', 'ABCD-1234')).toString('hex')).toBe(webcrypto);
    // Each MAC starts from the same keyed state: one made in between (longer than a block) changes nothing.
    const long = 'x'.repeat(200);
    const longWebcrypto = Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`acme-nonce\n${long}`))).toString('hex');
    expect(Buffer.from(k.lookupMac('acme-nonce', long)).toString('hex')).toBe(longWebcrypto);
    expect(Buffer.from(k.lookupMac('ca-reference', 'ABCD-1234')).toString('hex')).toBe(webcrypto);
  });

  it("makes with Node's HMAC the same lookup MACs as the portable one, whatever the length (nonces and stored digests agree)", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const portable = await Keyring.fromSecret(secret);
    const node = await Keyring.fromSecret(secret, { hmacSha256: nodeHmacSha256 });
    const other = await Keyring.fromSecret(crypto.getRandomValues(new Uint8Array(32)), { hmacSha256: nodeHmacSha256 });
    for (const length of [0, 1, 31, 55, 56, 63, 64, 65, 119, 120, 200, 1000]) {
      const value = Buffer.from(crypto.getRandomValues(new Uint8Array(length))).toString('base64url').slice(0, length) + 'é✓';
      const mac = node.lookupMac('acme-nonce', value);
      expect(mac).toBeInstanceOf(Uint8Array);
      expect(mac).toEqual(portable.lookupMac('acme-nonce', value));
      expect(await node.lookupDigest('ca-reference', value)).toBe(await portable.lookupDigest('ca-reference', value));
      expect(other.lookupMac('acme-nonce', value)).not.toEqual(mac);
    }
    // Each MAC starts from the same keyed state.
    expect(node.lookupMac('session', 'x')).toEqual(node.lookupMac('session', 'x'));
  });

  it('makes keyed digests that differ per purpose and per key', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const a = await Keyring.fromSecret(secret);
    const b = await Keyring.fromSecret(secret);
    expect(await a.lookupDigest('ca-reference', 'x')).toBe(await b.lookupDigest('ca-reference', 'x'));
    expect(await a.lookupDigest('session', 'x')).not.toBe(await a.lookupDigest('ca-reference', 'x'));
  });
});

describe('codes', () => {
  it('uses no look-alike characters and reaches 128 bits', () => {
    expect(TYPEABLE_ALPHABET).not.toMatch(/[01OILU]/);
    const code = newUnlockCode();
    expect(code.replace(/-/g, '').length * Math.log2(TYPEABLE_ALPHABET.length)).toBeGreaterThanOrEqual(128);
    expect(newCaReference().replace(/^CAR-|-/g, '').length * Math.log2(TYPEABLE_ALPHABET.length)).toBeGreaterThanOrEqual(128);
  });

  it('draws symbols uniformly (chi-square over 60,000 symbols)', () => {
    const s = randomSymbols(60_000);
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(TYPEABLE_ALPHABET.length);
    const expected = s.length / TYPEABLE_ALPHABET.length;
    const chi2 = [...counts.values()].reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(70); // df = 29; p < 0.0001 beyond ~70
  });
});
