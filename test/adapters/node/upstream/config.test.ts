/**
 * Misconfigured upstream issuing stops the start with a message naming the variable: on Node (the real
 * server process), and on Workers, where only the embedded CA exists.
 */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../support/server.js';
import { ConfigError } from '../../../../src/core/config.js';
import { workersDeps, type WorkersEnv } from '../../../../src/adapters/workers/deps.js';

describe('upstream issuer configuration', () => {
  it('Node: EABGATE_ISSUER=acme without EABGATE_UPSTREAM_DIRECTORY stops the start (exit 2) naming the variable', async () => {
    const err = await startServer({ EABGATE_ISSUER: 'acme' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^server exited 2: /);
    expect(err?.message).toContain('eabgate: configuration error: EABGATE_UPSTREAM_DIRECTORY: is required with EABGATE_ISSUER=acme');
  });

  it('Node: half an EAB pair stops the start, without echoing the HMAC key', async () => {
    const hmac = 'c2VjcmV0LWhtYWMta2V5LWZvci10aGUtdGVzdHMtMDEyMzQ1';
    const err = await startServer({
      EABGATE_ISSUER: 'acme',
      EABGATE_UPSTREAM_DIRECTORY: 'https://127.0.0.1:1/dir',
      EABGATE_UPSTREAM_EAB_HMAC_KEY: hmac,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('EABGATE_UPSTREAM_EAB_KID: EABGATE_UPSTREAM_EAB_KID and EABGATE_UPSTREAM_EAB_HMAC_KEY go together');
    expect(err?.message).not.toContain(hmac);
  });

  it('Workers: EABGATE_ISSUER=acme is refused, saying the upstream issuer needs Node', async () => {
    const env = {
      EABGATE_ISSUER: 'acme',
      EABGATE_UPSTREAM_DIRECTORY: 'https://acme.example.net/directory',
      EABGATE_SECRET_KEY: 'ab'.repeat(32),
    } as unknown as WorkersEnv;
    const err = await workersDeps(env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^EABGATE_ISSUER: "acme" \(an upstream ACME CA\) is available on Node only/);
  });
});
