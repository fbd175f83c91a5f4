/** External Account Binding, RFC 8555 §7.3.4, step by step. */
import { beforeAll, describe, it, expect } from 'vitest';
import { acmeProblems } from '../../../src/core/problem.js';
import { jwkThumbprint } from '../../../src/core/jwk-thumbprint.js';
import {
  refuseEabKey,
  verifyExternalAccountBinding,
  type EabKeyResolver,
  type EabInput,
} from '../../../src/acme/eab/verify.js';
import { b64json, expectProblem, sign, signRaw, testKey, type TestKey } from '../jws/support.js';

const NEW_ACCOUNT = 'https://acme.example/acme/new-account';
const KID = 'eab-kid-1';
const HMAC = crypto.getRandomValues(new Uint8Array(32));

let account: TestKey;
let rsaAccount: TestKey;
let resolverCalls: string[] = [];

const resolveKey: EabKeyResolver<{ customerId: string }> = async (kid) => {
  resolverCalls.push(kid);
  switch (kid) {
    case KID:
      return { status: 'ok', hmacKey: HMAC, binding: { customerId: 'cust-1' } };
    case 'eab-revoked':
      return refuseEabKey('EAB key "eab-revoked" was revoked on 2026-01-02; create a new one in your eabgate account.');
    case 'eab-expired':
      return {
        status: 'refused',
        problem: acmeProblems.userActionRequired('The subscription of EAB key "eab-expired" expired on 2026-02-01: renew it.', {
          instance: 'https://eabgate.example/billing',
        }),
      };
    default:
      return undefined;
  }
};

beforeAll(async () => {
  [account, rsaAccount] = await Promise.all([testKey('ES256'), testKey('RS256')]);
});

interface EabOpts {
  alg?: string;
  kid?: string;
  url?: string;
  hmacKey?: Uint8Array;
  payload?: unknown;
  extra?: Record<string, unknown>;
}

async function eab(opts: EabOpts = {}) {
  const header = { alg: opts.alg ?? 'HS256', kid: opts.kid ?? KID, url: opts.url ?? NEW_ACCOUNT, ...opts.extra };
  return sign(opts.hmacKey ?? HMAC, header, opts.payload ?? account.publicJwk);
}

function input(externalAccountBinding: unknown, over: Partial<EabInput<{ customerId: string }>> = {}) {
  resolverCalls = [];
  return { externalAccountBinding, accountJwk: account.publicJwk, url: NEW_ACCOUNT, resolveKey, ...over };
}

describe('EAB accepted', () => {
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    it(`accepts ${alg}`, async () => {
      const value = await eab({ alg });
      const v = await verifyExternalAccountBinding(input(value));
      expect(v).toEqual({ kid: KID, alg, binding: { customerId: 'cust-1' }, externalAccountBinding: value });
    });
  }

  it('compares keys by thumbprint: extra members in the bound JWK do not matter', async () => {
    const value = await eab({ payload: { ...rsaAccount.publicJwk, use: 'sig', alg: 'RS256' } });
    const v = await verifyExternalAccountBinding(input(value, { accountJwk: rsaAccount.publicJwk }));
    expect(v.kid).toBe(KID);
  });
});

describe('EAB refused', () => {
  it('requires the binding (externalAccountRequired)', async () => {
    for (const absent of [undefined, null]) {
      await expectProblem(verifyExternalAccountBinding(input(absent)), 'externalAccountRequired', /requires External Account Binding.*--eab-kid/);
    }
  });

  it('1. refuses a value that is not a flattened JWS', async () => {
    await expectProblem(verifyExternalAccountBinding(input('eyJhbGciOi.x.y')), 'malformed', /externalAccountBinding must be a flattened JWS/);
    const value = await eab();
    await expectProblem(
      verifyExternalAccountBinding(input({ payload: value.payload, signatures: [{ protected: value.protected, signature: value.signature }] })),
      'malformed',
      /general JWS serialization/,
    );
    await expectProblem(verifyExternalAccountBinding(input({ ...value, header: { nonce: 'x' } })), 'malformed', /unprotected "header"/);
    expect(resolverCalls).toEqual([]);
  });

  it('2. refuses an alg outside HS256/HS384/HS512 with badSignatureAlgorithm', async () => {
    for (const alg of ['ES256', 'RS256', 'none', 'HS1']) {
      const value = await signRaw({ alg, kid: KID, url: NEW_ACCOUNT }, account.publicJwk, async () => new Uint8Array(32));
      const p = await expectProblem(verifyExternalAccountBinding(input(value)), 'badSignatureAlgorithm', new RegExp(`"${alg}" is not a MAC algorithm`));
      expect(p.extensions.algorithms).toEqual(['HS256', 'HS384', 'HS512']);
    }
    // A real ES256 binding signed by the account key itself.
    const signedByAccount = await sign(account.privateKey, { alg: 'ES256', kid: KID, url: NEW_ACCOUNT }, account.publicJwk);
    await expectProblem(verifyExternalAccountBinding(input(signedByAccount)), 'badSignatureAlgorithm', /"ES256"/);
    const noAlg = await signRaw({ kid: KID, url: NEW_ACCOUNT }, account.publicJwk, async () => new Uint8Array(32));
    await expectProblem(verifyExternalAccountBinding(input(noAlg)), 'malformed', /no "alg"/);
    expect(resolverCalls).toEqual([]);
  });

  it('2. requires kid', async () => {
    const value = await signRaw({ alg: 'HS256', url: NEW_ACCOUNT }, account.publicJwk, async () => new Uint8Array(32));
    await expectProblem(verifyExternalAccountBinding(input(value)), 'malformed', /must have "kid": your EAB key id/);
  });

  it('2. refuses a nonce in the EAB header (malformed)', async () => {
    const value = await eab({ extra: { nonce: 'bm9uY2U' } });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'malformed', /must not have "nonce"/);
    expect(resolverCalls).toEqual([]);
  });

  it('2. refuses a jwk in the EAB header', async () => {
    const value = await eab({ extra: { jwk: account.publicJwk } });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'malformed', /must not have "jwk"/);
  });

  it('2. refuses the url of another endpoint (unauthorized)', async () => {
    const value = await eab({ url: 'https://acme.example/acme/new-order' });
    await expectProblem(
      verifyExternalAccountBinding(input(value)),
      'unauthorized',
      /"https:\/\/acme\.example\/acme\/new-order" is not the newAccount URL "https:\/\/acme\.example\/acme\/new-account"/,
    );
    const noUrl = await signRaw({ alg: 'HS256', kid: KID }, account.publicJwk, async () => new Uint8Array(32));
    await expectProblem(verifyExternalAccountBinding(input(noUrl)), 'malformed', /no "url"/);
    expect(resolverCalls).toEqual([]);
  });

  it('3. refuses an unknown kid (unauthorized)', async () => {
    const value = await eab({ kid: 'eab-nobody' });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'unauthorized', /EAB key id "eab-nobody" is not known/);
    expect(resolverCalls).toEqual(['eab-nobody']);
  });

  it('3. passes on the refusal the resolver chooses: revoked key', async () => {
    const value = await eab({ kid: 'eab-revoked' });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'unauthorized', /was revoked on 2026-01-02/);
  });

  it('3. passes on the refusal the resolver chooses: expired subscription', async () => {
    const value = await eab({ kid: 'eab-expired' });
    const p = await expectProblem(verifyExternalAccountBinding(input(value)), 'userActionRequired', /expired on 2026-02-01/);
    expect(p.toJSON().instance).toBe('https://eabgate.example/billing');
  });

  it('4. refuses a wrong HMAC key (unauthorized)', async () => {
    const value = await eab({ hmacKey: crypto.getRandomValues(new Uint8Array(32)) });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'unauthorized', /MAC does not verify with the HMAC key of EAB key id "eab-kid-1"/);
  });

  it('4. refuses a binding whose payload was swapped after signing', async () => {
    const value = await eab();
    const other = await testKey('ES256');
    await expectProblem(verifyExternalAccountBinding(input({ ...value, payload: b64json(other.publicJwk) })), 'unauthorized', /MAC does not verify/);
  });

  it('5. refuses the binding of another key (unauthorized)', async () => {
    const other = await testKey('ES256');
    const value = await eab({ payload: other.publicJwk });
    await expectProblem(verifyExternalAccountBinding(input(value)), 'unauthorized', /binds a different key \(thumbprint [\w-]{43}\) than the one that signed this request/);
    // newAccount passes the account key's thumbprint it already has: the comparison is the same.
    const accountThumbprint = jwkThumbprint(account.publicJwk);
    const p = await expectProblem(verifyExternalAccountBinding(input(value, { accountThumbprint })), 'unauthorized', /binds a different key/);
    expect(p.detail).toContain(`(${accountThumbprint})`);
    const own = await verifyExternalAccountBinding(input(await eab(), { accountThumbprint }));
    expect(own.kid).toBe(KID);
  });

  it('5. refuses a payload that is not a public JWK', async () => {
    await expectProblem(verifyExternalAccountBinding(input(await eab({ payload: '' }))), 'malformed', /payload must be the account's public JWK/);
    await expectProblem(verifyExternalAccountBinding(input(await eab({ payload: ['x'] }))), 'malformed', /payload must be a JSON Web Key object/);
    await expectProblem(verifyExternalAccountBinding(input(await eab({ payload: account.privateJwk }))), 'badPublicKey', /private key member\(s\) d/);
  });

  it('treats an empty HMAC key from the store as an internal fault, not a client error', async () => {
    const value = await eab();
    await expect(
      verifyExternalAccountBinding(input(value, { resolveKey: async () => ({ status: 'ok', hmacKey: new Uint8Array(), binding: { customerId: 'x' } }) })),
    ).rejects.toThrow(/empty HMAC key/);
  });
});
