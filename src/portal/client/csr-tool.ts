/**
 * The CSR generator page. Everything happens in this browser tab: the key pair is made (or read from the
 * customer's file) with WebCrypto, the CSR is signed here, and the key is handed to the customer as a
 * download. This script makes no network request; the page's CSP (`connect-src 'none'`) would refuse one.
 * The only thing that can leave is the CSR, when the customer submits the "order with this CSR" form.
 */
import { loadPsl } from '../../core/psl.js';
import { buildCsr, generateKey, importPrivateKey, privateKeyPem, zipKey, CsrToolError, type KeyMaterial, type KeyType } from './csr-core.js';
import { checkDomains, withWwwCounterparts } from '../../csr/names.js';
import { DomainError } from '../../core/errors.js';
import { cleanHostInput } from '../hosts.js';
import { saveFile } from './save-file.js';
import type { Organization } from '../../core/store/types.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;


const stemOf = (name: string) => name.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9.-]/gi, '_');

function value(id: string): string {
  return ($<HTMLInputElement>(id)?.value ?? '').trim();
}

function organization(): Organization {
  const org: Organization = {};
  const set = (k: keyof Organization, id: string) => {
    const v = value(id);
    if (v) org[k] = v;
  };
  set('name', 'csr-org-name');
  set('unit', 'csr-org-unit');
  set('locality', 'csr-org-locality');
  set('state', 'csr-org-state');
  set('country', 'csr-org-country');
  set('email', 'csr-org-email');
  return org;
}

function domains(): string[] {
  const raw = cleanHostInput(value('csr-domains'));
  if (raw.length === 0) throw new CsrToolError('Enter the host name(s) the certificate is for, for example www.example.com.');
  let names: string[];
  try {
    names = checkDomains(raw);
  } catch (err) {
    if (err instanceof DomainError) throw new CsrToolError(err.detail.replace(/^domains\[\d+\]: /, ''));
    throw err;
  }
  return $<HTMLInputElement>('csr-www')?.checked ? withWwwCounterparts(names) : names;
}

function init(): void {
  const tool = $('csr-tool');
  const form = $<HTMLFormElement>('csr-form');
  if (!tool || !form) return;
  tool.hidden = false;
  $('csr-noscript')?.setAttribute('hidden', '');

  const status = $('csr-status')!;
  const error = $('csr-error')!;
  const result = $('csr-result')!;
  const output = $<HTMLTextAreaElement>('csr-output')!;
  const button = $<HTMLButtonElement>('csr-generate')!;
  const newPanel = $('csr-key-new-panel')!;
  const existingPanel = $('csr-key-existing-panel')!;
  const passphrasePanel = $('csr-passphrase-panel')!;
  const keyText = $<HTMLTextAreaElement>('csr-key-pem')!;
  let lastKey: { blob: Blob; filename: string } | undefined;
  let lastCsr: { pem: string; filename: string } | undefined;

  const source = () => (document.querySelector<HTMLInputElement>('input[name="key-source"]:checked')?.value ?? 'new') as 'new' | 'existing';
  const format = () => (document.querySelector<HTMLInputElement>('input[name="key-file-format"]:checked')?.value ?? 'pem') as 'pem' | 'zip';
  const sync = () => {
    newPanel.hidden = source() !== 'new';
    existingPanel.hidden = source() !== 'existing';
    passphrasePanel.hidden = format() !== 'zip';
  };
  document.querySelectorAll<HTMLInputElement>('input[name="key-source"], input[name="key-file-format"]').forEach((r) => r.addEventListener('change', sync));
  sync();

  $<HTMLInputElement>('csr-key-file')?.addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    if (file.size > 64 * 1024) {
      showError('That file is too large to be a private key. Choose the .key or .pem file.');
      return;
    }
    keyText.value = await file.text();
    status.textContent = `Read ${file.name} (it stays in this browser).`;
  });

  const showError = (msg: string) => {
    error.textContent = msg;
    error.hidden = false;
    error.focus();
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    error.textContent = '';
    button.disabled = true;
    try {
      await loadPsl();
      const names = domains();
      const org = organization();
      const stem = stemOf(names[0]!);
      let material: KeyMaterial;
      if (source() === 'existing') {
        if (!keyText.value.trim()) throw new CsrToolError('Paste your private key or open the key file.');
        status.textContent = 'Reading your private key…';
        material = await importPrivateKey(keyText.value);
        lastKey = undefined;
      } else {
        let passphrase = '';
        if (format() === 'zip') {
          passphrase = $<HTMLInputElement>('csr-passphrase')!.value;
          if (passphrase.length < 10) throw new CsrToolError('Choose a passphrase of at least 10 characters for the ZIP file.');
          if (passphrase !== $<HTMLInputElement>('csr-passphrase2')!.value) throw new CsrToolError('The two passphrases differ. Type the same passphrase twice.');
        }
        status.textContent = 'Making a new key pair on this computer…';
        material = await generateKey(($<HTMLSelectElement>('csr-key-type')!.value || 'rsa-2048') as KeyType);
        const pem = await privateKeyPem(material.keys);
        lastKey =
          format() === 'zip'
            ? { blob: await zipKey(pem, `${stem}.key`, passphrase), filename: `${stem}-private-key.zip` }
            : { blob: new Blob([pem], { type: 'application/x-pem-file' }), filename: `${stem}.key` };
      }
      status.textContent = 'Signing the CSR…';
      const csr = await buildCsr(material, names, org);
      lastCsr = { pem: csr, filename: `${stem}.csr` };
      output.value = csr;
      const orderCsr = $<HTMLInputElement>('csr-order-csr');
      const orderDomains = $<HTMLInputElement>('csr-order-domains');
      if (orderCsr) orderCsr.value = csr;
      if (orderDomains) orderDomains.value = names.join('\n');
      $('csr-names')!.textContent = names.join(', ');
      $('csr-key-kind')!.textContent = material.description;
      const keyBox = $('csr-key-box')!;
      keyBox.hidden = !lastKey;
      result.hidden = false;
      if (lastKey) {
        saveFile(lastKey.blob, lastKey.filename);
        $('csr-key-filename')!.textContent = lastKey.filename;
        status.textContent = `Done. Your private key was saved as ${lastKey.filename}; the CSR is below.`;
      } else {
        status.textContent = 'Done. The CSR for your existing key is below.';
      }
      $('csr-result-heading')?.focus();
    } catch (err) {
      status.textContent = '';
      showError(err instanceof CsrToolError ? err.message : 'Something went wrong while making the CSR. Reload the page and try again.');
      if (!(err instanceof CsrToolError)) console.error(err);
    } finally {
      button.disabled = false;
    }
  });

  $('csr-download-key')?.addEventListener('click', () => lastKey && saveFile(lastKey.blob, lastKey.filename));
  $('csr-download-csr')?.addEventListener('click', () => lastCsr && saveFile(new Blob([lastCsr.pem], { type: 'application/pkcs10' }), lastCsr.filename));
}

init();
