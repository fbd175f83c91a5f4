import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { acmeWorld, hostAt127, type AcmeWorld } from '../../support/acme-world.js';
import { issue } from '../../support/acme.js';

let w: AcmeWorld;
beforeAll(async () => {
  w = await acmeWorld();
});
afterAll(() => w.close());

describe('smoke', () => {
  it('issues over http-01 and dns-01', async () => {
    const c = await w.registered();
    hostAt127(w.dns, 'a.example.com');
    const got = await issue(c, w, ['a.example.com', '*.example.com'], 'http-01');
    expect(got.pem).toContain('BEGIN CERTIFICATE');
  });
});
