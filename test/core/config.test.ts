import { describe, it, expect } from 'vitest';
import { loadConfig, ConfigError } from '../../src/core/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: './data', baseUrl: 'http://127.0.0.1:8080', adminToken: undefined, secretKey: undefined });
  });

  it('derives the base URL from host and port, and strips a trailing slash', () => {
    expect(loadConfig({ EABGATE_HOST: '::1', EABGATE_PORT: '9000' }).baseUrl).toBe('http://[::1]:9000');
    expect(loadConfig({ EABGATE_BASE_URL: 'https://certs.example.com/' }).baseUrl).toBe('https://certs.example.com');
  });

  it.each([
    ['EABGATE_PORT', 'eighty'],
    ['EABGATE_PORT', '70000'],
    ['EABGATE_BASE_URL', 'not a url'],
    ['EABGATE_BASE_URL', 'ftp://x.example'],
    ['EABGATE_ADMIN_TOKEN', 'short'],
    ['EABGATE_SECRET_KEY', 'abc'],
    ['EABGATE_HOST', 'bad host!'],
    ['EABGATE_LOG_REQUESTS', 'maybe'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message.startsWith(`${name}: `)).toBe(true);
  });

  describe('issuer', () => {
    const dir = 'https://acme.example.net/directory';
    const hmac = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';

    it('is the embedded CA by default; "acme" takes the upstream directory, EAB and contact', () => {
      expect(loadConfig({})).toMatchObject({ issuer: 'embedded', upstream: undefined });
      expect(loadConfig({ EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir })).toMatchObject({
        issuer: 'acme',
        upstream: { directoryUrl: dir, eab: undefined, email: undefined },
      });
      const full = loadConfig({
        EABGATE_ISSUER: 'acme',
        EABGATE_UPSTREAM_DIRECTORY: dir,
        EABGATE_UPSTREAM_EAB_KID: 'kid-1',
        EABGATE_UPSTREAM_EAB_HMAC_KEY: hmac,
        EABGATE_UPSTREAM_EMAIL: 'pki@example.com',
      });
      expect(full.upstream).toEqual({ directoryUrl: dir, eab: { kid: 'kid-1', hmacKey: hmac }, email: 'pki@example.com' });
    });

    it.each([
      ['EABGATE_ISSUER', { EABGATE_ISSUER: 'letsencrypt' }],
      ['EABGATE_UPSTREAM_DIRECTORY', { EABGATE_ISSUER: 'acme' }],
      ['EABGATE_UPSTREAM_DIRECTORY', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: 'not a url' }],
      ['EABGATE_UPSTREAM_DIRECTORY', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: 'http://acme.example.net/directory' }],
      ['EABGATE_UPSTREAM_EAB_HMAC_KEY', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir, EABGATE_UPSTREAM_EAB_KID: 'kid-1' }],
      ['EABGATE_UPSTREAM_EAB_KID', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir, EABGATE_UPSTREAM_EAB_HMAC_KEY: hmac }],
      ['EABGATE_UPSTREAM_EAB_HMAC_KEY', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir, EABGATE_UPSTREAM_EAB_KID: 'k', EABGATE_UPSTREAM_EAB_HMAC_KEY: 'short' }],
      ['EABGATE_UPSTREAM_EAB_HMAC_KEY', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir, EABGATE_UPSTREAM_EAB_KID: 'k', EABGATE_UPSTREAM_EAB_HMAC_KEY: `${hmac}!` }],
      ['EABGATE_UPSTREAM_EMAIL', { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: dir, EABGATE_UPSTREAM_EMAIL: 'mailto:pki@example.com' }],
      // set without EABGATE_ISSUER=acme: the embedded CA would sign, silently
      ['EABGATE_UPSTREAM_DIRECTORY', { EABGATE_UPSTREAM_DIRECTORY: dir }],
    ])('refuses %s (%j) with a message naming it', (name, env) => {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message.startsWith(`${name}: `)).toBe(true);
      expect((err as ConfigError).message).not.toContain(hmac);
    });
  });

  it('accepts a 32-byte secret key as hex or base64url', () => {
    expect(loadConfig({ EABGATE_SECRET_KEY: 'ab'.repeat(32) }).secretKey?.length).toBe(32);
    expect(loadConfig({ EABGATE_SECRET_KEY: 'q'.repeat(43) }).secretKey?.length).toBe(32);
  });
});

describe('one loader for every variable', () => {
  it('validates the VA variables and CAA identities with the shared host-name rules', () => {
    expect(loadConfig({ EABGATE_VA_HTTP_PORT: '8080' }).va.httpPort).toBe(8080);
    expect(() => loadConfig({ EABGATE_VA_TLS_ALPN_PORT: '0' })).toThrow(/EABGATE_VA_TLS_ALPN_PORT/);
    expect(loadConfig({ EABGATE_CAA_IDENTITIES: 'CA.Example, other.example' }).caaIdentities).toEqual(['ca.example', 'other.example']);
    expect(() => loadConfig({ EABGATE_CAA_IDENTITIES: 'ca..example' })).toThrow(/EABGATE_CAA_IDENTITIES/);
    expect(loadConfig({ EABGATE_BASE_URL: 'https://192.0.2.1:8443' }).caaIdentities).toEqual(['eabgate.invalid']);
  });

  it('reads EABGATE_VA_CAA_CACHE_SECONDS: 300 by default, 0 to keep nothing, at most the Baseline Requirements\' 8 hours', () => {
    expect(loadConfig({}).va.caaCacheSeconds).toBe(300);
    expect(loadConfig({ EABGATE_VA_CAA_CACHE_SECONDS: '0' }).va.caaCacheSeconds).toBe(0);
    expect(loadConfig({ EABGATE_VA_CAA_CACHE_SECONDS: '28800' }).va.caaCacheSeconds).toBe(28800);
    for (const bad of ['28801', '-1', '1.5', 'ten']) {
      expect(() => loadConfig({ EABGATE_VA_CAA_CACHE_SECONDS: bad })).toThrow(
        `EABGATE_VA_CAA_CACHE_SECONDS: must be a whole number of seconds from 0 (CAA answers are not kept) to 28800 (8 hours), got "${bad}"`,
      );
    }
  });
});
