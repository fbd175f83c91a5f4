/**
 * CaaS: the customer's subscriptions, plan usage, the EAB credentials (shown on request for 7 days after
 * issue, every view recorded), set-ups for common ACME clients, and revoke-and-replace.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Problem } from '../../core/problem.js';
import type { AppEnv } from '../../app/context.js';
import type { RevealedCredentials, SubscriptionSummary } from '../../caas/subscriptions.js';
import type { EabViewRecord } from '../../core/store/caas.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { requireLogin } from './auth.js';
import { asProblem, cleanDetail, notFoundPage } from '../errors.js';
import { Alert, Badge, Countdown, CopyButton, CopyValue, Csrf, Secret, When } from '../ui.js';
import type { Tone } from '../text.js';

const clientAddress = (c: PortalContext) => c.get('services').clientAddress(c as unknown as Context<AppEnv>);

const STATE: Record<string, { label: string; tone: Tone }> = {
  active: { label: 'Active', tone: 'ok' },
  lapsed: { label: 'Ended', tone: 'bad' },
  revoked: { label: 'Revoked', tone: 'bad' },
};

const SNIPPETS: { key: keyof RevealedCredentials['snippets']; title: string; intro: string }[] = [
  { key: 'certbot', title: 'certbot', intro: 'Register once, then request certificates (add your usual plugin options, e.g. --nginx or --webroot).' },
  { key: 'lego', title: 'lego', intro: 'One command registers and gets the certificate; replace the domain with yours.' },
  { key: 'acmeSh', title: 'acme.sh', intro: 'Register the account once, then issue.' },
  { key: 'caddy', title: 'Caddy (Caddyfile)', intro: 'Put the global options block at the top of your Caddyfile; Caddy then gets and renews certificates for every site.' },
  { key: 'certManager', title: 'cert-manager (Kubernetes)', intro: 'Apply this Secret and ClusterIssuer, then reference the issuer “eabgate” from your Certificates or Ingresses.' },
  { key: 'traefik', title: 'Traefik', intro: 'Add the resolver to the static configuration and use it from your routers.' },
];

function ViewsTable({ views, caption }: { views: EabViewRecord[]; caption: string }) {
  if (views.length === 0) return <p class="muted">The credentials have not been viewed yet.</p>;
  return (
    <div class="table-wrap">
      <table class="data stack">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Viewed</th>
            <th scope="col">Key id</th>
            <th scope="col">From address</th>
          </tr>
        </thead>
        <tbody>
          {views.map((v) => (
            <tr>
              <td data-label="Viewed">
                <When date={v.viewedAt} />
              </td>
              <td data-label="Key id" class="mono">
                {v.kid}
              </td>
              <td data-label="From" class="mono">
                {v.clientAddress}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReplaceForm({ id, csrf, error }: { id: string; csrf: string; error?: string }) {
  return (
    <form method="post" action={`/portal/caas/${id}/replace`} novalidate>
      <Csrf token={csrf} />
      {error ? (
        <span class="field-error" id={`confirm-${id}-error`}>
          {error}
        </span>
      ) : null}
      <div class="choice">
        <input type="checkbox" id={`confirm-${id}`} name="confirm" value="1" aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `confirm-${id}-error` : undefined} />
        <label for={`confirm-${id}`}>I understand that the current key id stops working at once; ACME clients set up with it must be set up again.</label>
      </div>
      <div class="actions">
        <button type="submit" class="btn btn-danger">
          Revoke and replace the credentials
        </button>
      </div>
    </form>
  );
}

function SubscriptionCard({ s, views, csrf, now, replaceError }: { s: SubscriptionSummary; views: EabViewRecord[]; csrf: string; now: Date; replaceError?: string }) {
  const sub = s.subscription;
  const cred = s.credential;
  const state = STATE[s.state] ?? { label: s.state, tone: 'info' as Tone };
  const revealable = cred && !cred.revokedAt && s.state === 'active' && now < cred.revealUntil;
  const h = `sub-${sub.id}`;
  return (
    <section class="card" aria-labelledby={h} id={`subscription-${sub.id}`}>
      <h2 id={h}>
        Plan “{sub.plan}” <Badge tone={state.tone}>{state.label}</Badge>
      </h2>
      <dl class="kv">
        <dt>Certificates</dt>
        <dd>
          <meter min={0} max={sub.maxCertificates} value={sub.certificatesIssued} aria-label="Certificates used">
            {sub.certificatesIssued} of {sub.maxCertificates}
          </meter>
          <br />
          {sub.certificatesIssued} of {sub.maxCertificates} used
        </dd>
        <dt>Per certificate</dt>
        <dd>
          up to {sub.maxNamesPerOrder} name{sub.maxNamesPerOrder === 1 ? '' : 's'}, {sub.wildcards ? 'wildcards allowed' : 'no wildcards'}, valid up to{' '}
          {sub.maxValidityDays} days
        </dd>
        <dt>ACME accounts</dt>
        <dd>
          {s.acmeAccountsBound} registered{sub.maxAccountsPerCredential !== null ? ` (at most ${sub.maxAccountsPerCredential} per key id)` : ''}
        </dd>
        <dt>Runs until</dt>
        <dd>
          <When date={sub.notAfter} />
        </dd>
        {cred ? (
          <>
            <dt>EAB key id</dt>
            <dd class="mono">{cred.kid}</dd>
          </>
        ) : null}
      </dl>
      {s.state !== 'active' ? (
        <Alert kind="warning">
          <p>
            {s.state === 'revoked'
              ? 'This subscription was revoked: its credentials no longer work.'
              : 'This subscription has ended: its credentials no longer work. Contact us to renew it.'}
          </p>
        </Alert>
      ) : revealable ? (
        <>
          <p>
            You can view the EAB credentials for <Countdown until={cred!.revealUntil} now={now} />. Every view is recorded below.
          </p>
          <form method="post" action={`/portal/caas/${sub.id}/reveal`}>
            <Csrf token={csrf} />
            <button type="submit" class="btn">
              Reveal EAB credentials
            </button>
          </form>
        </>
      ) : (
        <Alert kind="info" title="The credentials can no longer be viewed">
          <p>
            EAB credentials can be read for 7 days after they are issued. They keep working wherever you set them up. To set up a new client, revoke
            and replace them: you get a new pair to read for 7 days.
          </p>
        </Alert>
      )}
      {s.state === 'active' ? (
        <details open={replaceError ? true : undefined}>
          <summary>Revoke and replace the credentials</summary>
          <p>Do this if the HMAC key may have been seen by someone else, or to read a new pair after the 7 days.</p>
          <ReplaceForm id={sub.id} csrf={csrf} error={replaceError} />
        </details>
      ) : null}
      <h3>Views of the credentials</h3>
      <ViewsTable views={views} caption={`Views of the EAB credentials of plan ${sub.plan}`} />
      {s.previousCredentials.length ? (
        <p class="muted small">
          Earlier key ids (revoked):{' '}
          {s.previousCredentials.map((p, i) => (
            <>
              {i ? ', ' : ''}
              <span class="mono">{p.kid}</span>
            </>
          ))}
        </p>
      ) : null}
    </section>
  );
}

async function listPage(c: PortalContext, opts: { replaceError?: { id: string; message: string }; notice?: string; status?: 200 | 400 | 409 | 410 } = {}) {
  const { caasCustomer: caas, clock } = c.get('services');
  const { customer, csrf } = c.get('portal');
  const list = await caas.listFor(customer!);
  const views = await Promise.all(list.map((s) => caas.views(customer!, s.subscription.id)));
  const now = clock.now();
  return page(
    c,
    { title: 'ACME / CaaS', section: 'caas', status: opts.status ?? 200 },
    <>
      <h1>ACME subscriptions</h1>
      <p class="lead">
        With a CaaS subscription your ACME client (certbot, Caddy, cert-manager, …) gets and renews certificates by itself. It identifies your
        subscription with EAB credentials: a key id and an HMAC key.
      </p>
      {opts.notice ? (
        <Alert kind="warning">
          <p>{opts.notice}</p>
        </Alert>
      ) : null}
      {list.length === 0 ? (
        <div class="card">
          <h2>No subscriptions yet</h2>
          <p>Subscriptions are set up by our team. Once yours is ready, it appears here with its EAB credentials.</p>
        </div>
      ) : (
        list.map((s, i) => (
          <SubscriptionCard s={s} views={views[i]!} csrf={csrf} now={now} replaceError={opts.replaceError?.id === s.subscription.id ? opts.replaceError.message : undefined} />
        ))
      )}
    </>,
  );
}

function credentialsPage(c: PortalContext, r: RevealedCredentials, replaced: boolean) {
  const now = c.get('services').clock.now();
  return page(
    c,
    { title: 'EAB credentials', section: 'caas', status: replaced ? 201 : 200 },
    <>
      <p>
        <a href="/portal/caas">← Subscriptions</a>
      </p>
      <h1>Your EAB credentials</h1>
      {replaced ? (
        <Alert kind="success">
          <p>New credentials are issued. The previous key id no longer works.</p>
        </Alert>
      ) : null}
      <Alert kind="warning" title="Treat the HMAC key like a password">
        <p>
          Anyone with these two values can get certificates on your subscription. Put them only into your ACME client’s configuration. This view was
          recorded; you can view them again for <Countdown until={r.expiresAt} now={now} />.
        </p>
      </Alert>
      <section class="card" aria-labelledby="cred-h">
        <h2 id="cred-h">Credentials</h2>
        <Secret id="eab-kid" label="EAB key id (kid)" value={r.kid} />
        <Secret id="eab-hmac" label="EAB HMAC key" value={r.hmacKey} />
        <CopyValue id="acme-directory" label="ACME directory URL" value={r.directoryUrl} />
      </section>
      {r.delegation ? (
        <section class="card" aria-labelledby="deleg-h">
          <h2 id="deleg-h">DNS delegation: one record per name, once</h2>
          <p>
            Certificates are issued by our upstream CA, which checks a DNS record that we publish for you. Before the first order for a name, add this
            record in your DNS, with <span class="mono">&lt;name&gt;</span> replaced by the name (for <span class="mono">*.example.com</span>: example.com).
            Your ACME client then proves control to us as usual (http-01 works best).
          </p>
          <CopyValue id="delegation-record" label="DNS record" value={r.delegation.template} />
        </section>
      ) : null}
      <section class="card" aria-labelledby="setup-h">
        <h2 id="setup-h">Set up your ACME client</h2>
        <p>Pick your client; the commands already contain your credentials. Replace www.example.com with your own name.</p>
        {SNIPPETS.map((s) => (
          <details>
            <summary>{s.title}</summary>
            <p>{s.intro}</p>
            <pre id={`snippet-${s.key}`} class="snippet" tabindex={0} aria-label={`${s.title} set-up`}>
              {r.snippets[s.key]}
            </pre>
            <p>
              <CopyButton target={`snippet-${s.key}`} label={`Copy the ${s.title} set-up`} />
            </p>
          </details>
        ))}
      </section>
      <section class="card" aria-labelledby="views-h">
        <h2 id="views-h">Views of these credentials</h2>
        <ViewsTable views={r.views} caption="Views of these EAB credentials, newest first" />
      </section>
    </>,
  );
}

async function ownSubscription(c: PortalContext): Promise<string | null> {
  const id = c.req.param('id') ?? '';
  try {
    await c.get('services').caasCustomer.own(c.get('portal').customer!, id.slice(0, 64));
    return id;
  } catch (thrown) {
    const err = asProblem(thrown) ?? thrown;
    if (err instanceof Problem && err.status === 404) return null;
    throw err;
  }
}

export const caasRoutes = new Hono<PortalEnv>()
  .get('/portal/caas', (c) => requireLogin(c) ?? listPage(c))
  .post('/portal/caas/:id/reveal', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const id = await ownSubscription(c);
    if (!id) return notFoundPage(c);
    try {
      const r = await c.get('services').caasCustomer.reveal(c.get('portal').customer!, id, clientAddress(c));
      return credentialsPage(c, r, false);
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && (err.status === 410 || err.status === 409)) {
        return listPage(c, { notice: cleanDetail(err.detail).replace(/POST \/api\/v1\/\S+/, 'the “Revoke and replace” button'), status: err.status });
      }
      throw err;
    }
  })
  .post('/portal/caas/:id/replace', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const id = await ownSubscription(c);
    if (!id) return notFoundPage(c);
    if (c.get('portal').form.confirm !== '1') {
      return listPage(c, { replaceError: { id, message: 'Tick the box to confirm: the current key id stops working at once.' }, status: 400 });
    }
    try {
      const r = await c.get('services').caasCustomer.replaceForCustomer(c.get('portal').customer!, id, clientAddress(c));
      return credentialsPage(c, r, true);
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && (err.status === 410 || err.status === 409)) return listPage(c, { notice: cleanDetail(err.detail), status: err.status });
      throw err;
    }
  });

