/**
 * Interoperability: the real npm `acme-client` registers an account with EAB against a tiny local server
 * whose newAccount handler runs our pipeline (verifyAcmeRequest + verifyExternalAccountBinding). The client
 * succeeds only if both accept what it sent; refusals reach it as problem documents.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import * as acme from 'acme-client';
import { verifyAcmeRequest } from '../../../src/acme/jws/verify.js';
import { verifyExternalAccountBinding, type EabKeyResolver, type VerifiedEab } from '../../../src/acme/eab/verify.js';
import { Problem } from '../../../src/core/problem.js';
import { toBase64Url } from '../../../src/core/encoding.js';
import { MemoryNonceStore } from '../jws/support.js';

const KID = 'kid-acme-client';
/** Raw HMAC key bytes whose base64url text has both '-' and '_': proves the client decodes base64url. */
let hmacKey: Uint8Array;
let hmacKeyText: string;

const nonces = new MemoryNonceStore();
const resolveKey: EabKeyResolver<string> = async (kid) => (kid === KID ? { status: 'ok', hmacKey, binding: 'customer-7' } : undefined);

let server: Server;
let base: string;
const captured: { contentType?: string; body: string; eab?: VerifiedEab<string> }[] = [];

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'replay-nonce': headers['replay-nonce'] ?? '', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const nonce = await nonces.issue();
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');

  if (req.url === '/directory') {
    return send(res, 200, {
      newNonce: `${base}/new-nonce`,
      newAccount: `${base}/new-account`,
      newOrder: `${base}/new-order`,
      revokeCert: `${base}/revoke-cert`,
      keyChange: `${base}/key-change`,
      meta: { externalAccountRequired: true },
    }, { 'content-type': 'application/json', 'replay-nonce': nonce });
  }
  if (req.url === '/new-nonce') return send(res, req.method === 'HEAD' ? 200 : 204, undefined, { 'replay-nonce': nonce });
  if (req.url === '/new-account' && req.method === 'POST') {
    const entry: (typeof captured)[number] = { contentType: req.headers['content-type'], body };
    captured.push(entry);
    try {
      const v = await verifyAcmeRequest(
        { contentType: req.headers['content-type'], body, url: `${base}${req.url}` },
        { keyMode: 'jwk' },
        { nonces, resolveAccountKey: async () => undefined },
      );
      entry.eab = await verifyExternalAccountBinding({
        externalAccountBinding: v.payload?.externalAccountBinding,
        accountJwk: v.jwk,
        url: v.header.url,
        resolveKey,
      });
      return send(
        res,
        201,
        { status: 'valid', contact: v.payload?.contact, externalAccountBinding: entry.eab.externalAccountBinding },
        { 'content-type': 'application/json', location: `${base}/acct/1`, 'replay-nonce': nonce },
      );
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
      return send(res, err.status, err.toJSON(), { 'content-type': 'application/problem+json', 'replay-nonce': nonce });
    }
  }
  send(res, 404, { type: 'about:blank' }, { 'replay-nonce': nonce });
}

beforeAll(async () => {
  do {
    hmacKey = crypto.getRandomValues(new Uint8Array(32));
    hmacKeyText = toBase64Url(hmacKey);
  } while (!(hmacKeyText.includes('-') && hmacKeyText.includes('_')) || hmacKeyText.startsWith('-'));
  server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { detail: 'test server fault' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function register(accountKey: Buffer, eab?: { kid: string; hmacKey: string }) {
  const client = new acme.Client({
    directoryUrl: `${base}/directory`,
    accountKey,
    ...(eab ? { externalAccountBinding: eab } : {}),
  });
  return client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] });
}

describe('acme-client builds an EAB our verifier accepts', () => {
  const cases: [string, () => Promise<Buffer>, string][] = [
    ['RSA-2048 (RS256)', () => acme.crypto.createPrivateRsaKey(2048), 'RS256'],
    ['P-256 (ES256)', () => acme.crypto.createPrivateEcdsaKey('P-256'), 'ES256'],
    ['P-384 (ES384)', () => acme.crypto.createPrivateEcdsaKey('P-384'), 'ES384'],
  ];
  for (const [name, makeKey, alg] of cases) {
    it(`registers with a ${name} account key and a base64url HMAC key`, async () => {
      const account = await register(await makeKey(), { kid: KID, hmacKey: hmacKeyText });
      expect(account.status).toBe('valid');
      const last = captured.at(-1)!;
      expect(last.contentType).toBe('application/jose+json');
      expect(JSON.parse(Buffer.from(JSON.parse(last.body).protected, 'base64url').toString()).alg).toBe(alg);
      expect(last.eab).toMatchObject({ kid: KID, alg: 'HS256', binding: 'customer-7' });
      expect(account).toMatchObject({ externalAccountBinding: last.eab!.externalAccountBinding });
    });
  }

  it('is refused with a wrong HMAC key', async () => {
    const wrong = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    await expect(register(await acme.crypto.createPrivateEcdsaKey(), { kid: KID, hmacKey: wrong })).rejects.toThrow(
      /MAC does not verify with the HMAC key of EAB key id "kid-acme-client"/,
    );
  });

  it('is refused with an unknown key id', async () => {
    await expect(register(await acme.crypto.createPrivateEcdsaKey(), { kid: 'kid-unknown', hmacKey: hmacKeyText })).rejects.toThrow(
      /EAB key id "kid-unknown" is not known/,
    );
  });

  it('is refused without EAB (externalAccountRequired)', async () => {
    await expect(register(await acme.crypto.createPrivateEcdsaKey())).rejects.toThrow(/requires External Account Binding/);
  });
});
