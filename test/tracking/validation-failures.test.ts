/** Validation that fails says why, per domain: wrong key authorization, missing TXT, CAA naming another CA. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { customer } from '../support/harness.js';
import { placeAutoCsr } from '../support/order.js';
import { trackingWorld, hostAt127, track, satisfy, type TrackingWorld } from '../support/tracking.js';

let w: TrackingWorld;
let token: string;
beforeAll(async () => {
  w = await trackingWorld();
  token = await customer(w.h, 'fail@example.com');
});
afterAll(() => w.close());

const validate = async (caReference: string) =>
  (await (await w.h.request('POST', '/api/v1/tracking/validate', { json: { caReference } })).json()) as {
    domains: { domain: string; status: string; found: Record<string, string> }[];
    caa: { domain: string; ok: boolean; detail?: string }[];
    order: { status: string; statusReason: string | null };
  };

describe('validation failures', () => {
  it('a wrong key authorization on http-01 is reported with what was served', async () => {
    hostAt127(w.dns, 'wrongkey.example.org');
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['wrongkey.example.org'], organization: undefined, addWwwVariant: false });
    const view = await track(w.h, order.caReference);
    const token01 = view.validation[0]!.instructions.http01!.url.split('/').pop()!;
    w.http.setToken(token01, `${token01}.not-the-right-thumbprint`);
    const r = await validate(order.caReference);
    expect(r.order.status).toBe('pending_validation');
    expect(r.domains[0]!.status).toBe('pending');
    expect(r.domains[0]!.found['http-01']).toMatch(/wrongkey\.example\.org/);
    expect(r.domains[0]!.found['http-01']).toMatch(/does not match|expected|incorrect/i);
  });

  it('a missing TXT record is reported by name', async () => {
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['*.wild.example.org'], organization: undefined });
    const view = await track(w.h, order.caReference);
    expect(view.validation[0]!.instructions.http01).toBeUndefined(); // wildcards: dns-01 only
    const r = await validate(order.caReference);
    expect(r.domains[0]!.found['dns-01']).toMatch(/_acme-challenge\.wild\.example\.org/);
    expect(r.domains[0]!.found['http-01']).toBeUndefined();
  });

  it('a CAA record naming another CA stops issuance with a clear reason', async () => {
    hostAt127(w.dns, 'caa.example.org');
    w.dns.set('caa.example.org', 'CAA', [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }]);
    const order = await placeAutoCsr(w.h, token, { product: 'dv', domains: ['caa.example.org'], organization: undefined, addWwwVariant: false });
    satisfy(w, await track(w.h, order.caReference));
    const r = await validate(order.caReference);
    expect(r.domains[0]!.status).toBe('valid');
    expect(r.caa[0]).toMatchObject({ domain: 'caa.example.org', ok: false });
    expect(r.caa[0]!.detail).toMatch(/letsencrypt\.org/);
    expect(r.order.status).toBe('pending_validation');
    expect(r.order.statusReason).toMatch(/CAA forbids issuance for caa\.example\.org/);

    // The domain owner adds our identity: the next check issues.
    w.dns.set('caa.example.org', 'CAA', [
      { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
      { flags: 0, tag: 'issue', value: 'eabgate.test' },
    ]);
    expect((await validate(order.caReference)).order.status).toBe('issued');
  });
});
