/**
 * The account cases of acme-client's own integration suite (v5.4.0, test/50-client.spec.js), re-stated
 * here against eabgate (issue 9): refusal without terms agreement, account keys of every supported kind,
 * `account.key` equal across newAccount / onlyReturnExisting / update and different after keyChange, and
 * an order read back equal to the one created. Policy refusals (RSA-1024) are asserted as refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as acme from 'acme-client';
import { acmeWorld, type AcmeWorld } from '../../support/acme-world.js';

let w: AcmeWorld;
beforeAll(async () => (w = await acmeWorld()));
afterAll(() => w?.close());

/** The account object as the server sends it: acme-client's type declaration leaves `key` out. */
const keyOf = (a: object): unknown => (a as { key?: unknown }).key;

const client = (accountKey: Buffer, opts: { eab?: boolean; accountUrl?: string } = {}) =>
  new acme.Client({
    directoryUrl: w.directoryUrl,
    accountKey,
    ...(opts.accountUrl ? { accountUrl: opts.accountUrl } : {}),
    ...(opts.eab === false ? {} : { externalAccountBinding: { kid: w.eab.kid, hmacKey: w.eab.hmacKey } }),
  });

describe('acme-client suite: accounts', () => {
  for (const [name, keyFn, altFns] of [
    ['rsa', () => acme.crypto.createPrivateRsaKey(), { s4096: () => acme.crypto.createPrivateRsaKey(4096) }],
    [
      'ecdsa',
      () => acme.crypto.createPrivateEcdsaKey(),
      { p384: () => acme.crypto.createPrivateEcdsaKey('P-384'), p521: () => acme.crypto.createPrivateEcdsaKey('P-521') },
    ],
  ] as const) {
    it(`${name}: terms, creation, look-up, update, key change`, async () => {
      const key = await keyFn();
      const secondary = await keyFn();
      const c = client(key);
      expect(await c.getTermsOfServiceUrl()).toBe(`${w.baseUrl}/acme/terms`);
      await expect(c.createAccount()).rejects.toThrow(/terms of service/);
      await expect(client(key, { eab: false }).createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/External Account Binding/);

      const account = await c.createAccount({ termsOfServiceAgreed: true });
      expect(account.status).toBe('valid');
      expect(keyOf(account)).toBeDefined();
      const url = c.getAccountUrl();

      for (const [alt, fn] of Object.entries(altFns)) {
        const other = await client(await (fn as () => Promise<Buffer>)()).createAccount({ termsOfServiceAgreed: true });
        expect(other.status, alt).toBe('valid');
      }

      await expect(client(secondary).createAccount({ onlyReturnExisting: true })).rejects.toThrow(/No account exists/);
      expect(keyOf(await client(key).createAccount({ onlyReturnExisting: true }))).toEqual(keyOf(account));
      expect(keyOf(await client(key, { accountUrl: url }).createAccount({ onlyReturnExisting: true }))).toEqual(keyOf(account));
      const updated = await c.updateAccount({ contact: ['mailto:suite@example.com'] });
      expect(keyOf(updated)).toEqual(keyOf(account));
      expect(updated.contact).toContain('mailto:suite@example.com');

      await c.updateAccountKey(secondary);
      const after = await c.createAccount({ onlyReturnExisting: true });
      expect(after.status).toBe('valid');
      expect(keyOf(after)).not.toEqual(keyOf(account));

      const order = await c.createOrder({ identifiers: [{ type: 'dns', value: `${name}.suite.example.com` }] });
      expect(await c.getOrder(order)).toEqual(order);
    });
  }

  it('RSA-1024 account keys are refused (policy: at least 2048 bits, as Let’s Encrypt)', async () => {
    const c = client(await acme.crypto.createPrivateRsaKey(1024));
    await expect(c.createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/1024-bit RSA key; at least 2048/);
  });
});
