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

  it('accepts a 32-byte secret key as hex or base64url', () => {
    expect(loadConfig({ EABGATE_SECRET_KEY: 'ab'.repeat(32) }).secretKey?.length).toBe(32);
    expect(loadConfig({ EABGATE_SECRET_KEY: 'q'.repeat(43) }).secretKey?.length).toBe(32);
  });
});
