/**
 * Terms of service (RFC 8555 §7.3): a directory that advertises `meta.termsOfService` requires
 * `termsOfServiceAgreed: true` to create an account (`malformed`, as Boulder, with the terms linked);
 * existing accounts and `onlyReturnExisting` are answered without it. EABGATE_ACME_TERMS_URL chooses the
 * terms: the built-in page (default), another URL, or "none" (not advertised, not asked for).
 * Every account object carries the account key (`key`), as Boulder and Pebble send it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeWorld, problemOf, type AcmeWorld } from '../../support/acme-world.js';
import { loadConfig, ConfigError } from '../../../src/core/config.js';

const publicMembers = (jwk: Record<string, unknown>) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });

describe('with terms of service (the default)', () => {
  let w: AcmeWorld;
  beforeAll(async () => (w = await acmeWorld()));
  afterAll(() => w.close());

  it('the directory advertises the built-in terms', async () => {
    const d = (await (await w.fetch(w.directoryUrl)).json()) as { meta: Record<string, unknown> };
    expect(d.meta.termsOfService).toBe(`${w.baseUrl}/acme/terms`);
  });

  it('refuses to create an account without "termsOfServiceAgreed": true, linking the terms; creates it with', async () => {
    const c = await w.client();
    for (const payload of [{ termsOfServiceAgreed: undefined }, { termsOfServiceAgreed: false }]) {
      const r = await c.register(w.eab, payload);
      expect(problemOf(r)).toMatchObject({ type: 'malformed', status: 400, detail: expect.stringMatching(/agree to the terms of service/) });
      expect(r.headers.get('link')).toContain(`<${w.baseUrl}/acme/terms>;rel="terms-of-service"`);
      expect(r.headers.get('link')).toContain('rel="index"');
    }
    expect(problemOf(await c.register(w.eab, { termsOfServiceAgreed: 'yes' }))).toMatchObject({ type: 'malformed', detail: expect.stringMatching(/true or false/) });
    const ok = await c.register(w.eab);
    expect(ok.status).toBe(201);
    expect(ok.body.key).toEqual(publicMembers(c.key.publicJwk as Record<string, unknown>));
  });

  it('answers for an existing account, and onlyReturnExisting, without the flag', async () => {
    const c = await w.registered();
    const again = await c.post(c.dir.newAccount, {}, { jwk: true });
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBe(c.kid);
    const only = await c.post(c.dir.newAccount, { onlyReturnExisting: true }, { jwk: true });
    expect(only.status).toBe(200);
    expect(only.body.key).toEqual(publicMembers(c.key.publicJwk as Record<string, unknown>));
    const stranger = await w.client();
    expect(problemOf(await stranger.post(stranger.dir.newAccount, { onlyReturnExisting: true }, { jwk: true }))).toMatchObject({
      type: 'accountDoesNotExist',
    });
  });

  it('every account object has the account key: read, update, keyChange', async () => {
    const c = await w.registered('ES384');
    const expected = publicMembers(c.key.publicJwk as Record<string, unknown>);
    expect((await c.get(c.kid!)).body.key).toEqual(expected);
    expect((await c.post(c.kid!, { contact: ['mailto:key@example.com'] })).body.key).toEqual(expected);
  });
});

describe('EABGATE_ACME_TERMS_URL', () => {
  it('"none": no terms advertised, accounts created without the flag', async () => {
    const w = await acmeWorld({ env: { EABGATE_ACME_TERMS_URL: 'none' } });
    try {
      const d = (await (await w.fetch(w.directoryUrl)).json()) as { meta: Record<string, unknown> };
      expect(d.meta).not.toHaveProperty('termsOfService');
      const c = await w.client();
      const r = await c.register(w.eab, { termsOfServiceAgreed: undefined });
      expect(r.status, r.text).toBe(201);
    } finally {
      await w.close();
    }
  });

  it('a URL is advertised and required; anything else stops the start', () => {
    const base = { EABGATE_DATA_DIR: '/tmp/x', EABGATE_BASE_URL: 'https://acme.example' };
    expect(loadConfig(base).acmeTermsOfService).toBe('https://acme.example/acme/terms');
    expect(loadConfig({ ...base, EABGATE_ACME_TERMS_URL: 'https://example.com/tos-v2.pdf' }).acmeTermsOfService).toBe('https://example.com/tos-v2.pdf');
    expect(loadConfig({ ...base, EABGATE_ACME_TERMS_URL: 'none' }).acmeTermsOfService).toBeUndefined();
    for (const bad of ['ftp://example.com/tos', 'tos.html', 'false']) {
      expect(() => loadConfig({ ...base, EABGATE_ACME_TERMS_URL: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, EABGATE_ACME_TERMS_URL: bad })).toThrow(/EABGATE_ACME_TERMS_URL/);
    }
  });
});
