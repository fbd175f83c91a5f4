/**
 * Tracking by CA Reference, for anyone who holds one (no log-in needed). The reference is typed into a
 * POST form and then travels only in hidden fields of POST forms: it never appears in a URL, a link or the
 * browser history, and every page showing it is no-store.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Problem } from '../../core/problem.js';
import { CSR_PEM_BEGIN } from '../../core/pem.js';
import type { OrderRecord } from '../../core/store/types.js';
import type { AppEnv } from '../../app/context.js';
import type { KeyArchive } from '../../autocsr/key-archive.js';
import { isCertificateFormat, type CertificateFormat } from '../../ca/formats.js';
import type { CheckOutcome } from '../../ra/tracking/validations.js';
import { canonicalReference } from '../../tracking/service.js';
import type { PortalContext, PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { asProblem, cleanDetail } from '../errors.js';
import { PRODUCTS } from '../text.js';
import { Alert, Csrf, ErrorSummary, TextArea, TextField, When, type FormErrors } from '../ui.js';
import { KeyArchiveHandover, OrderStatus, ValidationSteps } from '../pieces.js';
import { PfxMaker } from '../pfx-maker.js';

const FORMATS: { format: CertificateFormat; label: string; hint: string }[] = [
  { format: 'fullchain', label: 'Full chain (PEM)', hint: 'nginx, Caddy, HAProxy, most Linux servers' },
  { format: 'pem', label: 'Certificate only (PEM)', hint: 'Apache (with the intermediates file)' },
  { format: 'intermediates', label: 'Intermediate certificates (PEM)', hint: 'the “chain” or “CA bundle” file' },
  { format: 'p7b', label: 'PKCS#7 (.p7b)', hint: 'certificate and chain without the key: Java keystores, some appliances (for IIS make a .pfx below)' },
  { format: 'der', label: 'DER (.cer)', hint: 'binary form, some appliances' },
];

const clientAddress = (c: PortalContext) => c.get('services').clientAddress(c as unknown as Context<AppEnv>);

function TrackForm({ csrf, value, errors }: { csrf: string; value?: string; errors: FormErrors }) {
  return (
    <>
      <h1>Track a certificate</h1>
      <p class="lead">Enter the CA Reference you saved when the order was placed. It starts with CAR- and has seven groups of four characters.</p>
      <ErrorSummary errors={errors} labels={{ caReference: 'CA Reference' }} />
      <div class="card">
        <form method="post" action="/portal/track" novalidate>
          <Csrf token={csrf} />
          <TextField
            name="caReference"
            label="CA Reference"
            value={value}
            error={errors.caReference}
            autocomplete="off"
            spellcheck={false}
            autocapitalize="characters"
            maxlength={80}
            hint="For example CAR-ABCD-EFGH-JKMN-PQRS-TVWX-Y234-5678. Capitals and dashes are optional. Older e-mails and documents call it the “Supplier Order Number”."
          />
          <div class="actions">
            <button type="submit" class="btn">
              Show the order
            </button>
          </div>
        </form>
      </div>
      <details id="supplier-order-number">
        <summary>Where is the “Supplier Order Number”?</summary>
        <p>
          “Supplier Order Number” is the old name of the CA Reference: the same value (it starts with CAR-), under the name older e-mails, invoices and
          guides still use. Type it here. It is not the order number (which starts with EG-) and not the unlock code of a key file.
        </p>
      </details>
      <p class="muted">
        Lost the CA Reference? It cannot be recovered. Logged-in customers still see their orders and unlock codes under <a href="/portal/orders">My orders</a>.
      </p>
    </>
  );
}

/** The hidden field that carries the reference in every form of the tracking page. */
const Ref = ({ value }: { value: string }) => <input type="hidden" name="caReference" value={value} />;

interface TrackingExtras {
  checked?: { domains: CheckOutcome[]; caa: { domain: string; ok: boolean; detail?: string }[] };
  notice?: { kind: 'success' | 'warning' | 'error'; text: string };
  archive?: KeyArchive;
  errors?: FormErrors;
  reissueCsr?: string;
  status?: 200 | 400 | 409;
}

async function trackingPage(c: PortalContext, order: OrderRecord, reference: string, extra: TrackingExtras = {}) {
  const { tracking } = c.get('services');
  const { csrf, customer } = c.get('portal');
  const view = await tracking.view(order);
  const issued = view.status === 'issued' && view.certificate !== null;
  const fullchain = issued ? new TextDecoder().decode((await tracking.certificate(order, 'fullchain')).body) : undefined;
  const canReissue = view.status !== 'rejected' && view.status !== 'revoked';
  const errors = extra.errors ?? {};
  return page(
    c,
    { title: `Tracking ${view.orderNumber}`, section: 'track', status: extra.status ?? 200, scripts: issued ? ['pfx-tool.js'] : [] },
    <>
      <h1>
        Order <span class="mono">{view.orderNumber}</span>
      </h1>
      {extra.notice ? (
        <Alert kind={extra.notice.kind}>
          <p>{extra.notice.text}</p>
        </Alert>
      ) : null}
      <ErrorSummary errors={errors} labels={{ csr: 'CSR', confirm: 'Confirmation' }} />
      {extra.archive ? <KeyArchiveHandover archive={extra.archive} orderNumber={view.orderNumber} loggedIn={customer?.id === order.customerId} /> : null}
      <section class="card" aria-labelledby="st-h">
        <h2 id="st-h">Status</h2>
        <OrderStatus status={view.status} reason={view.statusReason} page="tracking" />
        <dl class="kv">
          <dt>Type</dt>
          <dd>{PRODUCTS[view.product].name}</dd>
          <dt>Names</dt>
          <dd class="mono">{view.domains.join(', ')}</dd>
          {view.certificate ? (
            <>
              <dt>Certificate</dt>
              <dd>
                serial <span class="mono">{view.certificate.serial}</span>, valid <When date={new Date(view.certificate.notBefore)} /> –{' '}
                <When date={new Date(view.certificate.notAfter)} />
                {view.certificate.revoked ? ' (revoked)' : ''}
              </dd>
            </>
          ) : null}
        </dl>
      </section>

      {extra.checked ? (
        <section class="card" aria-labelledby="chk-h">
          <h2 id="chk-h" tabindex={-1} data-autofocus>
            Result of the check
          </h2>
          <ul class="tidy">
            {extra.checked.domains.map((d) => (
              <li>
                <span class="mono">{d.domain}</span>:{' '}
                {d.status === 'valid' ? <strong>verified{d.method ? ` (${d.method === 'dns-01' ? 'DNS record' : 'web file'})` : ''}</strong> : 'not verified yet — see below what was found'}
              </li>
            ))}
            {extra.checked.caa
              .filter((x) => !x.ok)
              .map((x) => (
                <li>
                  <span class="mono">{x.domain}</span>: a CAA record in your DNS does not allow this CA to issue. {x.detail}
                </li>
              ))}
          </ul>
        </section>
      ) : null}

      {view.status === 'pending_validation' ? (
        <section class="card" aria-labelledby="val-h">
          <h2 id="val-h">Prove that you control the names</h2>
          <ValidationSteps validation={view.validation} idPrefix="v" />
          <form method="post" action="/portal/track/validate" class="actions">
            <Csrf token={csrf} />
            <Ref value={reference} />
            <button type="submit" class="btn">
              Check now
            </button>
            <span class="muted">We look for the web file and the DNS record of every name that is not verified yet.</span>
          </form>
        </section>
      ) : null}

      {issued ? (
        <section class="card" aria-labelledby="dl-h">
          <h2 id="dl-h">Download the certificate</h2>
          <p>Not sure which one? Most servers want the full chain. None of these files contains your private key.</p>
          <div class="downloads">
            {FORMATS.map((f) => (
              <form method="post" action="/portal/track/certificate">
                <Csrf token={csrf} />
                <Ref value={reference} />
                <input type="hidden" name="format" value={f.format} />
                <button type="submit" class="btn btn-secondary" data-format={f.format}>
                  {f.label}
                  <small>{f.hint}</small>
                </button>
              </form>
            ))}
          </div>
        </section>
      ) : null}
      {issued && fullchain ? <PfxMaker fullchainPem={fullchain} commonName={view.domains[0]!} /> : null}

      {canReissue ? (
        <section class="card" aria-labelledby="re-h">
          <h2 id="re-h">Reissue</h2>
          <p>
            A reissue gives the same names a new key: use it when the private key was lost or exposed, or the unlock code has expired.
            {issued ? ' The new certificate is issued at once and the current one is revoked.' : ''}
          </p>
          <form method="post" action="/portal/track/reissue" novalidate>
            <Csrf token={csrf} />
            <Ref value={reference} />
            <TextArea
              name="csr"
              label="New CSR"
              optional
              pem
              rows={6}
              value={extra.reissueCsr}
              error={errors.csr}
              maxlength={16384}
              hint="Leave empty and we make a new key for you (an encrypted ZIP, saved right away; the unlock code is on the order page of the account that ordered). Or paste a CSR for the same names."
            />
            {issued ? (
              <div class="choice">
                <input type="checkbox" id="f-confirm" name="confirm" value="1" aria-invalid={errors.confirm ? 'true' : undefined} />
                <label for="f-confirm">I understand that the current certificate will be revoked.</label>
              </div>
            ) : null}
            <div class="actions">
              <button type="submit" class="btn btn-secondary">
                Reissue
              </button>
            </div>
          </form>
        </section>
      ) : null}
    </>,
  );
}

type Found = { order: OrderRecord; reference: string } | { response: Response };

/** The order the posted reference proves the right to, or the tracking form again with the reason. */
async function findOrder(c: PortalContext): Promise<Found> {
  const { form, csrf } = c.get('portal');
  const typed = (form.caReference ?? '').slice(0, 80);
  const again = async (status: 400 | 404 | 429, message: string) => ({
    response: await page(c, { title: 'Track a certificate', section: 'track', status }, <TrackForm csrf={csrf} value={typed} errors={{ caReference: message }} />),
  });
  if (!typed.trim()) return again(400, 'Enter the CA Reference.');
  const reference = canonicalReference(typed);
  try {
    const order = await c.get('services').tracking.find(typed, clientAddress(c));
    return { order, reference: reference ?? typed };
  } catch (thrown) {
    const err = asProblem(thrown) ?? thrown;
    if (err instanceof Problem && err.status === 404) {
      return again(
        404,
        reference
          ? 'No order has this CA Reference. Check each character (the letters I, L, O, U and the digits 0, 1 are never used).'
          : 'This is not a CA Reference: it starts with CAR- followed by 28 letters and digits.',
      );
    }
    if (err instanceof Problem && err.status === 429) {
      const retry = Number(err.extensions.retryAfter);
      if (Number.isFinite(retry)) c.header('retry-after', String(retry));
      return again(429, `Too many wrong CA References from your network. ${cleanDetail(err.detail)}`);
    }
    throw thrown;
  }
}

export const trackingRoutes = new Hono<PortalEnv>()
  .get('/portal/track', (c) => page(c, { title: 'Track a certificate', section: 'track' }, <TrackForm csrf={c.get('portal').csrf} errors={{}} />))
  .post('/portal/track', async (c) => {
    const found = await findOrder(c);
    if ('response' in found) return found.response;
    return trackingPage(c, found.order, found.reference);
  })
  .post('/portal/track/validate', async (c) => {
    const found = await findOrder(c);
    if ('response' in found) return found.response;
    // Over the limit: the portal's 429 page with Retry-After (portalOnError).
    await c.get('services').limits.consume('validate', { account: found.order.customerId, address: clientAddress(c) });
    const result = await c.get('services').tracking.validate(found.order);
    const allValid = result.domains.every((d) => d.status === 'valid');
    const notice: TrackingExtras['notice'] =
      result.order.status === 'issued'
        ? { kind: 'success', text: 'All names are verified and the certificate is issued. Download it below.' }
        : result.order.status === 'pending_approval'
          ? { kind: 'success', text: 'All names are verified. A person now checks your organization; you will find the certificate here once issued.' }
          : allValid
            ? { kind: 'warning', text: result.order.statusReason ?? 'All names are verified, but the certificate could not be issued yet.' }
            : { kind: 'warning', text: 'Not every name could be verified yet. See below what we found, fix it and check again.' };
    return trackingPage(c, result.order, found.reference, { checked: result, notice });
  })
  .post('/portal/track/certificate', async (c) => {
    const found = await findOrder(c);
    if ('response' in found) return found.response;
    const format = c.get('portal').form.format ?? 'fullchain';
    if (!isCertificateFormat(format)) {
      return trackingPage(c, found.order, found.reference, { notice: { kind: 'error', text: 'Choose one of the download formats below.' }, status: 400 });
    }
    try {
      const file = await c.get('services').tracking.certificate(found.order, format);
      return c.body(file.body, 200, {
        'content-type': file.contentType,
        'content-disposition': `attachment; filename="${file.fileName}"`,
        'cache-control': 'no-store',
      });
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 409) {
        return trackingPage(c, found.order, found.reference, { notice: { kind: 'warning', text: 'The certificate is not issued yet, so there is nothing to download.' }, status: 409 });
      }
      throw thrown;
    }
  })
  .post('/portal/track/reissue', async (c) => {
    const found = await findOrder(c);
    if ('response' in found) return found.response;
    const { form } = c.get('portal');
    const csr = (form.csr ?? '').trim().slice(0, 16384);
    const again = (errors: FormErrors, status: 400 | 409 = 400) => trackingPage(c, found.order, found.reference, { errors, reissueCsr: csr, status });
    if (csr && /PRIVATE KEY/.test(csr)) return again({ csr: 'This is a private key, not a CSR. Never paste your private key anywhere.' });
    if (csr && !CSR_PEM_BEGIN.test(csr)) return again({ csr: 'This does not look like a CSR: it must start with -----BEGIN CERTIFICATE REQUEST-----.' });
    if (found.order.status === 'issued' && form.confirm !== '1') {
      return again({ confirm: 'Tick the box to confirm that the current certificate will be revoked.' });
    }
    try {
      const result = await c.get('services').tracking.reissue(found.order, csr || undefined);
      const text =
        result.order.status === 'issued'
          ? 'Reissued: the new certificate is ready below, and the previous one is revoked.'
          : 'The order now uses the new key. Continue with the domain check below.';
      return trackingPage(c, result.order, found.reference, { notice: { kind: 'success', text }, archive: result.keyArchive });
    } catch (thrown) {
      const err = asProblem(thrown) ?? thrown;
      if (err instanceof Problem && err.status === 400) return again({ csr: cleanDetail(err.detail) });
      if (err instanceof Problem && err.status === 409) return again({ _form: cleanDetail(err.detail) }, 409);
      throw thrown;
    }
  });
