/**
 * The PFX maker on the tracking page of an issued order (client script: client/pfx-tool.ts): the
 * certificate and chain are in the page, the customer picks the key file and a passphrase, and the browser
 * writes the .pfx. The key fields have no `name` and sit in no form: nothing of them can be submitted.
 */
import { safeFileStem } from '../autocsr/key-archive.js';

export function PfxMaker({ fullchainPem, commonName }: { fullchainPem: string; commonName: string }) {
  const stem = safeFileStem(commonName);
  return (
    <section class="card" aria-labelledby="pfx-h" id="pfx-maker">
      <h2 id="pfx-h">Windows and IIS: make a .pfx file</h2>
      <p>
        IIS and the Windows certificate store import a <strong>.pfx</strong> (PKCS#12) file: the certificate, its chain and the private key together,
        protected by a passphrase. A .p7b file holds no key, and IIS cannot pair it with a key it did not make itself, so use a .pfx.
      </p>
      <pre id="pfx-chain" hidden>
        {fullchainPem}
      </pre>
      <div id="pfx-tool" hidden data-filename={`${stem}.pfx`} data-friendly-name={commonName}>
        <div class="field">
          <label for="pfx-key">Private key file</label>
          <span class="hint" id="pfx-key-hint">
            The .key file of this certificate: from your server, the CSR generator, or the encrypted ZIP file of an AutoCSR order (unzip it first).
          </span>
          <input type="file" id="pfx-key" accept=".key,.pem,.txt" aria-describedby="pfx-key-hint" />
        </div>
        <div class="field">
          <label for="pfx-pass">Passphrase for the .pfx file</label>
          <span class="hint" id="pfx-pass-hint">
            At least 8 characters. Windows asks for it when you import the file.
          </span>
          <input type="password" id="pfx-pass" autocomplete="new-password" aria-describedby="pfx-pass-hint" />
        </div>
        <div class="field">
          <label for="pfx-pass2">Repeat the passphrase</label>
          <input type="password" id="pfx-pass2" autocomplete="new-password" />
        </div>
        <p class="actions">
          <button type="button" class="btn" id="pfx-make">
            Make the .pfx file
          </button>
        </p>
        <p id="pfx-status" role="status" aria-live="polite"></p>
        <p class="muted">Your key never leaves this browser: the file is made on your computer and nothing is uploaded.</p>
      </div>
      <noscript>
        <p>The .pfx maker needs JavaScript. Use the openssl command below instead.</p>
      </noscript>
      <details>
        <summary>Or make it with openssl</summary>
        <p>Download the full chain above, put it beside your key file and run:</p>
        <pre tabindex={0}>{`openssl pkcs12 -export -inkey ${stem}.key -in ${stem}-fullchain.pem -name "${commonName}" -out ${stem}.pfx`}</pre>
        <p>
          Windows Server 2016 and older cannot read the AES encryption of current files: add <code>-legacy</code> to the command for them.
        </p>
      </details>
      <p>
        Then in IIS Manager: <em>Server Certificates → Import…</em>, choose the .pfx file and type the passphrase; bind it to your site under{' '}
        <em>Bindings… → https</em>.
      </p>
    </section>
  );
}
