/** Orders: the list, a new order (AutoCSR or own CSR), the placed-order hand-over, details and the unlock code. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { AppEnv } from '../../app/context.js';
import { Problem } from '../../core/problem.js';
import { CSR_PEM_BEGIN } from '../../core/pem.js';
import { BUSINESS_CATEGORIES, type OrderRecord, type Organization, type Product } from '../../core/store/types.js';
import type { NewOrder } from '../../orders/service.js';
import { safeFileStem } from '../../autocsr/key-archive.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { requireLogin } from './auth.js';
import { newFormId, rememberPlaced, wasPlaced } from '../session.js';
import { cleanHostInput } from '../hosts.js';
import { namesFromCsr } from '../csr-names.js';
import { asProblem, problemToErrors, cleanDetail, notFoundPage } from '../errors.js';
import { PRODUCTS, statusOf } from '../text.js';
import { Alert, Badge, Countdown, CountrySelect, Csrf, ErrorSummary, Secret, SelectField, TextArea, TextField, When, type FormErrors } from '../ui.js';
import { CaReferenceOnce, KeyArchiveHandover, OpenArchiveHelp, OrderStatus, ValidationSteps } from '../pieces.js';
import { RenewCard } from './renewal.js';
import { OrderNotices } from '../notices.js';
import { orderNotices } from '../../csr/notices.js';

interface OrderFormValues {
  /** One-time id of this form: a re-sent form (reload) does not place the order twice. */
  form_id: string;
  product: Product;
  key: 'auto' | 'csr';
  domains: string;
  www: boolean;
  csr: string;
  org_name: string;
  org_unit: string;
  org_locality: string;
  org_state: string;
  org_country: string;
  org_email: string;
  ev_category: string;
  ev_registration: string;
  ev_jurisdiction_country: string;
  ev_jurisdiction_state: string;
  ev_jurisdiction_locality: string;
}

const EMPTY: OrderFormValues = {
  form_id: '',
  product: 'dv',
  key: 'auto',
  domains: '',
  www: true,
  csr: '',
  org_name: '',
  org_unit: '',
  org_locality: '',
  org_state: '',
  org_country: '',
  org_email: '',
  ev_category: '',
  ev_registration: '',
  ev_jurisdiction_country: '',
  ev_jurisdiction_state: '',
  ev_jurisdiction_locality: '',
};

/** API field → form field, for showing a service's problem next to the right input. */
const FIELD_MAP: Record<string, string> = {
  domains: 'domains',
  csr: 'csr',
  product: 'product',
  'organization.name': 'org_name',
  'organization.unit': 'org_unit',
  'organization.locality': 'org_locality',
  'organization.state': 'org_state',
  'organization.country': 'org_country',
  'organization.email': 'org_email',
  'organization.businessCategory': 'ev_category',
  'organization.registrationNumber': 'ev_registration',
  'organization.jurisdictionCountry': 'ev_jurisdiction_country',
  'organization.jurisdictionState': 'ev_jurisdiction_state',
  'organization.jurisdictionLocality': 'ev_jurisdiction_locality',
};

const LABELS: Record<string, string> = {
  product: 'Certificate type',
  domains: 'Host names',
  csr: 'CSR',
  org_name: 'Organization name',
  org_unit: 'Department',
  org_locality: 'Town or city',
  org_state: 'State or region',
  org_country: 'Country',
  org_email: 'Contact email',
  ev_category: 'Kind of organization',
  ev_registration: 'Registration number',
  ev_jurisdiction_country: 'Country of registration',
  ev_jurisdiction_state: 'State of registration',
  ev_jurisdiction_locality: 'Town of registration',
};

function readForm(form: Record<string, string>): OrderFormValues {
  const s = (k: string, max = 256) => (form[k] ?? '').slice(0, max);
  const product = (['dv', 'ov', 'ev'] as const).find((p) => p === form.product) ?? 'dv';
  return {
    form_id: s('form_id', 32),
    product,
    key: form.key === 'csr' ? 'csr' : 'auto',
    domains: s('domains', 8000),
    www: form.www === '1',
    csr: s('csr', 16384),
    org_name: s('org_name'),
    org_unit: s('org_unit'),
    org_locality: s('org_locality'),
    org_state: s('org_state'),
    org_country: s('org_country', 8),
    org_email: s('org_email'),
    ev_category: s('ev_category', 64),
    ev_registration: s('ev_registration', 64),
    ev_jurisdiction_country: s('ev_jurisdiction_country', 8),
    ev_jurisdiction_state: s('ev_jurisdiction_state'),
    ev_jurisdiction_locality: s('ev_jurisdiction_locality'),
  };
}

function NewOrderForm({ csrf, v, errors }: { csrf: string; v: OrderFormValues; errors: FormErrors }) {
  return (
    <>
      <h1>Order a certificate</h1>
      <p class="lead">Three short steps. If anything is unclear, the hints under each field tell you what to enter.</p>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="post" action="/portal/orders" novalidate>
        <Csrf token={csrf} />
        <input type="hidden" name="form_id" value={v.form_id || newFormId()} />
        <fieldset id="f-product" aria-describedby={errors.product ? 'f-product-error' : undefined}>
          <legend>1. Which kind of certificate?</legend>
          {errors.product ? (
            <span class="field-error" id="f-product-error">
              {errors.product}
            </span>
          ) : null}
          <div class="choice-cards">
            {(['dv', 'ov', 'ev'] as const).map((p) => (
              <div class="choice">
                <input type="radio" id={`product-${p}`} name="product" value={p} checked={v.product === p} aria-describedby={`product-${p}-hint`} />
                <div>
                  <label for={`product-${p}`}>{PRODUCTS[p].name}</label>
                  <span class="hint" id={`product-${p}-hint`}>
                    {PRODUCTS[p].explain}
                  </span>
                </div>
              </div>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend>2. Which web addresses?</legend>
          <TextArea
            name="domains"
            label="Host names"
            rows={3}
            value={v.domains}
            error={errors.domains}
            maxlength={8000}
            hint={
              <>
                The exact name people type in the browser, one per line: <code>shop.example.com</code> covers only that name, not{' '}
                <code>example.com</code>. <code>https://</code> and anything after the name are removed for you. With your own CSR you may leave this empty:
                the names are taken from the CSR.
              </>
            }
          />
        </fieldset>

        <fieldset>
          <legend>3. Who makes the private key?</legend>
          <div class="choice-cards two">
            <div class="choice">
              <input type="radio" id="key-auto" name="key" value="auto" checked={v.key === 'auto'} aria-describedby="key-auto-hint" />
              <div>
                <label for="key-auto">Make it for me (AutoCSR, quickest)</label>
                <span class="hint" id="key-auto-hint">
                  A convenience: we create the key and give it to you once, as an encrypted ZIP file, right after ordering. We do not keep it. Good for a
                  test system or a quick start.
                </span>
              </div>
            </div>
            <div class="choice">
              <input type="radio" id="key-csr" name="key" value="csr" checked={v.key === 'csr'} aria-describedby="key-csr-hint" />
              <div>
                <label for="key-csr">I have a CSR (recommended for production servers)</label>
                <span class="hint" id="key-csr-hint">
                  Your server or the <a href="/portal/csr">CSR generator</a> made the key; you paste the certificate signing request.
                </span>
              </div>
            </div>
          </div>
          <details id="why-own-csr">
            <summary>Why we recommend your own CSR for production servers</summary>
            <p>
              With your own CSR the private key is made on the server that uses it and never travels: not to us, not through a download, not through a
              ZIP file. That is also the only way when the key lives in a <strong>hardware security module (HSM)</strong> or a cloud key vault, which
              never lets a key out, and it is what many companies’ <strong>security policies</strong> require (keys generated where they are used,
              by the people who run the server). AutoCSR is a convenience for everything else: the key is made for you, handed over once and not kept.
            </p>
          </details>
          <div data-show-when="key=auto">
            <div class="choice">
              <input type="checkbox" id="f-www" name="www" value="1" checked={v.www} aria-describedby="f-www-hint" />
              <div>
                <label for="f-www">Also cover the www / bare variant (recommended)</label>
                <span class="hint" id="f-www-hint">
                  For <code>example.com</code> we add <code>www.example.com</code>, and for <code>www.example.com</code> we add <code>example.com</code>, so
                  both addresses work.
                </span>
              </div>
            </div>
          </div>
          <div data-show-when="key=csr">
            <TextArea
              name="csr"
              label="CSR (only when you have one)"
              pem
              rows={10}
              value={v.csr}
              error={errors.csr}
              maxlength={16384}
              placeholder={'-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----'}
              hint="Paste the whole text including the BEGIN and END lines. RSA keys of 2048 bits or more, or ECDSA P-256/P-384."
            />
            <div class="field" data-js-only hidden>
              <label for="csr-file">Or open the CSR file</label>
              <span class="hint" id="csr-file-hint">
                Usually named .csr or .pem. It is read by your browser into the box above.
              </span>
              <input type="file" id="csr-file" accept=".csr,.pem,.txt,.req" data-fill="f-csr" aria-describedby="csr-file-hint" />
            </div>
          </div>
        </fieldset>

        <fieldset data-show-when="product=ov,ev">
          <legend>Your organization (OV and EV only)</legend>
          <p class="hint">
            Exactly as in the official company register: we check these details before issuing. Give the town, the region, or both.
          </p>
          <TextField name="org_name" label="Organization name" value={v.org_name} error={errors.org_name} maxlength={64} autocomplete="organization" hint="The legal name, e.g. “Example Trading Ltd”." />
          <TextField name="org_unit" label="Department" optional value={v.org_unit} error={errors.org_unit} maxlength={64} />
          <TextField name="org_locality" label="Town or city" value={v.org_locality} error={errors.org_locality} maxlength={64} autocomplete="address-level2" />
          <TextField name="org_state" label="State or region" value={v.org_state} error={errors.org_state} maxlength={64} autocomplete="address-level1" />
          <CountrySelect name="org_country" label="Country" value={v.org_country} error={errors.org_country} hint="Where the organization is registered." />
          <TextField name="org_email" label="Contact email" type="email" optional value={v.org_email} error={errors.org_email} maxlength={128} autocomplete="email" />
        </fieldset>

        <fieldset data-show-when="product=ev">
          <legend>Registration details (EV only)</legend>
          <p class="hint">An EV certificate names where and under which number your organization is registered.</p>
          <SelectField name="ev_category" label="Kind of organization" value={v.ev_category} error={errors.ev_category} options={BUSINESS_CATEGORIES} placeholder="— Choose —" hint="A company is a “Private Organization”." />
          <TextField name="ev_registration" label="Registration number" value={v.ev_registration} error={errors.ev_registration} maxlength={64} hint="The number in the company register, e.g. 01234567." />
          <CountrySelect name="ev_jurisdiction_country" label="Country of registration" value={v.ev_jurisdiction_country} error={errors.ev_jurisdiction_country} />
          <TextField name="ev_jurisdiction_state" label="State of registration" optional value={v.ev_jurisdiction_state} error={errors.ev_jurisdiction_state} maxlength={64} hint="Only where companies are registered by state, e.g. Delaware." />
          <TextField name="ev_jurisdiction_locality" label="Town of registration" optional value={v.ev_jurisdiction_locality} error={errors.ev_jurisdiction_locality} maxlength={64} hint="Only where companies are registered by town." />
        </fieldset>

        <div class="actions">
          <button type="submit" class="btn">
            Place order
          </button>
          <a href="/portal/orders">Cancel</a>
        </div>
      </form>
    </>
  );
}

function toNewOrder(v: OrderFormValues): { order?: NewOrder; errors: FormErrors } {
  const errors: FormErrors = {};
  let domains = cleanHostInput(v.domains);
  const csr = v.key === 'csr' ? v.csr.trim() : '';
  if (v.key === 'csr') {
    if (!csr) errors.csr = 'Paste your CSR, or choose “Make it for me”.';
    else if (!CSR_PEM_BEGIN.test(csr)) {
      errors.csr = /PRIVATE KEY/.test(csr)
        ? 'This is a private key, not a CSR. Never paste your private key anywhere; use the CSR generator to make a CSR from it.'
        : 'This does not look like a CSR: it must start with -----BEGIN CERTIFICATE REQUEST-----.';
    } else if (domains.length === 0) {
      const names = namesFromCsr(csr);
      if (names) domains = names;
      else errors.csr = 'The CSR could not be read. Paste the whole text, including the BEGIN and END lines.';
    }
  }
  if (domains.length === 0 && !errors.csr) errors.domains = 'Enter at least one host name, like www.example.com.';
  if (domains.length > 100) errors.domains = `At most 100 names per order (${domains.length} given).`;
  if (Object.keys(errors).length) return { errors };
  const organization: Organization = {};
  if (v.product !== 'dv') {
    const set = (k: keyof Organization, val: string) => {
      if (val.trim()) organization[k] = val.trim();
    };
    set('name', v.org_name);
    set('unit', v.org_unit);
    set('locality', v.org_locality);
    set('state', v.org_state);
    set('country', v.org_country);
    set('email', v.org_email);
    if (v.product === 'ev') {
      set('businessCategory', v.ev_category);
      set('registrationNumber', v.ev_registration);
      set('jurisdictionCountry', v.ev_jurisdiction_country);
      set('jurisdictionState', v.ev_jurisdiction_state);
      set('jurisdictionLocality', v.ev_jurisdiction_locality);
    }
  }
  return {
    errors,
    order: {
      product: v.product,
      domains,
      organization,
      ...(csr ? { csr } : { addWwwVariant: v.www }),
    },
  };
}

function OrderRow({ o }: { o: OrderRecord }) {
  const s = statusOf(o.status);
  return (
    <tr>
      <td data-label="Order">
        <a href={`/portal/orders/${o.orderNumber}`} class="mono">
          {o.orderNumber}
        </a>
      </td>
      <td data-label="Names">
        {o.domains.slice(0, 3).join(', ')}
        {o.domains.length > 3 ? ` and ${o.domains.length - 3} more` : ''}
      </td>
      <td data-label="Type">{o.product.toUpperCase()}</td>
      <td data-label="Status">
        <Badge tone={s.tone}>{s.label}</Badge>
      </td>
      <td data-label="Placed">
        <When date={o.createdAt} />
      </td>
    </tr>
  );
}

async function detailsPage(
  c: PortalContext,
  order: OrderRecord,
  extra: { revealed?: { unlockCode: string; expiresAt: Date }; expiredMessage?: string; status?: 200 | 400 | 410; approverNotice?: { kind: 'success' | 'error'; text: string } } = {},
) {
  const { orders, tracking, clock } = c.get('services');
  const { csrf } = c.get('portal');
  const now = clock.now();
  const view = await tracking.view(order);
  const unlock = await orders.unlockCodeState(order);
  const links = await orders.renewalLinks(order);
  const unlockSection = order.autoCsr ? (
    <section class="card" aria-labelledby="unlock-h">
      <h2 id="unlock-h">Unlock code of the key archive</h2>
      {extra.revealed ? (
        <>
          <Alert kind="success">
            <p>Type this code when your ZIP tool asks for the password. Don’t send it by email or chat.</p>
          </Alert>
          <Secret id="unlock-code" label="Unlock code" value={extra.revealed.unlockCode} />
          <p>
            Readable here for <Countdown until={extra.revealed.expiresAt} now={now} />.
          </p>
        </>
      ) : unlock?.available && unlock.expiresAt ? (
        <>
          <p>
            The code opens the ZIP file with your private key that was saved when you ordered. You can read it for{' '}
            <Countdown until={unlock.expiresAt} now={now} />.
          </p>
          <form method="post" action={`/portal/orders/${order.orderNumber}/unlock-code`}>
            <Csrf token={csrf} />
            <button type="submit" class="btn">
              Reveal unlock code
            </button>
          </form>
        </>
      ) : (
        <Alert kind="warning" title="The unlock code is no longer available">
          <p>
            {extra.expiredMessage ??
              'The unlock code could be read for 7 days after the order was processed. It has been deleted and cannot be shown again or recreated.'}
          </p>
          <p>
            If you have not opened the key archive yet, get a new key with a <strong>reissue</strong>: open{' '}
            <a href="/portal/track">Track a certificate</a>, enter the order’s CA Reference and choose “Reissue”. You get a new key archive and a new
            unlock code, readable for 7 days.
          </p>
        </Alert>
      )}
      <OpenArchiveHelp filename={`${order.orderNumber}-${safeFileStem(order.domains[0]!)}-private-key.zip`} />
    </section>
  ) : null;

  return page(
    c,
    { title: `Order ${order.orderNumber}`, section: 'orders', status: extra.status ?? 200 },
    <>
      <p>
        <a href="/portal/orders">← All orders</a>
      </p>
      <h1>
        Order <span class="mono">{order.orderNumber}</span>
      </h1>
      <section class="card" aria-labelledby="status-h">
        <h2 id="status-h">Status</h2>
        <OrderStatus status={view.status} reason={view.statusReason} page="order" />
        <OrderNotices notices={orderNotices(order)} />
        <dl class="kv">
          <dt>Type</dt>
          <dd>{PRODUCTS[order.product].name}</dd>
          <dt>Names</dt>
          <dd class="mono">{order.domains.join(', ')}</dd>
          <dt>Private key</dt>
          <dd>{order.autoCsr ? 'Made by us (AutoCSR), handed over in an encrypted ZIP' : 'Your own (you sent a CSR)'}</dd>
          <dt>Placed</dt>
          <dd>
            <When date={order.createdAt} />
          </dd>
          {links.renews ? (
            <>
              <dt>Renews</dt>
              <dd>
                <a class="mono" href={`/portal/orders/${links.renews}`}>
                  {links.renews}
                </a>
              </dd>
            </>
          ) : null}
          {view.certificate ? (
            <>
              <dt>Certificate</dt>
              <dd>
                valid until <When date={new Date(view.certificate.notAfter)} />
                {view.certificate.revoked ? ' (revoked)' : ''}
              </dd>
            </>
          ) : null}
        </dl>
        <p>
          To check domain control, download the certificate or reissue it, use <a href="/portal/track">Track a certificate</a> with the CA Reference you
          saved when ordering.
        </p>
      </section>
      <RenewCard order={{ ...order, status: view.status }} csrf={csrf} renewedBy={links.renewedBy} />
      {unlockSection}
      {view.status === 'pending_validation' ? (
        <section class="card" aria-labelledby="val-h">
          <h2 id="val-h">Prove that you control the names</h2>
          <ValidationSteps validation={view.validation} idPrefix="v" />
          <p>
            When the file or the record is in place, open <a href="/portal/track">Track a certificate</a>, enter the CA Reference and press{' '}
            <strong>Check now</strong>.
          </p>
          {c.get('services').accountMail.enabled ? (
            <form method="post" action={`/portal/orders/${encodeURIComponent(order.orderNumber)}/approver-email`} id="approver-email">
              <h3>Or approve by e-mail</h3>
              {extra.approverNotice ? <Alert kind={extra.approverNotice.kind}>{extra.approverNotice.text}</Alert> : null}
              <p class="muted">
                We mail a one-time value to an address the Baseline Requirements let approve a certificate for the name (3.2.2.4.4); whoever reads that
                mailbox opens the link or enters the value. The value is valid for 30 days.
              </p>
              <Csrf token={csrf} />
              <SelectField name="domain" label="Name" value={view.validation.find((v) => v.status !== 'valid')?.domain} options={view.validation.filter((v) => v.status !== 'valid').map((v) => v.domain)} placeholder="Choose a name" />
              <SelectField name="approver" label="Address" value="admin" options={['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster']} placeholder="Choose an address" />
              <button type="submit" class="btn btn-secondary">
                Mail the approval request
              </button>
            </form>
          ) : null}
        </section>
      ) : null}
      <details>
        <summary>Certificate signing request (CSR)</summary>
        <pre tabindex={0}>{order.csrPem}</pre>
      </details>
    </>,
  );
}

export const orderRoutes = new Hono<PortalEnv>()
  .get('/portal/orders', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const list = await c.get('services').orders.list(c.get('portal').customer!);
    return page(
      c,
      { title: 'My orders', section: 'orders' },
      <>
        <h1>My orders</h1>
        <p class="actions">
          <a class="btn" href="/portal/orders/new">
            Order a certificate
          </a>
        </p>
        {list.length === 0 ? (
          <div class="card">
            <h2>No orders yet</h2>
            <p>When you order a certificate it appears here with its status. It only takes a minute.</p>
          </div>
        ) : (
          <div class="table-wrap">
            <table class="data stack">
              <caption class="visually-hidden">Your orders, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Names</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Placed</th>
                </tr>
              </thead>
              <tbody>
                {list.map((o) => (
                  <OrderRow o={o} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>,
    );
  })
  .get('/portal/orders/new', (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    return page(c, { title: 'New order', section: 'new-order' }, <NewOrderForm csrf={c.get('portal').csrf} v={EMPTY} errors={{}} />);
  })
  // From the CSR generator: the form arrives filled in with the CSR and its names.
  .post('/portal/orders/new', (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const { form, csrf } = c.get('portal');
    const v: OrderFormValues = { ...EMPTY, key: 'csr', csr: (form.csr ?? '').slice(0, 16384), domains: (form.domains ?? '').slice(0, 8000) };
    return page(c, { title: 'New order', section: 'new-order' }, <NewOrderForm csrf={csrf} v={v} errors={{}} />);
  })
  .post('/portal/orders', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const { form, csrf, customer } = c.get('portal');
    const v = readForm(form);
    const again = (errors: FormErrors) => page(c, { title: 'New order', section: 'new-order', status: 400 }, <NewOrderForm csrf={csrf} v={v} errors={errors} />);
    const { order, errors } = toNewOrder(v);
    if (!order) return again(errors);
    if (wasPlaced(c, v.form_id)) {
      return page(
        c,
        { title: 'Order already placed', section: 'orders', status: 409 },
        <>
          <h1>This order was already placed</h1>
          <Alert kind="info">
            <p>
              This form was sent again (for example by reloading the page), so no second order was placed. Your order is in{' '}
              <a href="/portal/orders">My orders</a>. Its CA Reference and key file were shown once, on the page after you placed it.
            </p>
          </Alert>
        </>,
      );
    }
    // Over the limit: the portal's 429 page with Retry-After (portalOnError).
    const services = c.get('services');
    await services.limits.consume('orders', { account: customer!.id, address: services.clientAddress(c as unknown as Context<AppEnv>) });
    let placed;
    try {
      placed = await c.get('services').orders.place(customer!, order);
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status < 500) return again(problemToErrors(err, FIELD_MAP));
      throw err;
    }
    const o = placed.order;
    rememberPlaced(c, v.form_id);
    return page(
      c,
      { title: `Order ${o.orderNumber} placed`, section: 'orders', status: 201 },
      <>
        <h1>Order placed</h1>
        <Alert kind="success">
          <p>
            Order <strong class="mono">{o.orderNumber}</strong> for <span class="mono">{o.domains.join(', ')}</span> is placed.
          </p>
        </Alert>
        <OrderNotices notices={orderNotices(o)} />
        <CaReferenceOnce reference={placed.caReference} orderNumber={o.orderNumber} />
        {placed.keyArchive ? <KeyArchiveHandover archive={placed.keyArchive} orderNumber={o.orderNumber} loggedIn /> : null}
        <section class="card" aria-labelledby="next-h">
          <h2 id="next-h">What happens next</h2>
          <ol class="steps">
            <li>
              Prove that you control the names: the <a href={`/portal/orders/${o.orderNumber}`}>order page</a> shows what to put on your web server or
              in your DNS.
            </li>
            <li>
              Open <a href="/portal/track">Track a certificate</a>, enter the CA Reference and press <strong>Check now</strong>.
              {o.product !== 'dv' ? ' For OV and EV a person then checks your organization.' : ' The certificate is issued at once.'}
            </li>
            <li>Download the certificate there, in the format your server needs.</li>
          </ol>
        </section>
      </>,
    );
  })
  .get('/portal/orders/:orderNumber', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    let order;
    try {
      order = await c.get('services').orders.ownOrder(c.get('portal').customer!, c.req.param('orderNumber').slice(0, 64));
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 404) return notFoundPage(c);
      throw err;
    }
    return detailsPage(c, order);
  })
  .post('/portal/orders/:orderNumber/approver-email', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const services = c.get('services');
    const { customer, form } = c.get('portal');
    let order;
    try {
      order = await services.orders.ownOrder(customer!, c.req.param('orderNumber').slice(0, 64));
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 404) return notFoundPage(c);
      throw err;
    }
    try {
      await services.limits.consume('validate', { account: order.customerId, address: services.clientAddress(c as unknown as Context<AppEnv>) });
      const sent = await services.tracking.sendApproverEmail(order, (form.domain ?? '').slice(0, 253), (form.approver ?? '').slice(0, 20));
      return detailsPage(c, order, { approverNotice: { kind: 'success', text: `The approval request is on its way to ${sent.to}.` } });
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status < 500 && err.status !== 429) return detailsPage(c, order, { approverNotice: { kind: 'error', text: cleanDetail(err.detail) }, status: 400 });
      throw err;
    }
  })
  .post('/portal/orders/:orderNumber/unlock-code', async (c) => {
    const redirect = requireLogin(c);
    if (redirect) return redirect;
    const { orders } = c.get('services');
    const customer = c.get('portal').customer!;
    const orderNumber = c.req.param('orderNumber').slice(0, 64);
    let order;
    try {
      order = await orders.ownOrder(customer, orderNumber);
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 404) return notFoundPage(c);
      throw err;
    }
    try {
      const revealed = await orders.revealUnlockCode(customer, orderNumber);
      return detailsPage(c, order, { revealed });
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 410) return detailsPage(c, order, { expiredMessage: cleanDetail(err.detail), status: 410 });
      throw err;
    }
  });
