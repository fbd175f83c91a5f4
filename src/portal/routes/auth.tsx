/** Sign up, log in, log out, and the home page. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Problem } from '../../core/problem.js';
import type { AppEnv } from '../../app/context.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { setSessionCookie, clearSessionCookie } from '../session.js';
import { Alert, Csrf, ErrorSummary, TextField, type FormErrors } from '../ui.js';
import { problemToErrors } from '../errors.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Only paths inside the portal are followed after log-in (no open redirect). */
export function safeNext(next: string | undefined): string {
  return next && /^\/portal\/[A-Za-z0-9/_-]*$/.test(next) && !next.startsWith('//') ? next : '/portal/orders';
}

const clientAddress = (c: PortalContext) => c.get('services').clientAddress(c as unknown as Context<AppEnv>);

function SignupForm({ csrf, email, errors }: { csrf: string; email?: string; errors: FormErrors }) {
  return (
    <>
      <h1>Create your account</h1>
      <p class="lead">An account keeps your orders together and lets you read the unlock codes of keys we make for you.</p>
      <ErrorSummary errors={errors} labels={{ email: 'Email address', password: 'Password', password2: 'Repeat password' }} />
      <div class="card">
        <form method="post" action="/portal/signup" novalidate>
          <Csrf token={csrf} />
          <TextField name="email" label="Email address" type="email" autocomplete="email" spellcheck={false} required value={email} error={errors.email} maxlength={254} />
          <TextField
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            required
            minlength={12}
            maxlength={256}
            hint="At least 12 characters. A few random words, like “maple river candle orbit”, are easy to remember and hard to guess."
            error={errors.password}
          />
          <TextField name="password2" label="Repeat password" type="password" autocomplete="new-password" required maxlength={256} error={errors.password2} />
          <div class="actions">
            <button type="submit" class="btn">
              Create account
            </button>
            <span class="muted">
              Have an account? <a href="/portal/login">Log in</a>
            </span>
          </div>
        </form>
      </div>
    </>
  );
}

function LoginForm({ csrf, email, errors, next, notice }: { csrf: string; email?: string; errors: FormErrors; next?: string; notice?: string }) {
  return (
    <>
      <h1>Log in</h1>
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      <ErrorSummary errors={errors} labels={{ email: 'Email address', password: 'Password' }} />
      <div class="card">
        <form method="post" action="/portal/login" novalidate>
          <Csrf token={csrf} />
          {next ? <input type="hidden" name="next" value={safeNext(next)} /> : null}
          <TextField name="email" label="Email address" type="email" autocomplete="username" spellcheck={false} required value={email} error={errors.email} maxlength={254} />
          <TextField name="password" label="Password" type="password" autocomplete="current-password" required maxlength={256} error={errors.password} />
          <div class="actions">
            <button type="submit" class="btn">
              Log in
            </button>
            <span class="muted">
              New here? <a href="/portal/signup">Create an account</a> · <a href="/portal/forgot">Forgot your password?</a>
            </span>
          </div>
        </form>
      </div>
      <p class="muted">
        Only have a CA Reference? You don’t need to log in to <a href="/portal/track">track a certificate</a>.
      </p>
    </>
  );
}

export const authRoutes = new Hono<PortalEnv>()
  .get('/portal/', (c) => {
    if (c.get('portal').customer) return c.redirect('/portal/orders', 303);
    return page(
      c,
      { title: 'Certificates made simple', section: 'home' },
      <>
        <h1>TLS certificates without the command line</h1>
        <p class="lead">
          Order a certificate for your website, prove you own the domain, and download the certificate — or let your server renew it automatically
          with ACME.
        </p>
        <div class="grid grid-2">
          <section class="card tile" aria-labelledby="t-order">
            <h2 id="t-order">Order a certificate</h2>
            <p>We can make the private key for you and hand it over once, in an encrypted ZIP file, or you bring your own CSR.</p>
            <p class="actions">
              <a class="btn" href="/portal/signup">
                Create an account
              </a>
              <a class="btn btn-secondary" href="/portal/login">
                Log in
              </a>
            </p>
          </section>
          <section class="card tile" aria-labelledby="t-track">
            <h2 id="t-track">Track a certificate</h2>
            <p>Have a CA Reference (it starts with CAR-)? Check the order’s status, prove domain control and download the certificate.</p>
            <p class="actions">
              <a class="btn btn-secondary" href="/portal/track">
                Track with a CA Reference
              </a>
            </p>
          </section>
          <section class="card tile" aria-labelledby="t-csr">
            <h2 id="t-csr">Make a CSR in your browser</h2>
            <p>Create a private key and a certificate signing request on your own computer. The key never leaves it.</p>
            <p class="actions">
              <a class="btn btn-secondary" href="/portal/csr">
                Open the CSR generator
              </a>
            </p>
          </section>
          <section class="card tile" aria-labelledby="t-acme">
            <h2 id="t-acme">Automatic renewals (ACME)</h2>
            <p>With a CaaS subscription, certbot, Caddy, cert-manager and other ACME clients get and renew certificates for you.</p>
            <p class="actions">
              <a class="btn btn-secondary" href="/portal/caas">
                See your subscriptions
              </a>
            </p>
          </section>
        </div>
      </>,
    );
  })
  .get('/portal/signup', (c) => {
    if (c.get('portal').customer) return c.redirect('/portal/orders', 303);
    return page(c, { title: 'Sign up', section: 'signup' }, <SignupForm csrf={c.get('portal').csrf} errors={{}} />);
  })
  .post('/portal/signup', async (c) => {
    const { form, csrf } = c.get('portal');
    const email = (form.email ?? '').trim();
    const password = form.password ?? '';
    const errors: FormErrors = {};
    if (!EMAIL.test(email) || email.length > 254) errors.email = 'Enter an email address, like name@example.com.';
    if (password.length < 12) errors.password = 'Use at least 12 characters.';
    else if (password.length > 256) errors.password = 'Use at most 256 characters.';
    else if (password !== (form.password2 ?? '')) errors.password2 = 'The two passwords are not the same.';
    const again = (e: FormErrors) => page(c, { title: 'Sign up', section: 'signup', status: 400 }, <SignupForm csrf={csrf} email={email} errors={e} />);
    if (Object.keys(errors).length) return again(errors);
    const { accounts, limits } = c.get('services');
    // Over the limit: the portal's 429 page with Retry-After (portalOnError).
    await limits.consume('signups', { address: clientAddress(c) });
    try {
      const created = await accounts.register(email, password);
      // With mail settings: a link confirms the address before orders can be placed.
      await c.get('services').accountMail.sendVerification(created);
      const session = await accounts.login(email, password, clientAddress(c));
      setSessionCookie(c, session.token, session.expiresAt);
    } catch (err) {
      if (err instanceof Problem && err.status === 409) return again({ email: 'An account with this email address exists already. Log in instead.' });
      if (err instanceof Problem) return again(problemToErrors(err, { email: 'email', password: 'password' }));
      throw err;
    }
    return c.redirect(accounts && c.get('services').accountMail.enabled ? '/portal/verify?sent' : '/portal/orders', 303);
  })
  .get('/portal/login', (c) => {
    if (c.get('portal').customer) return c.redirect(safeNext(c.req.query('next')), 303);
    const notice =
      c.req.query('bye') !== undefined ? 'You are logged out.' : c.req.query('reset') !== undefined ? 'Your new password is set; every earlier session was logged out.' : undefined;
    return page(c, { title: 'Log in', section: 'login' }, <LoginForm csrf={c.get('portal').csrf} errors={{}} next={c.req.query('next')} notice={notice} />);
  })
  .post('/portal/login', async (c) => {
    const { form, csrf } = c.get('portal');
    const email = (form.email ?? '').trim();
    const again = (e: FormErrors, status: 400 | 401 | 429 = 400) =>
      page(c, { title: 'Log in', section: 'login', status }, <LoginForm csrf={csrf} email={email} errors={e} next={form.next} />);
    if (!email || !form.password) return again({ ...(!email ? { email: 'Enter your email address.' } : {}), ...(!form.password ? { password: 'Enter your password.' } : {}) });
    try {
      const session = await c.get('services').accounts.login(email.slice(0, 254), (form.password ?? '').slice(0, 256), clientAddress(c));
      setSessionCookie(c, session.token, session.expiresAt);
    } catch (err) {
      if (err instanceof Problem && err.status === 401) return again({ _form: 'The email address or the password is wrong.' }, 401);
      if (err instanceof Problem && err.status === 429) {
        const retry = Number(err.extensions.retryAfter);
        if (Number.isFinite(retry)) c.header('retry-after', String(retry));
        return again(problemToErrors(err, {}), 429);
      }
      throw err;
    }
    return c.redirect(safeNext(form.next), 303);
  })
  .post('/portal/logout', async (c) => {
    const { sessionToken } = c.get('portal');
    if (sessionToken) await c.get('services').accounts.logout(sessionToken);
    clearSessionCookie(c);
    return c.redirect('/portal/login?bye', 303);
  });

/** Sends visitors without a session to the log-in page, then back. */
export function requireLogin(c: PortalContext): Response | null {
  if (c.get('portal').customer) return null;
  const next = c.req.method === 'GET' ? c.req.path : '/portal/orders';
  return c.redirect(`/portal/login?next=${encodeURIComponent(next)}`, 303);
}
