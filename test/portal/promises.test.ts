/**
 * What the reseller promises its customers, on the portal's pages (issue 13 part 5): AutoCSR presented as a
 * convenience and the customer's own CSR recommended for production (HSMs, policy); unzip help for Windows
 * (7-Zip, WinRAR), macOS (The Unarchiver, Keka; not Archive Utility), Linux (file managers, 7z); the key
 * file's permissions with the commands; "Supplier Order Number" explained as the CA Reference's old name;
 * notices for subject fields the Baseline Requirements forbid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../support/harness.js';
import { FormClient, text } from './form-client.js';
import { ADMIN_TOKEN, buildAssets } from './support.js';
import { opensslCsr } from '../support/csr.js';

let h: Harness;
beforeAll(async () => {
  buildAssets();
  h = await harness({ EABGATE_ADMIN_TOKEN: ADMIN_TOKEN });
});
afterAll(() => h.close());

describe('the portal keeps the reseller’s promises', () => {
  it('the order form offers AutoCSR as a convenience and recommends the own CSR for production, saying why', async () => {
    const c = new FormClient(h);
    await c.signUp('promises@example.com');
    const t = text((await c.get('/portal/orders/new')).html);
    expect(t).toContain('Make it for me (AutoCSR, quickest)');
    expect(t).toContain('I have a CSR (recommended for production servers)');
    expect(t).toMatch(/hardware security module \(HSM\)/);
    expect(t).toMatch(/security policies/);
    expect(t).toMatch(/AutoCSR is a convenience/);
  });

  it('the AutoCSR hand-over explains unzipping on Windows, macOS and Linux and the key file’s permissions', async () => {
    const c = new FormClient(h);
    await c.signUp('unzip@example.com');
    await c.get('/portal/orders/new');
    const placed = await c.post('/portal/orders', { product: 'dv', key: 'auto', domains: 'unzip.example.org', form_id: 'f1' });
    expect(placed.status).toBe(201);
    const t = text(placed.html);
    for (const s of ['7-Zip', 'WinRAR', 'The Unarchiver', 'Keka', 'Archive Utility cannot open AES', 'file managers', '7z x EG-']) expect(t).toContain(s);
    expect(t).toContain('sudo chmod 600 /etc/ssl/private/unzip.example.org.key');
    expect(t).toContain('sudo chown root:root /etc/ssl/private/unzip.example.org.key');
    expect(t).toMatch(/Only root \(the administrator\) or the user your web server runs as may read it/);
    expect(t).toContain('“Supplier Order Number”: it is the same thing');
  });

  it('the tracking page explains "Supplier Order Number" as the old name of the CA Reference', async () => {
    const t = text((await new FormClient(h).get('/portal/track')).html);
    expect(t).toMatch(/“Supplier Order Number” is the old name of the CA Reference/);
    expect(t).toMatch(/Older e-mails and documents call it the “Supplier Order Number”/);
  });

  it('an order page says which subject fields the certificate leaves out and why, and the names the CA adds', async () => {
    const c = new FormClient(h);
    await c.signUp('notices@example.com');
    await c.get('/portal/orders/new');
    const { csr } = opensslCsr({ key: 'ec', cn: 'n.example.org', sans: ['n.example.org'], subject: '/CN=n.example.org/OU=Web/emailAddress=w@example.org' });
    const placed = await c.post('/portal/orders', { product: 'dv', key: 'csr', domains: 'n.example.org www.n.example.org', csr, form_id: 'f2' });
    expect(placed.status).toBe(201);
    const t = text(placed.html);
    expect(t).toContain('About what your certificate will contain');
    expect(t).toMatch(/organizational unit “Web” is not put in the certificate: the Baseline Requirements forbid/);
    expect(t).toMatch(/e-mail address w@example.org is not put in the certificate/);
    expect(t).toMatch(/We add www\.n\.example\.org for you/);
  });
});
