/**
 * The lean PKCS#10 reader (src/csr/pkcs10.ts, src/csr/pkcs10-signature.ts, src/csr/read.ts) against
 * @peculiar/x509 on CSRs made by the real openssl: same parts, same key, same names, same PEM, same checkCsr
 * result or fault; whatever it does not read with certainty (RSA-PSS, Ed25519, P-521, attributes, broken
 * bytes) goes to @peculiar/x509 and is judged as before.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { x509 } from '../../src/core/x509.js';
import { DomainError } from '../../src/core/errors.js';
import { subscriberKeyOf } from '../../src/core/subscriber-key.js';
import { verifiedCsrKey } from '../../src/core/verified-csr.js';
import { fromBase64, toBase64, utf8 } from '../../src/core/encoding.js';
import { children, concat, ecdsaSignatureToDer, oidToDer, parse, tlv, TAG } from '../../src/core/der.js';
import { checkCsr, checkCsrWith, type CheckCsrOptions } from '../../src/csr/check.js';
import { readPkcs10 } from '../../src/csr/pkcs10.js';
import { ecdsaSignatureToP1363, verifyPkcs10 } from '../../src/csr/pkcs10-signature.js';
import { readCsrFast, readCsrWithX509, readVerifiedKeyFast, type ReadCsr } from '../../src/csr/read.js';
import { openssl } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'eabgate-pkcs10-'));
const keys: Record<string, string> = {};

/** Keys made once; each CSR below is signed by one of them. */
const KEY_ARGS: Record<string, string[]> = {
  'rsa-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'rsa-3072': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  'rsa-4096': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  'rsa-1024': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  'p-256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'p-384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'p-521': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  'rsa-pss': ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ed25519: ['-algorithm', 'ED25519'],
};

/** A config whose string_mask lets openssl pick PrintableString, T61String or BMPString (not UTF8String). */
const MASK_DEFAULT = `[req]\ndistinguished_name = dn\nstring_mask = default\n[dn]\n`;
/** A config that adds a challengePassword attribute (read by @peculiar/x509 only). */
const WITH_PASSWORD = `[req]\ndistinguished_name = dn\nattributes = attrs\nprompt = no\n[dn]\nCN = shop.example.com\n[attrs]\nchallengePassword = secret-words\n`;

interface CsrSpec {
  key: string;
  subject?: string;
  ext?: string[];
  digest?: string;
  config?: string;
  sigopt?: string[];
}

function makeCsr(spec: CsrSpec): string {
  const args = ['req', '-new', '-key', keys[spec.key]!, `-${spec.digest ?? 'sha256'}`];
  if (spec.config) {
    const file = join(dir, `cnf-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, spec.config);
    args.push('-config', file);
  }
  if (spec.subject !== undefined) args.push('-utf8', '-subj', spec.subject);
  for (const e of spec.ext ?? []) args.push('-addext', e);
  for (const o of spec.sigopt ?? []) args.push('-sigopt', o);
  if (spec.key === 'ed25519') args.splice(args.indexOf('-sha256'), 1);
  const r = openssl(args);
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return r.stdout;
}

const der = (pem: string) => fromBase64(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
const pemOf = (bytes: Uint8Array) => `-----BEGIN CERTIFICATE REQUEST-----\n${toBase64(bytes).match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;

/** A reader's answer in plain data: what checkCsr uses from it. */
function plain(read: ReadCsr) {
  let key: unknown;
  try {
    key = subscriberKeyOf(read.publicKey);
  } catch (err) {
    key = (err as DomainError).detail;
  }
  let sans: unknown;
  try {
    sans = read.subjectAltNames();
  } catch (err) {
    sans = `throws ${(err as Error).message}`;
  }
  return { pem: read.pem, algorithm: { ...read.publicKey.algorithm }, key, commonNames: read.commonNames, sans };
}

/** checkCsr's answer, or its fault (code, rule, detail; another error as its message). */
async function outcome(check: () => Promise<unknown>) {
  try {
    return { ok: await check() };
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, rule: err.extensions.rule, detail: err.detail };
    return { error: String(err) };
  }
}

/** The same answers from checkCsr (lean reader first) and from checkCsr with @peculiar/x509 alone. */
async function sameCheck(pem: string, domains: string[], opts: CheckCsrOptions = {}) {
  const now = await outcome(() => checkCsr(pem, domains, opts));
  const before = await outcome(() => checkCsrWith(readCsrWithX509, pem, domains, opts));
  expect(now).toEqual(before);
  return now;
}

beforeAll(() => {
  for (const [name, args] of Object.entries(KEY_ARGS)) {
    const file = join(dir, `${name}.pem`);
    const r = openssl(['genpkey', ...args, '-out', file]);
    if (r.status !== 0) throw new Error(`openssl genpkey ${name}: ${r.stderr}`);
    keys[name] = file;
  }
}, 60_000);

const SAN = 'subjectAltName=DNS:shop.example.com,DNS:api.example.com';

/** CSRs the lean reader reads: [label, spec, names checkCsr is asked for]. */
const READ: [string, CsrSpec, string[], CheckCsrOptions?][] = [
  ['RSA-2048, CN and DNS SANs', { key: 'rsa-2048', subject: '/CN=shop.example.com', ext: [SAN] }, ['shop.example.com', 'api.example.com']],
  ['RSA-3072, SHA-384', { key: 'rsa-3072', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha384' }, ['shop.example.com', 'api.example.com']],
  ['RSA-4096, SHA-512', { key: 'rsa-4096', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha512' }, ['shop.example.com', 'api.example.com']],
  ['RSA-1024 (refused as weak, after the signature)', { key: 'rsa-1024', subject: '/CN=shop.example.com' }, ['shop.example.com']],
  ['P-256, SHA-256', { key: 'p-256', subject: '/CN=shop.example.com', ext: [SAN] }, ['shop.example.com', 'api.example.com']],
  ['P-256, SHA-384', { key: 'p-256', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha384' }, ['shop.example.com', 'api.example.com']],
  ['P-256, SHA-512', { key: 'p-256', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha512' }, ['shop.example.com', 'api.example.com']],
  ['P-384, SHA-384', { key: 'p-384', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha384' }, ['shop.example.com', 'api.example.com']],
  ['P-384, SHA-256', { key: 'p-384', subject: '/CN=shop.example.com', ext: [SAN] }, ['shop.example.com', 'api.example.com']],
  ['P-384, SHA-512', { key: 'p-384', subject: '/CN=shop.example.com', ext: [SAN], digest: 'sha512' }, ['shop.example.com', 'api.example.com']],
  ['CN only', { key: 'p-256', subject: '/CN=Shop.Example.COM' }, ['shop.example.com']],
  ['no CN, SANs only', { key: 'p-256', subject: '/O=Example Ltd/C=DE', ext: [SAN] }, ['shop.example.com', 'api.example.com']],
  ['empty subject, SANs only', { key: 'rsa-2048', subject: '/', ext: ['subjectAltName=DNS:shop.example.com'] }, ['shop.example.com']],
  ['two CNs (refused)', { key: 'p-256', subject: '/CN=shop.example.com/CN=api.example.com' }, ['shop.example.com', 'api.example.com']],
  ['multi-valued RDN', { key: 'p-256', subject: '/O=Example+CN=shop.example.com', multi: true } as CsrSpec, ['shop.example.com']],
  [
    'DNS and IP SANs (IP allowed)',
    { key: 'p-256', subject: '/CN=shop.example.com', ext: ['subjectAltName=DNS:shop.example.com,IP:192.0.2.7,IP:2001:db8:0:0:1:0:0:1,IP:::1,IP:2001:db8::'] },
    ['shop.example.com', '192.0.2.7', '2001:db8::1:0:0:1', '::1', '2001:db8::'],
    { ipAddresses: true },
  ],
  ['IP SAN, IP not allowed (refused)', { key: 'p-256', subject: '/CN=shop.example.com', ext: ['subjectAltName=DNS:shop.example.com,IP:192.0.2.7'] }, ['shop.example.com']],
  ['IPv6 SAN zero runs', { key: 'p-256', subject: '/', ext: ['subjectAltName=IP:0:0:1:0:0:0:1:0,IP:1:0:0:2:0:0:0:3,IP:0:0:0:0:0:0:0:0'] }, ['::'], { ipAddresses: true }],
  ['an email SAN (refused)', { key: 'p-256', subject: '/CN=shop.example.com', ext: ['subjectAltName=DNS:shop.example.com,email:admin@example.com'] }, ['shop.example.com']],
  ['a URI SAN (refused)', { key: 'p-256', subject: '/CN=shop.example.com', ext: ['subjectAltName=URI:https://shop.example.com/'] }, ['shop.example.com']],
  ['critical SAN', { key: 'p-256', subject: '/', ext: ['subjectAltName=critical,DNS:shop.example.com'] }, ['shop.example.com']],
  ['names not the order (refused)', { key: 'rsa-2048', subject: '/CN=shop.example.com', ext: ['subjectAltName=DNS:shop.example.com,DNS:evil.example.net'] }, ['shop.example.com']],
  [
    'key usage, EKU, basic constraints, must-staple',
    {
      key: 'rsa-2048',
      subject: '/CN=shop.example.com',
      ext: [SAN, 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth', 'basicConstraints=CA:FALSE', 'tlsfeature=status_request'],
    },
    ['shop.example.com', 'api.example.com'],
  ],
  ['UTF8String CN (openssl default)', { key: 'p-256', subject: '/CN=shop.example.com/O=Bücher & Co' }, ['shop.example.com']],
  ['UTF8String non-ASCII CN', { key: 'p-256', subject: '/CN=bücher.example' }, ['bücher.example']],
  ['PrintableString CN and email in the subject', { key: 'p-256', config: MASK_DEFAULT, subject: '/CN=shop.example.com/emailAddress=admin@example.com' }, ['shop.example.com']],
  ['T61String CN', { key: 'p-256', config: MASK_DEFAULT, subject: '/CN=bücher.example' }, ['bücher.example']],
  ['BMPString CN', { key: 'p-256', config: MASK_DEFAULT, subject: '/CN=日本.example' }, ['日本.example']],
];

/** CSRs left to @peculiar/x509. */
const FALLBACK: [string, CsrSpec, string[]][] = [
  ['RSA-PSS signature with an RSA key', { key: 'rsa-2048', subject: '/CN=shop.example.com', sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'] }, ['shop.example.com']],
  ['RSA-PSS key', { key: 'rsa-pss', subject: '/CN=shop.example.com' }, ['shop.example.com']],
  ['Ed25519 key', { key: 'ed25519', subject: '/CN=shop.example.com' }, ['shop.example.com']],
  ['P-521 key', { key: 'p-521', subject: '/CN=shop.example.com', digest: 'sha512' }, ['shop.example.com']],
  ['SHA-1 signature', { key: 'rsa-2048', subject: '/CN=shop.example.com', digest: 'sha1' }, ['shop.example.com']],
  ['challengePassword attribute', { key: 'p-256', config: WITH_PASSWORD }, ['shop.example.com']],
  ['directoryName SAN', { key: 'p-256', subject: '/CN=shop.example.com', ext: ['subjectAltName=DNS:shop.example.com,dirName:dir_sect'], config: `[req]\ndistinguished_name = dn\n[dn]\n[dir_sect]\nCN = Someone\n` }, ['shop.example.com']],
];

describe('the lean PKCS#10 reader gives what @peculiar/x509 gives', () => {
  for (const [label, spec, domains, opts] of READ) {
    it(label, async () => {
      const multi = (spec as { multi?: boolean }).multi;
      const pem = multi ? makeCsrMulti(spec) : makeCsr(spec);
      const fast = await readCsrFast(pem);
      expect(fast, 'read by the lean reader').toBeDefined();
      const old = await readCsrWithX509(pem);
      expect(plain(fast!)).toEqual(plain(old));
      expect(fast!.pem).toBe(new x509.Pkcs10CertificateRequest(pem).toString('pem'));

      // The parts themselves.
      const csr = new x509.Pkcs10CertificateRequest(pem);
      const req = readPkcs10(der(pem))!;
      expect(req.info).toEqual(new Uint8Array((csr as unknown as { tbs: ArrayBuffer }).tbs)); // what csr.verify() verifies
      expect(req.signature).toEqual(new Uint8Array(csr.signature));
      expect(req.key.spki).toEqual(new Uint8Array(csr.publicKey.rawData));
      expect(await verifyPkcs10(req)).toBe(true);
      // What the CA reads when the CSR was not checked in this process (src/ca/leaf.ts).
      const forCa = (await readVerifiedKeyFast(pem))!;
      expect(forCa.spki).toEqual(new Uint8Array(csr.publicKey.rawData));
      expect({ ...forCa.publicKey.algorithm }).toEqual({ ...csr.publicKey.algorithm });

      const result = await sameCheck(pem, domains, opts);
      if ('ok' in result) expect(verifiedCsrKey(pem)).toEqual(subscriberKeyOf(old.publicKey));
    });
  }

  it('gives what a refused CSR needs: the accepted and refused ones are told apart as before', async () => {
    const pem = makeCsr({ key: 'p-256', subject: '/CN=shop.example.com', ext: [SAN] });
    expect((await sameCheck(pem, ['shop.example.com', 'api.example.com'])).ok).toMatchObject({ key: 'ECDSA-P-256', commonName: 'shop.example.com' });
    expect(await sameCheck(pem, ['shop.example.com'])).toMatchObject({ rule: 'names' });
    expect(await sameCheck(pem, ['shop.example.com', 'api.example.com', 'www.example.com'], { fewerNames: true })).toHaveProperty('ok');
  });
});

/** openssl's -multivalue-rdn: "+" joins attributes into one RDN. */
function makeCsrMulti(spec: CsrSpec): string {
  const r = openssl(['req', '-new', '-key', keys[spec.key]!, '-sha256', '-multivalue-rdn', '-subj', spec.subject!]);
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return r.stdout;
}

describe('what the lean reader does not read goes to @peculiar/x509, judged as before', () => {
  for (const [label, spec, domains] of FALLBACK) {
    it(label, async () => {
      const pem = makeCsr(spec);
      expect(await readCsrFast(pem)).toBeUndefined();
      expect(await readVerifiedKeyFast(pem)).toBeUndefined();
      await sameCheck(pem, domains);
    });
  }

  it('two subjectAltName extensions (openssl will not write them; @peculiar/x509 signs them)', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const pair = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=shop.example.com',
      keys: pair,
      signingAlgorithm: alg,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'shop.example.com' }]),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'api.example.com' }]),
      ],
    });
    const pem = csr.toString('pem');
    expect(await readCsrFast(pem)).toBeUndefined();
    expect((await sameCheck(pem, ['shop.example.com'])).ok).toMatchObject({ names: ['shop.example.com'] });
  });

  it('a PEM not in the plain layout (one line, CRLF, "NEW" label, headers) is judged as before', async () => {
    const pem = makeCsr({ key: 'p-256', subject: '/CN=shop.example.com' });
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const variants = [
      pem.replace(/\n/g, '\r\n'),
      pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST'),
      `-----BEGIN CERTIFICATE REQUEST-----${body}-----END CERTIFICATE REQUEST-----`,
      `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----`,
      `-----BEGIN CERTIFICATE REQUEST-----\n${body.match(/.{1,40}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----`,
      `-----BEGIN CERTIFICATE REQUEST-----\n ${body}\n-----END CERTIFICATE REQUEST-----`,
      `-----BEGIN CERTIFICATE REQUEST-----\nProc-Type: 4,ENCRYPTED\n\n${body}\n-----END CERTIFICATE REQUEST-----`,
    ];
    for (const v of variants) await sameCheck(v, ['shop.example.com']);
    // Base64 whose padding leaves bits set: the same DER, the PEM written anew (x509 re-encodes it).
    let padded = pem;
    for (let i = 0; i < 30 && !/=\n-----END/.test(padded); i++) padded = makeCsr({ key: 'p-256', subject: '/CN=shop.example.com' });
    expect(padded).toMatch(/=\n-----END/);
    const loose = padded.replace(/([A-Za-z0-9+/])(=+)\n-----END/, (_, c: string, pad: string) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      return `${alphabet[alphabet.indexOf(c) | 1]}${pad}\n-----END`;
    });
    expect(loose).not.toBe(padded);
    expect(await readCsrFast(loose)).toBeUndefined();
    expect((await sameCheck(loose, ['shop.example.com'])).ok).toMatchObject({ pem: padded.trim() });
    expect(await readCsrFast(variants[0]!)).toBeDefined();
    expect(await readCsrFast(variants[1]!)).toBeDefined();
  });
});

/**
 * CSRs written byte by byte (CertificationRequestInfo signed with a real P-256 key through WebCrypto), for
 * encodings openssl does not write: each is left to @peculiar/x509 and judged as before.
 */
describe('hand-made encodings are left to @peculiar/x509', () => {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  let pair: CryptoKeyPair;
  let spki: Uint8Array;
  beforeAll(async () => {
    pair = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  });
  const ECDSA_SHA256 = tlv(TAG.SEQUENCE, oidToDer('1.2.840.10045.4.3.2'));
  const cn = (value: Uint8Array) => tlv(TAG.SEQUENCE, tlv(TAG.SET, tlv(TAG.SEQUENCE, oidToDer('2.5.4.3'), value)));
  const CN = cn(tlv(0x0c, utf8.encode('shop.example.com')));
  const ext = (oid: string, value: Uint8Array, critical?: Uint8Array) => tlv(TAG.SEQUENCE, oidToDer(oid), ...(critical ? [critical] : []), tlv(TAG.OCTET_STRING, value));
  const san = (...names: Uint8Array[]) => ext('2.5.29.17', tlv(TAG.SEQUENCE, ...names));
  const DNS = tlv(0x82, utf8.encode('shop.example.com'));
  const extReq = (...exts: Uint8Array[]) => tlv(TAG.CTX0, tlv(TAG.SEQUENCE, oidToDer('1.2.840.113549.1.9.14'), tlv(TAG.SET, tlv(TAG.SEQUENCE, ...exts))));
  const info = (o: { version?: number; subject?: Uint8Array; attributes?: Uint8Array | null }) =>
    tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, new Uint8Array([o.version ?? 0])), o.subject ?? CN, spki, ...(o.attributes === null ? [] : [o.attributes ?? extReq(san(DNS))]));

  /** The CSR of `cri`, signed; `signature` rewrites the ECDSA-Sig-Value. */
  async function signed(cri: Uint8Array, signature?: (sig: Uint8Array) => Uint8Array): Promise<string> {
    const p1363 = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, cri as Uint8Array<ArrayBuffer>));
    let sig: Uint8Array = ecdsaSignatureToDer(p1363);
    if (signature) sig = signature(sig);
    return pemOf(tlv(TAG.SEQUENCE, cri, ECDSA_SHA256, tlv(TAG.BIT_STRING, new Uint8Array([0]), sig)));
  }

  it('the plain hand-made CSR is read by the lean reader (each case below differs from it in one thing)', async () => {
    const pem = await signed(info({}));
    expect(await readCsrFast(pem)).toBeDefined();
    expect((await sameCheck(pem, ['shop.example.com'])).ok).toMatchObject({ key: 'ECDSA-P-256' });
  });

  /** [label, CSR, what checkCsr answers, before and now]. */
  const cases: [string, () => Promise<string>, Record<string, unknown>][] = [
    ['a FALSE critical flag written out', () => signed(info({ attributes: extReq(ext('2.5.29.17', tlv(TAG.SEQUENCE, DNS), new Uint8Array([1, 1, 0]))) })), { ok: expect.anything() }],
    ['a TRUE critical flag written as 0x01', () => signed(info({ attributes: extReq(ext('2.5.29.17', tlv(TAG.SEQUENCE, DNS), new Uint8Array([1, 1, 1]))) })), { ok: expect.anything() }],
    ['version 1', () => signed(info({ version: 1 })), { ok: expect.anything() }],
    ['no attributes [0] at all', () => signed(info({ attributes: null })), { ok: expect.anything() }],
    ['an empty Extensions', () => signed(info({ attributes: extReq() })), { ok: expect.anything() }],
    ['a VisibleString CN (read as hex)', () => signed(info({ subject: cn(tlv(0x1a, utf8.encode('shop.example.com'))) })), { rule: 'names' }],
    ['a UTF8String CN that is not UTF-8', () => signed(info({ subject: cn(tlv(0x0c, new Uint8Array([0x73, 0xff, 0x68]))) })), { rule: 'names' }],
    ['a BMPString CN of odd length', () => signed(info({ subject: cn(tlv(0x1e, new Uint8Array([0, 0x73, 0]))) })), { rule: 'unparseable' }],
    ['an otherName SAN (skipped)', () => signed(info({ attributes: extReq(san(DNS, tlv(0xa0, oidToDer('1.2.3.4'), tlv(0xa0, tlv(0x0c, utf8.encode('x')))))) })), { ok: expect.anything() }],
    ['a dNSName with a non-ASCII byte', () => signed(info({ attributes: extReq(san(tlv(0x82, new Uint8Array([0x73, 0xe9, 0x2e, 0x63])))) })), { rule: 'names' }],
    ['an iPAddress of 5 octets', () => signed(info({ attributes: extReq(san(tlv(0x87, new Uint8Array([192, 0, 2, 1, 0])))) })), { rule: 'names' }],
    ['an empty GeneralNames', () => signed(info({ attributes: extReq(san()) })), { ok: expect.anything() }],
    // @peculiar/x509 cannot build the key usage: refused as unparseable (bad input, never a 500).
    ['a malformed key usage extension', () => signed(info({ attributes: extReq(san(DNS), ext('2.5.29.15', new Uint8Array([0x04, 0x01, 0x00]))) })), { rule: 'unparseable' }],
    ['a length not in its shortest form inside the signed part', () => signed(info({ subject: concat(new Uint8Array([0x30, 0x81]), parse(CN).bytes.subarray(1)) })), { ok: expect.anything() }],
    [
      'an ECDSA r with a needless leading zero',
      () =>
        signed(info({}), (sig) => {
          const [r, s] = children(parse(sig).content);
          return tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, new Uint8Array([0]), r!.content), s!.bytes);
        }),
      { ok: expect.anything() },
    ],
    [
      'a length not in its shortest form outside the signed part',
      async () => {
        const d = der(await signed(info({})));
        const body = parse(d).content;
        return pemOf(concat(new Uint8Array([0x30, 0x83, 0, body.length >> 8, body.length & 0xff]), body));
      },
      { ok: expect.anything() },
    ],
  ];
  for (const [label, make, answer] of cases) {
    it(label, async () => {
      const pem = await make();
      expect(await readCsrFast(pem)).toBeUndefined();
      expect(await sameCheck(pem, ['shop.example.com'])).toMatchObject(answer);
    });
  }
});

describe('refusals: the same rule as before', () => {
  let pem: string;
  let bytes: Uint8Array;
  beforeAll(() => {
    pem = makeCsr({ key: 'p-256', subject: '/CN=shop.example.com', ext: [SAN] });
    bytes = der(pem);
  });
  const domains = ['shop.example.com', 'api.example.com'];
  const flip = (at: number) => {
    const b = new Uint8Array(bytes);
    b[at] = b[at]! ^ 0x01;
    return b;
  };

  it('a flipped byte in the signature: bad-signature', async () => {
    expect(await sameCheck(pemOf(flip(bytes.length - 5)), domains)).toMatchObject({ rule: 'bad-signature' });
    const rsa = der(makeCsr({ key: 'rsa-2048', subject: '/CN=shop.example.com', ext: [SAN] }));
    rsa[rsa.length - 5] = rsa[rsa.length - 5]! ^ 0x01;
    expect(await sameCheck(pemOf(rsa), domains)).toMatchObject({ rule: 'bad-signature' });
  });

  it('a flipped byte in the signed body: bad-signature', async () => {
    const at = new TextDecoder('latin1').decode(bytes).indexOf('api.example.com');
    expect(await sameCheck(pemOf(flip(at)), domains)).toMatchObject({ rule: 'bad-signature' });
  });

  it('every single flipped byte: the same answer as before', async () => {
    for (let at = 0; at < bytes.length; at += 3) await sameCheck(pemOf(flip(at)), domains);
  });

  it('truncated DER, trailing bytes, garbage: as before', async () => {
    expect(await sameCheck(pemOf(bytes.subarray(0, bytes.length - 20)), domains)).toMatchObject({ rule: 'unparseable' });
    await sameCheck(pemOf(new Uint8Array([...bytes, 0, 0])), domains);
    expect(await readCsrFast(pemOf(new Uint8Array([...bytes, 0, 0])))).toBeUndefined();
    expect(await sameCheck(pemOf(new Uint8Array(200).fill(0x41)), domains)).toMatchObject({ rule: 'unparseable' });
    expect(await sameCheck('-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----', domains)).toMatchObject({ rule: 'unparseable' });
    expect(await sameCheck('hello', domains)).toMatchObject({ rule: 'unparseable' });
  });
});

describe('ECDSA-Sig-Value to IEEE P1363', () => {
  it('pads r and s to the field size and refuses what is not strict DER', () => {
    const seq = (...ints: number[][]) => new Uint8Array([0x30, ints.reduce((n, i) => n + i.length + 2, 0), ...ints.flatMap((i) => [0x02, i.length, ...i])]);
    expect(Array.from(ecdsaSignatureToP1363(seq([1], [0, 0x80]), 4)!)).toEqual([0, 0, 0, 1, 0, 0, 0, 0x80]);
    expect(ecdsaSignatureToP1363(seq([0x80], [1]), 4)).toBeUndefined(); // negative r
    expect(ecdsaSignatureToP1363(seq([0, 1], [1]), 4)).toBeUndefined(); // not the shortest form
    expect(ecdsaSignatureToP1363(seq([0], [1]), 4)).toBeUndefined(); // zero
    expect(ecdsaSignatureToP1363(seq([1, 2, 3, 4, 5], [1]), 4)).toBeUndefined(); // longer than the field
    expect(ecdsaSignatureToP1363(seq([1]), 4)).toBeUndefined(); // one INTEGER
    expect(ecdsaSignatureToP1363(new Uint8Array([...seq([1], [1]), 0]), 4)).toBeUndefined(); // trailing byte
  });
});
