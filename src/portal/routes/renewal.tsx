/**
 * Renewal in the portal: the card on an issued order's page (a new AutoCSR key, or the same CSR) and the
 * POST that places the follow-up order through the registration authority. A second click or a reload
 * places nothing: the RA keeps one renewal per order, and the page then links to it.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { AppEnv } from '../../app/context.js';
import { Problem } from '../../core/problem.js';
import type { OrderRecord } from '../../core/store/types.js';
import type { RenewalKey } from '../../orders/service.js';
import type { PortalEnv } from '../env.js';
import { page } from '../layout.js';
import { requireLogin } from './auth.js';
import { asProblem, cleanDetail, notFoundPage } from '../errors.js';
import { Alert, Csrf } from '../ui.js';
import { CaReferenceOnce, KeyArchiveHandover } from '../pieces.js';

/** The renewal card of an order page: only for an issued order not renewed yet. */
export function RenewCard({ order, csrf, renewedBy }: { order: OrderRecord; csrf: string; renewedBy: string | null }) {
  if (renewedBy) {
    return (
      <section class="card" aria-labelledby="renew-h">
        <h2 id="renew-h">Renewal</h2>
        <p>
          This order was renewed by order{' '}
          <a class="mono" href={`/portal/orders/${renewedBy}`}>
            {renewedBy}
          </a>
          . This certificate stays valid until it expires.
        </p>
      </section>
    );
  }
  if (order.status !== 'issued') return null;
  return (
    <section class="card" aria-labelledby="renew-h">
      <h2 id="renew-h">Renew this certificate</h2>
      <p>
        Renewing places a new order for the same names{order.product !== 'dv' ? ' and organization' : ''}. This certificate stays valid until it
        expires, so you can install the new one at your own pace. Name checks that are recent enough are reused, so the new certificate is often issued as
        soon as you press <strong>Check now</strong>.
      </p>
      <form method="post" action={`/portal/orders/${order.orderNumber}/renew`} data-submit-once>
        <Csrf token={csrf} />
        <fieldset>
          <legend>Private key of the new certificate</legend>
          <div class="choice">
            <input type="radio" id="renew-key-autocsr" name="key" value="autocsr" checked />
            <label for="renew-key-autocsr">A new key made for you (AutoCSR), saved as a new encrypted ZIP with a new unlock code</label>
          </div>
          <div class="choice">
            <input type="radio" id="renew-key-same" name="key" value="same-csr" />
            <label for="renew-key-same">
              The same CSR as this order: the key already on your server stays{order.autoCsr ? ' (the key from this order’s ZIP file)' : ''}
            </label>
          </div>
        </fieldset>
        <button type="submit" class="btn">
          Renew certificate
        </button>
      </form>
    </section>
  );
}

export const renewalRoutes = new Hono<PortalEnv>().post('/portal/orders/:orderNumber/renew', async (c) => {
  const redirect = requireLogin(c);
  if (redirect) return redirect;
  const { form, customer } = c.get('portal');
  const services = c.get('services');
  const orderNumber = c.req.param('orderNumber').slice(0, 64);
  const key: RenewalKey = form.key === 'same-csr' ? 'same-csr' : 'autocsr';
  await services.limits.consume('orders', { account: customer!.id, address: services.clientAddress(c as unknown as Context<AppEnv>) });
  let placed;
  try {
    placed = await services.orders.renew(customer!, orderNumber, key);
  } catch (thrown) {
    const err = asProblem(thrown) ?? thrown;
    if (err instanceof Problem && err.status === 404) return notFoundPage(c);
    if (err instanceof Problem && (err.status === 409 || err.status === 400)) {
      const renewal = typeof err.extensions?.renewalOrderNumber === 'string' ? err.extensions.renewalOrderNumber : undefined;
      return page(
        c,
        { title: 'Not renewed', section: 'orders', status: err.status },
        <>
          <h1>{renewal ? 'This order was already renewed' : 'This order cannot be renewed'}</h1>
          <Alert kind="info">
            <p>{cleanDetail(err.detail)}</p>
            {renewal ? (
              <p>
                No second order was placed. The renewal is order{' '}
                <a class="mono" href={`/portal/orders/${renewal}`}>
                  {renewal}
                </a>
                ; its CA Reference and key file were shown once, on the page after the first click.
              </p>
            ) : null}
          </Alert>
          <p>
            <a href={`/portal/orders/${orderNumber}`}>← Back to the order</a>
          </p>
        </>,
      );
    }
    throw err;
  }
  const o = placed.order;
  return page(
    c,
    { title: `Order ${o.orderNumber} placed`, section: 'orders', status: 201 },
    <>
      <h1>Renewal placed</h1>
      <Alert kind="success">
        <p>
          Order <strong class="mono">{o.orderNumber}</strong> renews order <span class="mono">{placed.renews.orderNumber}</span> for{' '}
          <span class="mono">{o.domains.join(', ')}</span>. The certificate of order {placed.renews.orderNumber} stays valid until it expires.
        </p>
      </Alert>
      <CaReferenceOnce reference={placed.caReference} orderNumber={o.orderNumber} />
      {placed.keyArchive ? <KeyArchiveHandover archive={placed.keyArchive} orderNumber={o.orderNumber} loggedIn /> : null}
      <section class="card" aria-labelledby="next-h">
        <h2 id="next-h">What happens next</h2>
        <ol class="steps">
          <li>
            Open <a href="/portal/track">Track a certificate</a>, enter the new CA Reference and press <strong>Check now</strong>. Names checked recently
            enough are not checked again; the <a href={`/portal/orders/${o.orderNumber}`}>order page</a> shows what to publish for the others.
          </li>
          <li>Download the new certificate there and install it{placed.keyArchive ? ' with the key from the new ZIP file' : ' with the key you already have'}.</li>
        </ol>
      </section>
    </>,
  );
});
