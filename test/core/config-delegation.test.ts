/** EABGATE_DELEGATION_ZONE and its companions: read once, validated at start, each fault naming its variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { configFault } from '../support/config.js';

const UPSTREAM = { EABGATE_ISSUER: 'acme', EABGATE_UPSTREAM_DIRECTORY: 'https://acme.example/dir' };
const ZONE_ID = '0123456789abcdef0123456789abcdef';

const fault = configFault;

describe('DNS delegation settings', () => {
  it('are off by default', () => {
    expect(loadConfig({}).delegation).toBeUndefined();
  });

  it('Node: the zone (normalized) with EABGATE_DNS_LISTEN; the NS name defaults to ns.<zone>', () => {
    const c = loadConfig({ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'Deleg.Example.NET.', EABGATE_DNS_LISTEN: '[::]:53' });
    expect(c.delegation).toEqual({ zone: 'deleg.example.net', dnsListen: { host: '::', port: 53 }, nsName: 'ns.deleg.example.net', cloudflare: undefined });
  });

  it('Workers: the zone with Cloudflare\'s zone id and API token', () => {
    const c = loadConfig({ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_CLOUDFLARE_ZONE_ID: ZONE_ID, EABGATE_CLOUDFLARE_API_TOKEN: 'tok' });
    expect(c.delegation?.cloudflare).toEqual({ zoneId: ZONE_ID, apiToken: 'tok' });
  });

  it.each([
    [{ ...UPSTREAM, EABGATE_DNS_LISTEN: '127.0.0.1:53' }, 'EABGATE_DNS_LISTEN', /EABGATE_DELEGATION_ZONE is not/],
    [{ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'bad zone!', EABGATE_DNS_LISTEN: '127.0.0.1:53' }, 'EABGATE_DELEGATION_ZONE', /DNS name/],
    [{ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net' }, 'EABGATE_DELEGATION_ZONE', /EABGATE_DNS_LISTEN .* or EABGATE_CLOUDFLARE_ZONE_ID/],
    [{ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_DNS_LISTEN: 'here' }, 'EABGATE_DNS_LISTEN', /host:port/],
    [{ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_CLOUDFLARE_ZONE_ID: ZONE_ID }, 'EABGATE_CLOUDFLARE_API_TOKEN', /go together/],
    [{ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_CLOUDFLARE_ZONE_ID: 'nope', EABGATE_CLOUDFLARE_API_TOKEN: 't' }, 'EABGATE_CLOUDFLARE_ZONE_ID', /32 hex/],
    [{ EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_DNS_LISTEN: '127.0.0.1:53' }, 'EABGATE_DELEGATION_ZONE', /EABGATE_ISSUER is not "acme"/],
  ])('refuses %j naming %s', (env, name, why) => {
    const err = fault(env as Record<string, string>);
    expect(err.message).toContain(name);
    expect(err.message).toMatch(why);
  });

  it('never echoes the Cloudflare API token', () => {
    const err = fault({ ...UPSTREAM, EABGATE_DELEGATION_ZONE: 'd.example.net', EABGATE_CLOUDFLARE_ZONE_ID: 'nope', EABGATE_CLOUDFLARE_API_TOKEN: 'secret-token-value' });
    expect(err.message).not.toContain('secret-token-value');
  });
});

describe('upstreams per product', () => {
  const B = { EABGATE_UPSTREAM_OV_DIRECTORY: 'https://ov.example/dir', EABGATE_UPSTREAM_OV_EAB_KID: 'k', EABGATE_UPSTREAM_OV_EAB_HMAC_KEY: 'A'.repeat(43) };

  it('EABGATE_UPSTREAM_<DV|OV|EV|CAAS>_*: each with its own directory and EAB, the contact shared', () => {
    const c = loadConfig({ ...UPSTREAM, EABGATE_UPSTREAM_EMAIL: 'pki@example.com', ...B, EABGATE_UPSTREAM_CAAS_DIRECTORY: 'https://caas.example/dir' });
    expect(c.upstreams).toEqual({
      ov: { directoryUrl: 'https://ov.example/dir', eab: { kid: 'k', hmacKey: 'A'.repeat(43) }, email: 'pki@example.com' },
      caas: { directoryUrl: 'https://caas.example/dir', eab: undefined, email: 'pki@example.com' },
    });
    expect(loadConfig(UPSTREAM).upstreams).toEqual({});
  });

  it.each([
    [{ ...UPSTREAM, EABGATE_UPSTREAM_EV_DIRECTORY: 'http://ev.example/dir' }, 'EABGATE_UPSTREAM_EV_DIRECTORY', /https/],
    [{ ...UPSTREAM, EABGATE_UPSTREAM_EV_EAB_KID: 'k' }, 'EABGATE_UPSTREAM_EV_EAB_KID', /EABGATE_UPSTREAM_EV_DIRECTORY is not/],
    [{ ...UPSTREAM, ...B, EABGATE_UPSTREAM_OV_EAB_HMAC_KEY: 'short' }, 'EABGATE_UPSTREAM_OV_EAB_HMAC_KEY', /base64/],
    [{ ...B }, 'EABGATE_UPSTREAM_OV_DIRECTORY', /EABGATE_ISSUER is not "acme"/],
  ])('refuses %j naming %s', (env, name, why) => {
    const err = fault(env as Record<string, string>);
    expect(err.message).toContain(name);
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain('A'.repeat(43));
  });
});
