/** Page parts shared by orders and tracking: status, domain-validation steps, the key archive hand-over. */
import type { KeyArchive } from '../autocsr/key-archive.js';
import { statusOf, VALIDATION_STATUS } from './text.js';
import { Alert, Badge, CopyButton, CopyValue, When } from './ui.js';

export interface ValidationView {
  domain: string;
  status: string;
  method: string | null;
  lastCheckedAt: string | null;
  lastResult: Record<string, string> | null;
  instructions: { http01?: { url: string; body: string }; dns01: { name: string; type: 'TXT'; value: string } };
}

export function OrderStatus({ status, reason, page }: { status: string; reason: string | null; page: 'order' | 'tracking' }) {
  const s = statusOf(status, page);
  return (
    <div class="status-block">
      <p>
        <span class="visually-hidden">Status: </span>
        <Badge tone={s.tone}>{s.label}</Badge>
      </p>
      {s.explain ? <p>{s.explain}</p> : null}
      {reason ? (
        <p>
          <strong>Details:</strong> {reason}
        </p>
      ) : null}
    </div>
  );
}

/** Per domain: its state, what the last check found, and the two ways to prove control. */
export function ValidationSteps({ validation, idPrefix }: { validation: ValidationView[]; idPrefix: string }) {
  return (
    <div>
      {validation.map((v, i) => {
        const st = VALIDATION_STATUS[v.status] ?? { label: v.status, tone: 'info' as const };
        const id = `${idPrefix}-${i}`;
        return (
          <section class="domain-check" aria-labelledby={`${id}-h`}>
            <h3 id={`${id}-h`}>
              <span class="mono">{v.domain}</span> <Badge tone={st.tone}>{st.label}</Badge>
            </h3>
            {v.status === 'valid' ? (
              <p class="muted">Verified{v.method ? ` by ${v.method === 'dns-01' ? 'DNS record' : v.method === 'approver-email' ? 'approver e-mail' : 'web file'}` : ''}. Nothing more to do for this name.</p>
            ) : (
              <>
                {v.lastResult && Object.keys(v.lastResult).length ? (
                  <div class="alert alert-warning">
                    <p>
                      <strong>Last check</strong>
                      {v.lastCheckedAt ? (
                        <>
                          {' '}
                          (<When date={new Date(v.lastCheckedAt)} />)
                        </>
                      ) : null}
                      :
                    </p>
                    <ul class="tidy">
                      {Object.entries(v.lastResult).map(([method, found]) => (
                        <li>
                          {method === 'dns-01' ? 'DNS record' : method === 'http-01' ? 'Web file' : method}: {found}
                        </li>
                      ))}
                    </ul>
                  </div>
                ) : null}
                <p>Do one of these (whichever is easier for you):</p>
                {v.instructions.http01 ? (
                  <details>
                    <summary>Option A: put a file on the web server</summary>
                    <p>
                      Make this address answer with exactly the text below (plain text, over port 80, no login). Your hosting provider’s file manager
                      can do this: create the folders <code>.well-known/acme-challenge</code> in the site’s root folder and a file with the last part of
                      the address as its name.
                    </p>
                    <CopyValue id={`${id}-url`} label="Address" value={v.instructions.http01.url} />
                    <CopyValue id={`${id}-body`} label="File content" value={v.instructions.http01.body} />
                  </details>
                ) : null}
                <details>
                  <summary>{v.instructions.http01 ? 'Option B' : 'The only option'}: add a DNS TXT record</summary>
                  <p>At your DNS provider, add a record of type TXT. Some providers want only the first part of the name (before your domain).</p>
                  <CopyValue id={`${id}-dns-name`} label="Name" value={v.instructions.dns01.name} />
                  <CopyValue id={`${id}-dns-type`} label="Type" value="TXT" />
                  <CopyValue id={`${id}-dns-value`} label="Value" value={v.instructions.dns01.value} />
                  <p class="muted small">New DNS records can take a few minutes (sometimes an hour) to be visible.</p>
                </details>
              </>
            )}
          </section>
        );
      })}
    </div>
  );
}

/** How to open the AES-256 key archive on each system, and how to keep the key file afterwards. */
export function OpenArchiveHelp({ filename }: { filename: string }) {
  // The archive is <order number>-<stem>-private-key[-<date>].zip and holds <stem>.key.
  const key = `${filename.replace(/^EG-[^-]+-/, '').replace(/-private-key(-[0-9-]+)?\.zip$/, '')}.key`;
  return (
    <details>
      <summary>How to open the key archive</summary>
      <p>
        The ZIP file is encrypted with AES-256. The built-in ZIP support of Windows Explorer and of the macOS Archive Utility cannot open AES archives; use
        one of these free tools and type the unlock code when asked (with its dashes, in capitals).
      </p>
      <ul class="tidy">
        <li>
          <strong>Windows:</strong> install <a href="https://www.7-zip.org/">7-Zip</a>, right-click the file, choose <em>7-Zip → Extract Here</em>, and
          enter the unlock code. <a href="https://www.win-rar.com/">WinRAR</a> works too: <em>Extract Here</em>, then the unlock code.
        </li>
        <li>
          <strong>macOS:</strong> install <a href="https://theunarchiver.com/">The Unarchiver</a> (free in the App Store) or{' '}
          <a href="https://www.keka.io/">Keka</a>, open the file with it, and enter the unlock code. The built-in Archive Utility cannot open AES
          archives: it reports an error or asks for the password again and again.
        </li>
        <li>
          <strong>Linux:</strong> the file managers of GNOME (Files) and KDE (Dolphin, Ark) open it with a double click when <code>7zip</code> (or{' '}
          <code>p7zip-full</code>) is installed; on a server run <code>7z x {filename}</code>, which asks for the unlock code. The classic{' '}
          <code>unzip</code> command cannot read AES archives.
        </li>
      </ul>
      <p>Inside is your private key (a .key file). Keep it on the server that will use the certificate and nowhere else.</p>
      <KeyFileAdvice keyFile={key} />
    </details>
  );
}

/** Who may read the key file on the server: root or the web server's user only, with the commands. */
export function KeyFileAdvice({ keyFile }: { keyFile: string }) {
  return (
    <div class="key-advice" id="key-file-advice">
      <p>
        <strong>Protect the key file.</strong> Only root (the administrator) or the user your web server runs as may read it: anyone who can read it can
        pretend to be your site. On Linux or macOS:
      </p>
      <pre tabindex={0}>{`sudo mv ${keyFile} /etc/ssl/private/${keyFile}
sudo chown root:root /etc/ssl/private/${keyFile}
sudo chmod 600 /etc/ssl/private/${keyFile}`}</pre>
      <p>
        nginx and Apache read the key as root before they switch users, so root-only (<code>600</code>, owner root) is right for them. A server that reads
        it as its own user needs that user as the owner instead, for example <code>sudo chown www-data:www-data …</code> (Debian, Ubuntu) or{' '}
        <code>nginx</code> / <code>apache</code> (Red Hat family), still with <code>chmod 600</code>. On Windows, import it into the certificate store as a
        .pfx (see the tracking page) and delete the loose key file.
      </p>
    </div>
  );
}

/** The key archive of an AutoCSR order or reissue: saved right away, with the two channels explained. */
export function KeyArchiveHandover({ archive, orderNumber, loggedIn }: { archive: KeyArchive; orderNumber: string; loggedIn: boolean }) {
  return (
    <section class="card" aria-labelledby="archive-h">
      <h2 id="archive-h">Your private key</h2>
      <p>
        We made a new private key for you and put it in an encrypted ZIP file. It reaches you in two separate parts, so that the file alone is useless
        to anyone who intercepts it:
      </p>
      <ol class="steps">
        <li>
          <strong>The key file, now.</strong> Your browser saves it as <code>{archive.filename}</code>.{' '}
          <span id="archive-saved" hidden>
            (Saving started — check your downloads.)
          </span>{' '}
          We do not keep a copy: if you lose it, you need a reissue.
          <p class="actions">
            <a class="btn" href={`data:application/zip;base64,${archive.data}`} download={archive.filename} data-autodownload="archive-saved">
              Save the key file ({archive.filename})
            </a>
          </p>
        </li>
        <li>
          <strong>The unlock code, in this portal.</strong>{' '}
          {loggedIn ? (
            <>
              Open <a href={`/portal/orders/${orderNumber}`}>the order page</a> and press “Reveal unlock code”.
            </>
          ) : (
            <>Log in to the account that placed the order, open the order {orderNumber} and press “Reveal unlock code”.</>
          )}{' '}
          It can be read for 7 days; after that it is deleted and only a reissue gives you a new key.
        </li>
      </ol>
      <OpenArchiveHelp filename={archive.filename} />
    </section>
  );
}

/** The CA Reference, shown exactly once. */
export function CaReferenceOnce({ reference, orderNumber }: { reference: string; orderNumber: string }) {
  return (
    <section class="alert alert-warning" aria-labelledby="ref-h">
      <h2 id="ref-h">Your CA Reference — save it now</h2>
      <p class="muted">Older e-mails and guides call it the “Supplier Order Number”: it is the same thing.</p>
      <p>
        <strong>This is the only time it is shown. Nobody can recover it, not even our staff.</strong> You need it to check domain control, download the
        certificate and reissue it. Anyone who has it can do the same, so keep it like a password.
      </p>
      <code class="secret" id="ca-reference">
        {reference}
      </code>
      <p class="actions">
        <CopyButton target="ca-reference" label="Copy the CA Reference" />
        <button type="button" class="btn btn-secondary btn-small" data-save-text="ca-reference" data-filename={`${orderNumber}-ca-reference.txt`} data-prefix={`CA Reference of order ${orderNumber}\n`} hidden>
          Save as a text file
        </button>
      </p>
    </section>
  );
}

export { Alert };
