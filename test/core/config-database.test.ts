/** EABGATE_DATABASE_URL / EABGATE_DATABASE_POOL_SIZE (issue 12): SQLite unless a postgres:// URL is given. */
import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { configFault } from '../support/config.js';

const KEY = 'a'.repeat(64);
const URL_WITH_PASSWORD = 'postgres://eabgate:s3cret-pw@db.internal:5432/eabgate';

const refusal = configFault;

describe('database setting', () => {
  it('is SQLite when EABGATE_DATABASE_URL is unset or empty', () => {
    expect(loadConfig({}).database).toEqual({ kind: 'sqlite' });
    expect(loadConfig({ EABGATE_DATABASE_URL: '' }).database).toEqual({ kind: 'sqlite' });
  });

  it('selects PostgreSQL with a pool of 10 by default, or the size given', () => {
    expect(loadConfig({ EABGATE_DATABASE_URL: URL_WITH_PASSWORD, EABGATE_SECRET_KEY: KEY }).database).toEqual({
      kind: 'postgres',
      url: URL_WITH_PASSWORD,
      poolSize: 10,
    });
    const c = loadConfig({ EABGATE_DATABASE_URL: 'postgresql://h/db', EABGATE_SECRET_KEY: KEY, EABGATE_DATABASE_POOL_SIZE: '3' });
    expect(c.database).toMatchObject({ kind: 'postgres', poolSize: 3 });
  });

  it.each([
    [{ EABGATE_DATABASE_URL: 'mysql://u:s3cret-pw@h/db', EABGATE_SECRET_KEY: KEY }, 'EABGATE_DATABASE_URL'],
    [{ EABGATE_DATABASE_URL: 'not a url s3cret-pw', EABGATE_SECRET_KEY: KEY }, 'EABGATE_DATABASE_URL'],
    [{ EABGATE_DATABASE_URL: 'postgres://u:s3cret-pw@h/', EABGATE_SECRET_KEY: KEY }, 'EABGATE_DATABASE_URL'],
    [{ EABGATE_DATABASE_URL: URL_WITH_PASSWORD }, 'EABGATE_DATABASE_URL'],
    [{ EABGATE_DATABASE_URL: URL_WITH_PASSWORD, EABGATE_SECRET_KEY: KEY, EABGATE_DATABASE_POOL_SIZE: '0' }, 'EABGATE_DATABASE_POOL_SIZE'],
    [{ EABGATE_DATABASE_URL: URL_WITH_PASSWORD, EABGATE_SECRET_KEY: KEY, EABGATE_DATABASE_POOL_SIZE: 'many' }, 'EABGATE_DATABASE_POOL_SIZE'],
  ])('refuses %o naming %s, never showing the password', (env, variable) => {
    const err = refusal(env);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).not.toContain('s3cret-pw');
  });

  it('asks for the shared secret key: every instance must open what another sealed', () => {
    expect(refusal({ EABGATE_DATABASE_URL: URL_WITH_PASSWORD }).message).toContain('EABGATE_SECRET_KEY');
  });
});
