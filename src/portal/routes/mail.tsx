/**
 * The portal pages mailed links open: confirming the e-mail address, asking for and using a password reset.
 * A link only opens a page; the token is used by the form's POST, so a mail scanner that fetches links uses
 * nothing up. The pages send no Referer (the token is in their URL).
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Problem } from '../../core/problem.js';
import type { AppEnv } from '../../app/context.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { Alert, Csrf, ErrorSummary, TextField, type FormErrors } from '../ui.js';
import { asProblem, cleanDetail, problemToErrors } from '../errors.js';

const clientAddress = (c: PortalContext) => c.get('services').clientAddress(c as unknown as Context<AppEnv>);
const tokenOf = (v: string | undefined) => (v ?? '').trim().slice(0, 100);
const noReferrer = (c: PortalContext) => c.header('referrer-policy', 'no-referrer');

function VerifyPage({ csrf, token, loggedIn, notice }: { csrf: string; token: string; loggedIn: boolean; notice?: { kind: 'success' | 'error'; text: string } }) {
  return (
    <>
      <h1>Confirm your e-mail address</h1>
      {notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null}
      {token ? (
        <form method="post" action="/portal/verify" class="card">
          <Csrf token={csrf} />
          <input type="hidden" name="token" value={token} />
          <p>Confirm that the address this link was sent to is yours.</p>
          <button type="submit" class="btn">
            Confirm my address
          </button>
        </form>
      ) : null}
      {loggedIn ? (
        <form method="post" action="/portal/verify/resend" class="card">
          <Csrf token={csrf} />
          <p>No link, or it expired? We mail you a new one; older links stop working.</p>
          <button type="submit" class="btn btn-secondary">
            Send a new link
          </button>
        </form>
      ) : null}
    </>
  );
}

function ForgotPage({ csrf, email, errors, sent }: { csrf: string; email?: string; errors: FormErrors; sent?: boolean }) {
  return (
    <>
      <h1>Forgot your password?</h1>
      {sent ? <Alert kind="success">If an account has this address, a reset link is on its way. It works once, for 30 minutes.</Alert> : null}
      <ErrorSummary errors={errors} labels={{ email: 'Email address' }} />
      <form method="post" action="/portal/forgot" class="card" novalidate>
        <Csrf token={csrf} />
        <TextField name="email" label="Email address" type="email" autocomplete="email" spellcheck={false} required value={email} error={errors.email} maxlength={254} />
        <button type="submit" class="btn">
          Mail me a reset link
        </button>
      </form>
    </>
  );
}

function ResetPage({ csrf, token, errors }: { csrf: string; token: string; errors: FormErrors }) {
  return (
    <>
      <h1>Choose a new password</h1>
      <ErrorSummary errors={errors} labels={{ password: 'New password', password2: 'Repeat password', token: 'Link' }} />
      <form method="post" action="/portal/reset" class="card" novalidate>
        <Csrf token={csrf} />
        <input type="hidden" name="token" value={token} />
        <TextField name="password" label="New password" type="password" autocomplete="new-password" required minlength={12} maxlength={256} hint="At least 12 characters." error={errors.password} />
        <TextField name="password2" label="Repeat password" type="password" autocomplete="new-password" required maxlength={256} error={errors.password2} />
        <button type="submit" class="btn">
          Set the new password
        </button>
      </form>
    </>
  );
}

function ApprovePage({ csrf, value, notice }: { csrf: string; value: string; notice?: { kind: 'success' | 'error'; text: string } }) {
  return (
    <>
      <h1>Approve a certificate</h1>
      {notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null}
      {notice?.kind === 'success' ? null : (
        <form method="post" action="/portal/approve" class="card" novalidate>
          <Csrf token={csrf} />
          <p>You received a request to approve a TLS certificate for a domain whose mail you read. Approve only if you expected it.</p>
          <TextField name="value" label="Approval value (from the mail)" value={value} autocapitalize="characters" spellcheck={false} required maxlength={80} />
          <button type="submit" class="btn">
            Approve the certificate
          </button>
        </form>
      )}
    </>
  );
}

export const mailRoutes = new Hono<PortalEnv>()
  .get('/portal/approve', (c) => {
    noReferrer(c);
    return page(c, { title: 'Approve a certificate', section: null }, <ApprovePage csrf={c.get('portal').csrf} value={(c.req.query('value') ?? '').slice(0, 80)} />);
  })
  .post('/portal/approve', async (c) => {
    noReferrer(c);
    const { csrf, form } = c.get('portal');
    const value = (form.value ?? '').slice(0, 80);
    const services = c.get('services');
    try {
      await services.limits.consume('validate', { address: clientAddress(c) });
      const order = await services.tracking.confirmApprover(value);
      return page(
        c,
        { title: 'Approve a certificate', section: null },
        <ApprovePage csrf={csrf} value="" notice={{ kind: 'success', text: `Thank you: approved. The order ${order.orderNumber} goes on (status: ${order.status}).` }} />,
      );
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 400) {
        return page(c, { title: 'Approve a certificate', section: null, status: 400 }, <ApprovePage csrf={csrf} value={value} notice={{ kind: 'error', text: cleanDetail(err.detail) }} />);
      }
      throw err;
    }
  })
  .get('/portal/verify', (c) => {
    noReferrer(c);
    const { csrf, customer } = c.get('portal');
    const notice = c.req.query('sent') !== undefined && customer ? { kind: 'success' as const, text: `We mailed a link to ${customer.email}: open it to confirm the address, then place your orders.` } : undefined;
    return page(c, { title: 'Confirm your address', section: null }, <VerifyPage csrf={csrf} token={tokenOf(c.req.query('token'))} loggedIn={customer !== null} notice={notice} />);
  })
  .post('/portal/verify', async (c) => {
    noReferrer(c);
    const { csrf, customer, form } = c.get('portal');
    const ok = await c.get('services').accountMail.verify(tokenOf(form.token));
    const notice = ok
      ? { kind: 'success' as const, text: 'Thank you: your address is confirmed. You can place orders now.' }
      : { kind: 'error' as const, text: 'This link is not valid: it was used already, has expired (48 hours) or was replaced by a newer one.' };
    return page(c, { title: 'Confirm your address', section: null, status: ok ? 200 : 400 }, <VerifyPage csrf={csrf} token="" loggedIn={customer !== null && !ok} notice={notice} />);
  })
  .post('/portal/verify/resend', async (c) => {
    const { csrf, customer } = c.get('portal');
    if (!customer) return c.redirect('/portal/login?next=/portal/verify', 303);
    const services = c.get('services');
    await services.limits.consume('signups', { address: clientAddress(c) });
    await services.accountMail.sendVerification(customer);
    return page(c, { title: 'Confirm your address', section: null }, <VerifyPage csrf={csrf} token="" loggedIn notice={{ kind: 'success', text: `A new link is on its way to ${customer.email}.` }} />);
  })
  .get('/portal/forgot', (c) => page(c, { title: 'Forgot your password', section: 'login' }, <ForgotPage csrf={c.get('portal').csrf} errors={{}} />))
  .post('/portal/forgot', async (c) => {
    const { csrf, form } = c.get('portal');
    const email = (form.email ?? '').trim().slice(0, 254);
    if (!email) return page(c, { title: 'Forgot your password', section: 'login', status: 400 }, <ForgotPage csrf={csrf} errors={{ email: 'Enter your email address.' }} />);
    try {
      await c.get('services').accountMail.requestReset(email, clientAddress(c));
    } catch (err) {
      if (err instanceof Problem && err.status !== 500) {
        if (err.status === 429) c.header('retry-after', String(err.extensions.retryAfter));
        return page(c, { title: 'Forgot your password', section: 'login', status: err.status as 404 | 429 }, <ForgotPage csrf={csrf} email={email} errors={problemToErrors(err, {})} />);
      }
      throw err;
    }
    return page(c, { title: 'Forgot your password', section: 'login' }, <ForgotPage csrf={csrf} email={email} errors={{}} sent />);
  })
  .get('/portal/reset', (c) => {
    noReferrer(c);
    return page(c, { title: 'Choose a new password', section: 'login' }, <ResetPage csrf={c.get('portal').csrf} token={tokenOf(c.req.query('token'))} errors={{}} />);
  })
  .post('/portal/reset', async (c) => {
    noReferrer(c);
    const { csrf, form } = c.get('portal');
    const token = tokenOf(form.token);
    const password = form.password ?? '';
    const again = (errors: FormErrors) => page(c, { title: 'Choose a new password', section: 'login', status: 400 }, <ResetPage csrf={csrf} token={token} errors={errors} />);
    if (password.length < 12) return again({ password: 'Use at least 12 characters.' });
    if (password !== (form.password2 ?? '')) return again({ password2: 'The two passwords are not the same.' });
    try {
      await c.get('services').accountMail.reset(token, password);
    } catch (err) {
      if (err instanceof Problem && err.status === 400) return again({ _form: err.detail });
      throw err;
    }
    return c.redirect('/portal/login?reset', 303);
  });
