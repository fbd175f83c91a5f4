import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dns01TxtValue, keyAuthorization, tlsAlpn01Digest } from '../../src/va/key-authorization.js';
import { RFC7638_JWK, RFC7638_THUMBPRINT } from './fixtures.js';

describe('key authorization (RFC 8555 §8.1)', () => {
  it('is token "." base64url(RFC 7638 SHA-256 thumbprint)', async () => {
    expect(await keyAuthorization('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA', RFC7638_JWK)).toBe(
      `evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.${RFC7638_THUMBPRINT}`,
    );
  });

  it('derives the dns-01 TXT value as base64url(SHA-256(key authorization)) (§8.4)', async () => {
    const ka = `token123.${RFC7638_THUMBPRINT}`;
    const expected = createHash('sha256').update(ka).digest('base64url');
    expect(await dns01TxtValue(ka)).toBe(expected);
  });

  it('derives the tls-alpn-01 acmeIdentifier as the raw SHA-256 of the key authorization (RFC 8737 §3)', async () => {
    const ka = `token123.${RFC7638_THUMBPRINT}`;
    const digest = await tlsAlpn01Digest(ka);
    expect(digest).toHaveLength(32);
    expect(Buffer.from(digest).equals(createHash('sha256').update(ka).digest())).toBe(true);
  });
});
