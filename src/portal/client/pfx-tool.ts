/**
 * The PFX maker of the tracking page: the key file is read and the .pfx is made in this tab (pfx-core.ts);
 * this script makes no network request (the page's CSP, `connect-src 'none'`, would refuse one).
 */
import { makePfx } from './pfx-core.js';
import { CsrToolError } from './csr-core.js';
import { saveFile } from './save-file.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;

function start(): void {
  const tool = $('pfx-tool');
  const button = $<HTMLButtonElement>('pfx-make');
  const status = $('pfx-status');
  if (!tool || !button || !status) return;
  tool.hidden = false;
  button.addEventListener('click', async () => {
    const file = $<HTMLInputElement>('pfx-key')?.files?.[0];
    const pass = $<HTMLInputElement>('pfx-pass')?.value ?? '';
    const again = $<HTMLInputElement>('pfx-pass2')?.value ?? '';
    status.className = '';
    const fail = (text: string) => {
      status.textContent = text;
      status.className = 'field-error';
    };
    if (!file) return fail('Choose your private key file first.');
    if (file.size > 64 * 1024) return fail('This file is too large to be a private key.');
    if (pass !== again) return fail('The two passphrases differ.');
    button.disabled = true;
    status.textContent = 'Making the .pfx file…';
    try {
      const pfx = await makePfx({
        certificatesPem: $('pfx-chain')?.textContent ?? '',
        keyPem: await file.text(),
        passphrase: pass,
        friendlyName: tool.dataset.friendlyName ?? 'certificate',
      });
      saveFile(new Blob([pfx as BlobPart], { type: 'application/x-pkcs12' }), tool.dataset.filename ?? 'certificate.pfx');
      status.textContent = `Saved ${tool.dataset.filename ?? 'certificate.pfx'}. Import it into Windows or IIS with your passphrase.`;
    } catch (err) {
      fail(err instanceof CsrToolError ? err.message : 'The .pfx file could not be made in this browser. Use the openssl command below.');
    } finally {
      button.disabled = false;
    }
  });
}

start();
