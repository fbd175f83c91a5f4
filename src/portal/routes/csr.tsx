/**
 * The CSR generator page. The page is server-rendered; csr-tool.js does the work in the browser. Fields that
 * hold key material or the passphrase have no `name`, so even a form submitted by accident sends nothing
 * of them; the only form that posts anything is "order with this CSR", which carries the CSR alone.
 */
import { Hono } from 'hono';
import type { PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { countries } from '../countries.js';
import { Alert, CopyButton, Csrf } from '../ui.js';

/** A labelled input without a name (the browser script reads it by id). */
function LocalField({ id, label, hint, optional, type = 'text', autocomplete }: { id: string; label: string; hint?: string; optional?: boolean; type?: string; autocomplete?: string }) {
  return (
    <div class="field">
      <label for={id}>
        {label} {optional ? <span class="optional">(optional)</span> : null}
      </label>
      {hint ? (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <input id={id} type={type} autocomplete={autocomplete ?? 'off'} spellcheck={false} aria-describedby={hint ? `${id}-hint` : undefined} />
    </div>
  );
}

export const csrRoutes = new Hono<PortalEnv>()
  .get('/portal/csr', (c) => {
    const { csrf, customer } = c.get('portal');
    return page(
      c,
      { title: 'CSR generator', section: 'csr', scripts: ['csr-tool.js'] },
      <>
        <h1>Make a CSR in your browser</h1>
        <p class="lead">
          A CSR (certificate signing request) is what a CA needs to issue your certificate. This page makes it on your computer: the private key is
          created here, saved by your browser, and never sent to us or anyone else.
        </p>
        <div id="csr-noscript">
          <Alert kind="info" title="This tool needs JavaScript">
            <p>Turn on JavaScript for this site, or make the key and CSR with OpenSSL on your server:</p>
            <pre tabindex={0}>
              {'openssl req -new -newkey rsa:2048 -nodes \\\n  -keyout www.example.com.key -out www.example.com.csr \\\n  -subj "/CN=www.example.com" \\\n  -addext "subjectAltName=DNS:www.example.com,DNS:example.com"'}
            </pre>
          </Alert>
        </div>
        <div id="csr-tool" hidden>
          <form id="csr-form" method="post" action="/portal/csr" novalidate>
            <fieldset>
              <legend>1. What the certificate is for</legend>
              <div class="field">
                <label for="csr-domains">Host names</label>
                <span class="hint" id="csr-domains-hint">
                  One per line, exactly as typed in the browser, e.g. <code>www.example.com</code>.
                </span>
                <textarea id="csr-domains" rows={3} spellcheck={false} autocapitalize="off" aria-describedby="csr-domains-hint"></textarea>
              </div>
              <div class="choice">
                <input type="checkbox" id="csr-www" checked aria-describedby="csr-www-hint" />
                <div>
                  <label for="csr-www">Also cover the www / bare variant</label>
                  <span class="hint" id="csr-www-hint">
                    Adds <code>www.example.com</code> for <code>example.com</code> and the other way round.
                  </span>
                </div>
              </div>
              <details>
                <summary>Organization details (only for OV and EV certificates)</summary>
                <LocalField id="csr-org-name" label="Organization name" optional autocomplete="organization" />
                <LocalField id="csr-org-unit" label="Department" optional />
                <LocalField id="csr-org-locality" label="Town or city" optional autocomplete="address-level2" />
                <LocalField id="csr-org-state" label="State or region" optional autocomplete="address-level1" />
                <div class="field">
                  <label for="csr-org-country">
                    Country <span class="optional">(optional)</span>
                  </label>
                  <select id="csr-org-country" autocomplete="country">
                    <option value="">— Choose a country —</option>
                    {countries().map((x) => (
                      <option value={x.code}>
                        {x.name} ({x.code})
                      </option>
                    ))}
                  </select>
                </div>
                <LocalField id="csr-org-email" label="Contact email" optional type="email" autocomplete="email" />
              </details>
            </fieldset>

            <fieldset>
              <legend>2. The private key</legend>
              <div class="choice-cards two">
                <div class="choice">
                  <input type="radio" id="key-source-new" name="key-source" value="new" checked aria-describedby="key-source-new-hint" />
                  <div>
                    <label for="key-source-new">Make a new key</label>
                    <span class="hint" id="key-source-new-hint">
                      Created on this computer and saved to your downloads.
                    </span>
                  </div>
                </div>
                <div class="choice">
                  <input type="radio" id="key-source-existing" name="key-source" value="existing" aria-describedby="key-source-existing-hint" />
                  <div>
                    <label for="key-source-existing">Use a key I already have</label>
                    <span class="hint" id="key-source-existing-hint">
                      Makes a new CSR for it, e.g. for a renewal. The key stays in this browser.
                    </span>
                  </div>
                </div>
              </div>

              <div id="csr-key-new-panel">
                <div class="field">
                  <label for="csr-key-type">Key type</label>
                  <span class="hint" id="csr-key-type-hint">
                    RSA 2048 works everywhere. ECDSA P-256 is smaller and faster, and works with all current browsers.
                  </span>
                  <select id="csr-key-type" aria-describedby="csr-key-type-hint">
                    <option value="rsa-2048">RSA 2048-bit (recommended)</option>
                    <option value="rsa-3072">RSA 3072-bit</option>
                    <option value="rsa-4096">RSA 4096-bit (slower to make)</option>
                    <option value="ec-p256">ECDSA P-256</option>
                    <option value="ec-p384">ECDSA P-384</option>
                  </select>
                </div>
                <fieldset>
                  <legend>How to save the key</legend>
                  <div class="choice">
                    <input type="radio" id="key-file-pem" name="key-file-format" value="pem" checked aria-describedby="key-file-pem-hint" />
                    <div>
                      <label for="key-file-pem">A plain key file (.key)</label>
                      <span class="hint" id="key-file-pem-hint">
                        What web servers read. Copy it to the server and delete it from your downloads.
                      </span>
                    </div>
                  </div>
                  <div class="choice">
                    <input type="radio" id="key-file-zip" name="key-file-format" value="zip" aria-describedby="key-file-zip-hint" />
                    <div>
                      <label for="key-file-zip">An encrypted ZIP (AES-256) with a passphrase you choose</label>
                      <span class="hint" id="key-file-zip-hint">
                        Safer to store or send on. Opens with 7-Zip (Windows), The Unarchiver (macOS) or <code>7z x</code> (Linux).
                      </span>
                    </div>
                  </div>
                  <div id="csr-passphrase-panel" hidden>
                    <LocalField id="csr-passphrase" label="Passphrase" type="password" autocomplete="new-password" hint="At least 10 characters. We never see it; if you forget it, the ZIP cannot be opened." />
                    <LocalField id="csr-passphrase2" label="Repeat the passphrase" type="password" autocomplete="new-password" />
                  </div>
                </fieldset>
              </div>

              <div id="csr-key-existing-panel" hidden>
                <div class="field">
                  <label for="csr-key-file">Open the private key file</label>
                  <span class="hint" id="csr-key-file-hint">
                    A .key or .pem file (PKCS#8, PKCS#1 RSA or EC). It is read by your browser only.
                  </span>
                  <input type="file" id="csr-key-file" accept=".key,.pem,.txt" aria-describedby="csr-key-file-hint" />
                </div>
                <div class="field">
                  <label for="csr-key-pem">Or paste the private key</label>
                  <textarea id="csr-key-pem" class="pem" rows={8} spellcheck={false} autocapitalize="off" autocomplete="off" placeholder="-----BEGIN PRIVATE KEY-----"></textarea>
                </div>
              </div>
            </fieldset>

            <p id="csr-error" class="alert alert-error" role="alert" tabindex={-1} hidden></p>
            <p id="csr-status" class="muted" role="status" aria-live="polite"></p>
            <div class="actions">
              <button type="submit" id="csr-generate" class="btn">
                Create CSR
              </button>
            </div>
          </form>

          <section id="csr-result" class="card" aria-labelledby="csr-result-heading" hidden>
            <h2 id="csr-result-heading" tabindex={-1}>
              Your CSR
            </h2>
            <p>
              For <span id="csr-names" class="mono"></span>, key <span id="csr-key-kind"></span>.
            </p>
            <div id="csr-key-box" class="alert alert-warning">
              <p>
                <strong>Your private key was saved as <span id="csr-key-filename" class="mono"></span>.</strong> Keep it safe: anyone who has it can
                pretend to be your website. It exists only in your downloads; we cannot recover it. It is forgotten when you leave this page.
              </p>
              <button type="button" id="csr-download-key" class="btn btn-secondary btn-small">
                Save the private key again
              </button>
            </div>
            <label for="csr-output" class="label">
              CSR (safe to share)
            </label>
            <textarea id="csr-output" class="pem" rows={12} readonly spellcheck={false}></textarea>
            <p class="actions">
              <CopyButton target="csr-output" label="Copy the CSR" />
              <button type="button" id="csr-download-csr" class="btn btn-secondary btn-small">
                Save the CSR (.csr)
              </button>
            </p>
            {customer ? (
              <form method="post" action="/portal/orders/new" id="csr-order-form">
                <Csrf token={csrf} />
                <input type="hidden" name="csr" id="csr-order-csr" value="" />
                <input type="hidden" name="domains" id="csr-order-domains" value="" />
                <button type="submit" class="btn">
                  Order a certificate with this CSR
                </button>
              </form>
            ) : (
              <p>
                To order with this CSR, copy or save it, <a href="/portal/login?next=/portal/orders/new">log in</a> and paste it into a new order.
              </p>
            )}
          </section>
        </div>
      </>,
    );
  })
  // The generator's form only exists for keyboard submission; without the script there is nothing to do.
  .post('/portal/csr', (c) => c.redirect('/portal/csr', 303));
