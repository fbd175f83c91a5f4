/**
 * The browser CSR generator's crypto module on Node's WebCrypto (the same Web APIs the browser has):
 * every key format it reads, the keys the CA would refuse, and CSRs that openssl verifies.
 */
import { describe, expect, it } from 'vitest';
import { buildCsr, generateKey, importPrivateKey, privateKeyPem, zipKey, CsrToolError } from '../../src/portal/client/csr-core.js';
import { cleanHostInput } from '../../src/portal/hosts.js';
import { namesFromCsr } from '../../src/portal/csr-names.js';
import { openssl } from '../support/tools.js';

const gen = (args: string[]) => {
  const r = openssl(args);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};

describe('reading existing private keys', () => {
  it.each([
    ['PKCS#8 RSA', () => gen(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']), 'RSA 2048-bit'],
    ['PKCS#1 RSA', () => gen(['genrsa', '-traditional', '2048']), 'RSA 2048-bit'],
    ['PKCS#8 P-256', () => gen(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']), 'ECDSA P-256'],
    ['SEC1 P-384 with EC PARAMETERS', () => gen(['ecparam', '-name', 'secp384r1', '-genkey']), 'ECDSA P-384'],
    ['SEC1 P-256 without parameters block', () => gen(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']), 'ECDSA P-256'],
  ])('%s: CSR verifies and carries the key', async (_name, make, description) => {
    const pem = make();
    const material = await importPrivateKey(pem);
    expect(material.description).toBe(description);
    const csr = await buildCsr(material, ['example.com', 'www.example.com'], { name: 'Example Ltd', country: 'GB' });
    expect(openssl(['req', '-noout', '-verify'], csr).status).toBe(0);
    expect(openssl(['req', '-noout', '-pubkey'], csr).stdout).toBe(openssl(['pkey', '-pubout'], pem).stdout);
    expect(openssl(['req', '-noout', '-subject'], csr).stdout).toMatch(/CN\s*=\s*example\.com, O\s*=\s*Example Ltd, C\s*=\s*GB/);
    expect(namesFromCsr(csr)).toEqual(['example.com', 'www.example.com']);
  });

  it.each([
    ['an encrypted key', () => gen(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256', '-pass', 'pass:secret12']), /encrypted with a passphrase/],
    ['Ed25519', () => gen(['genpkey', '-algorithm', 'ED25519']), /Ed25519/],
    ['RSA 1024', () => gen(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']), /1024 bits; the CA accepts 2048 to 8192/],
    ['RSA e=3', () => gen(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_keygen_pubexp:3']), /exponent other than 65537/],
    ['P-521', () => gen(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']), /P-521 keys are not accepted/],
    ['RSA-PSS', () => gen(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048']), /RSA-PSS/],
    ['a CSR', () => gen(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=x.example.com']), /not a private key/],
    ['no PEM at all', () => 'hello', /No PEM private key found/],
    ['damaged base64', () => '-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----', /damaged/],
    ['a truncated key', () => gen(['genrsa', '-traditional', '2048']).replace(/\n[^\n]+\n[^\n]+\n-----END/, '\n-----END'), /could not|damaged|unusual/],
  ])('refuses %s with a message for people', async (_name, make, message) => {
    const err = await importPrivateKey(make()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsrToolError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('new keys and key files', () => {
  it.each(['rsa-2048', 'ec-p256', 'ec-p384'] as const)('%s: PKCS#8 PEM that openssl reads, CSR that verifies', async (type) => {
    const material = await generateKey(type);
    const pem = await privateKeyPem(material.keys);
    expect(openssl(['pkey', '-noout'], pem).status).toBe(0);
    const csr = await buildCsr(material, ['shop.example.org'], {});
    expect(openssl(['req', '-noout', '-verify'], csr).status).toBe(0);
  });

  it('zips the key with WinZip AES-256', async () => {
    const zip = new Uint8Array(await (await zipKey('-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n', 'a.key', 'passphrase 123')).arrayBuffer());
    expect([...zip.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    // Compression method 99 = AES (APPNOTE 4.4.5; WinZip AE-x), strength 3 = AES-256 in the 0x9901 extra field.
    expect(zip[8]).toBe(99);
    const extra = zip.findIndex((b, i) => b === 0x01 && zip[i + 1] === 0x99);
    expect(zip[extra + 8]).toBe(3);
  });
});

describe('host name input', () => {
  it('takes names as people paste them', () => {
    expect(cleanHostInput(' https://Shop.Example.com/cart?x=1 , www.example.com:8443\nexample.org.\n\n')).toEqual(['Shop.Example.com', 'www.example.com', 'example.org']);
    expect(cleanHostInput('')).toEqual([]);
  });
});
