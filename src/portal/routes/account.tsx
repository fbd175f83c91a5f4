/**
 * The account page: who is logged in, and deleting the account (issue 13 part 6) after typing the password
 * again and ticking that it cannot be undone. What is deleted and what is kept is said before and after.
 * Also the mail setting: whether shipment notices carry the CA Reference (same as PUT /api/v1/accounts/mail-settings).
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { AppEnv } from '../../app/context.js';
import { Problem } from '../../core/problem.js';
import { RETENTION_DAYS } from '../../core/retention.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { requireLogin } from './auth.js';
import { clearSessionCookie } from '../session.js';
import { asProblem, cleanDetail } from '../errors.js';
import { Alert, Csrf, ErrorSummary, TextField, type FormErrors } from '../ui.js';

function WhatHappens() {
  return (
    <div class="deletion-terms">
      <h3>Deleted at once</h3>
      <ul class="tidy">
        <li>your e-mail address and password: nobody can log in to this account any more;</li>
        <li>every session, on every device;</li>
        <li>the unlock codes of key archives that were still readable;</li>
        <li>the CSRs of your orders and the e-mail address and unit you gave for your organization;</li>
        <li>your ACME / CaaS subscriptions and their EAB credentials are revoked: ACME clients using them can no longer order;</li>
        <li>orders not issued yet are closed.</li>
      </ul>
      <h3>Kept, because a certificate authority must</h3>
      <ul class="tidy">
        <li>
          certificates already issued: they stay valid until they expire, and stay listed if revoked (the order numbers, host names and the organization
          as the certificate shows it stay with them);
        </li>
        <li>
          the records of how the host names were validated, for {RETENTION_DAYS.validationRecords / 365} years after the order closed (Baseline Requirements
          §5.5.2), then deleted.
        </li>
      </ul>
      <p>Keep your CA References if you may still want to download or revoke a certificate: tracking keeps working with them.</p>
    </div>
  );
}

type MailSettings = { caReferenceInMail: boolean; operatorOmits: boolean };

async function mailSettings(c: PortalContext): Promise<MailSettings> {
  const { accountMail, config } = c.get('services');
  const { caReferenceInMail } = await accountMail.settings(c.get('portal').customer!);
  return { caReferenceInMail, operatorOmits: config.mail?.caReference === 'omit' };
}

function MailSettingsForm({ csrf, mail, saved }: { csrf: string; mail: MailSettings; saved?: boolean }) {
  return (
    <section class="card" aria-labelledby="mail-h">
      <h2 id="mail-h">E-mail</h2>
      {saved ? <Alert kind="success">Your mail setting is saved.</Alert> : null}
      {mail.operatorOmits ? (
        <p>This service never puts the CA Reference in mails.</p>
      ) : (
        <form method="post" action="/portal/account/mail-settings">
          <Csrf token={csrf} />
          <input type="hidden" name="present" value="1" />
          <p>
            Now: shipment notices {mail.caReferenceInMail ? <strong>carry</strong> : <strong>do not carry</strong>} the CA Reference.
          </p>
          <div class="choice">
            <input type="checkbox" id="f-caReferenceInMail" name="caReferenceInMail" value="1" checked={mail.caReferenceInMail} />
            <label for="f-caReferenceInMail">Put the CA Reference in shipment notices (anyone who reads the mail can then download or revoke the certificate).</label>
          </div>
          <div class="actions">
            <button type="submit" class="btn btn-secondary">
              Save mail setting
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function AccountPage({ c, errors, mail, saved }: { c: PortalContext; errors: FormErrors; mail: MailSettings; saved?: boolean }) {
  const { csrf, customer } = c.get('portal');
  return (
    <>
      <h1>Your account</h1>
      <dl class="kv">
        <dt>E-mail address</dt>
        <dd>{customer!.email}</dd>
      </dl>
      <ErrorSummary errors={errors} labels={{ password: 'Password', confirm: 'Confirmation' }} />
      <MailSettingsForm csrf={csrf} mail={mail} saved={saved} />
      <section class="card" aria-labelledby="delete-h">
        <h2 id="delete-h">Delete my account</h2>
        <WhatHappens />
        <form method="post" action="/portal/account/delete" novalidate>
          <Csrf token={csrf} />
          <TextField name="password" label="Your password, to confirm it is you" type="password" autocomplete="current-password" required error={errors.password} maxlength={1024} />
          <div class="choice">
            <input type="checkbox" id="f-confirm" name="confirm" value="1" aria-invalid={errors.confirm ? 'true' : undefined} />
            <label for="f-confirm">I understand that this cannot be undone.</label>
          </div>
          <div class="actions">
            <button type="submit" class="btn btn-danger">
              Delete my account
            </button>
          </div>
        </form>
      </section>
    </>
  );
}

export const accountRoutes = new Hono<PortalEnv>()
  .get('/portal/account', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    return page(c, { title: 'Your account', section: 'account' }, <AccountPage c={c} errors={{}} mail={await mailSettings(c)} />);
  })
  .post('/portal/account/mail-settings', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const { form, customer } = c.get('portal');
    // An unticked checkbox is not sent at all; `present` tells this form from an empty POST.
    if (form.present !== '1') return page(c, { title: 'Your account', section: 'account', status: 400 }, <AccountPage c={c} errors={{}} mail={await mailSettings(c)} />);
    await c.get('services').accountMail.setCaReferenceInMail(customer!, form.caReferenceInMail === '1');
    return page(c, { title: 'Your account', section: 'account' }, <AccountPage c={c} errors={{}} mail={await mailSettings(c)} saved />);
  })
  .post('/portal/account/delete', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const { form, customer } = c.get('portal');
    const services = c.get('services');
    const again = async (errors: FormErrors, status: 400 | 401 | 429) =>
      page(c, { title: 'Your account', section: 'account', status }, <AccountPage c={c} errors={errors} mail={await mailSettings(c)} />);
    if (form.confirm !== '1') return again({ confirm: 'Tick the box to confirm that the account is deleted for good.' }, 400);
    if (!form.password) return again({ password: 'Enter your password.' }, 400);
    try {
      await services.accountDeletion.delete(customer!, form.password.slice(0, 1024), services.clientAddress(c as unknown as Context<AppEnv>));
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 401) return again({ password: 'The password is wrong.' }, 401);
      if (err instanceof Problem && err.status === 429) return again({ password: cleanDetail(err.detail) }, 429);
      throw err;
    }
    clearSessionCookie(c);
    // The page after is a logged-out one.
    c.set('portal', { ...c.get('portal'), customer: null, sessionToken: null });
    return page(
      c,
      { title: 'Account deleted', section: null },
      <>
        <h1>Your account is deleted</h1>
        <Alert kind="success">
          <p>You are logged out everywhere. This is what happened:</p>
        </Alert>
        <WhatHappens />
        <p>
          <a href="/portal/">Back to the start page</a>
        </p>
      </>,
    );
  });
