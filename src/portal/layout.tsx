/**
 * The page frame and the one way portal pages are sent: HTML with the portal's headers (CSP without inline
 * scripts, no framing, no caching of anything personal).
 */
import type { Child } from 'hono/jsx';
import { html } from 'hono/html';
import type { PortalContext, PortalState } from './env.js';
import { assetUrl, type AssetName } from './assets.js';
import { Csrf } from './ui.js';

export type Section = 'home' | 'orders' | 'new-order' | 'track' | 'caas' | 'csr' | 'login' | 'signup' | 'account' | null;

/**
 * No inline script or style anywhere; scripts make no requests (connect-src 'none'); forms post only here.
 * `img-src data:` is for nothing but the icon fallback of some browsers; the key archive link is a data:
 * URL that is navigated (downloaded), not loaded, so no directive governs it.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'none'",
  "font-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "manifest-src 'none'",
].join('; ');

export function portalHeaders(c: PortalContext): void {
  c.header('content-security-policy', CSP);
  c.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  // Pages are personal (and some show secrets once): never stored, never restored from the back-forward cache.
  c.header('cache-control', 'no-store');
}

const NAV: { id: Exclude<Section, null>; href: string; label: string; auth: boolean | null }[] = [
  { id: 'orders', href: '/portal/orders', label: 'My orders', auth: true },
  { id: 'new-order', href: '/portal/orders/new', label: 'New order', auth: true },
  { id: 'track', href: '/portal/track', label: 'Track a certificate', auth: null },
  { id: 'caas', href: '/portal/caas', label: 'ACME / CaaS', auth: true },
  { id: 'csr', href: '/portal/csr', label: 'CSR generator', auth: null },
];

interface LayoutProps {
  title: string;
  state: PortalState;
  section: Section;
  css: string;
  scripts: string[];
  icon: string;
  children?: Child;
}

function Layout({ title, state, section, css, scripts, icon, children }: LayoutProps) {
  const loggedIn = state.customer !== null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* The app-wide Referrer-Policy is no-referrer, under which browsers send "Origin: null" with a form POST;
            same-origin keeps referrers off other sites and lets the portal's POSTs carry their Origin. */}
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · eabgate`}</title>
        <link rel="icon" href={icon} type="image/svg+xml" />
        <link rel="stylesheet" href={css} />
        {scripts.map((s) => (
          <script type="module" src={s}></script>
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="site-header">
          <div class="inner">
            <a class="brand" href="/portal/">
              <img src={icon} alt="" width="28" height="28" />
              <span>eabgate</span>
            </a>
            <nav class="site-nav" aria-label="Main">
              <ul>
                {NAV.filter((n) => n.auth === null || n.auth === loggedIn).map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.id === section ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="account">
              {loggedIn ? (
                <>
                  <a class="who" href="/portal/account" title={`${state.customer!.email}: your account`} aria-current={section === 'account' ? 'page' : undefined}>
                    <span class="visually-hidden">Logged in as </span>
                    {state.customer!.email}
                  </a>
                  <form method="post" action="/portal/logout">
                    <Csrf token={state.csrf} />
                    <button type="submit" class="btn btn-small">
                      Log out
                    </button>
                  </form>
                </>
              ) : (
                <>
                  <a href="/portal/login" aria-current={section === 'login' ? 'page' : undefined}>
                    Log in
                  </a>
                  <a href="/portal/signup" class="btn btn-small" aria-current={section === 'signup' ? 'page' : undefined}>
                    Sign up
                  </a>
                </>
              )}
            </div>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <footer class="site-footer">
          <p>
            eabgate certificate portal · <a href="/openapi.json">API</a> · Your private keys never pass through this site unless you let us make them
            (AutoCSR), and then only once.
          </p>
        </footer>
      </body>
    </html>
  );
}

export interface PageOptions {
  title: string;
  section: Section;
  status?: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 503;
  scripts?: AssetName[];
}

/** Sends a full page. */
export async function page(c: PortalContext, opts: PageOptions, body: Child): Promise<Response> {
  portalHeaders(c);
  const [css, icon, ...scripts] = await Promise.all([assetUrl('portal.css'), assetUrl('icon.svg'), ...['portal.js' as const, ...(opts.scripts ?? [])].map(assetUrl)]);
  const doc = (
    <Layout title={opts.title} state={c.get('portal')} section={opts.section} css={css} icon={icon} scripts={scripts}>
      {body}
    </Layout>
  );
  return c.html(html`<!doctype html>${doc}`, opts.status ?? 200);
}
