/**
 * A minimal browser stand-in for in-process portal tests: a cookie jar, the last page's CSRF token, and
 * urlencoded form posts through app.request() (no socket, no Chromium).
 */
import type { Harness } from '../support/harness.js';

export interface PageResult {
  status: number;
  html: string;
  headers: Headers;
  location: string | null;
}

export class FormClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(
    private readonly h: Harness,
    private readonly base = 'http://localhost',
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private async result(res: Response): Promise<PageResult> {
    this.absorb(res);
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html, headers: res.headers, location: res.headers.get('location') };
  }

  async get(path: string): Promise<PageResult> {
    return this.result(await this.h.app.request(`${this.base}${path}`, { headers: { cookie: this.cookieHeader() } }));
  }

  /** Posts a form with this client's cookies and (unless `csrf: null`) its CSRF token. */
  async post(path: string, fields: Record<string, string>, opts: { csrf?: string | null; headers?: Record<string, string>; body?: string } = {}): Promise<PageResult> {
    const form = new URLSearchParams(fields);
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (token !== null) form.set('_csrf', token);
    const res = await this.h.app.request(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...opts.headers },
      body: opts.body ?? form.toString(),
    });
    return this.result(res);
  }

  async logIn(email: string, password = 'maple river candle orbit'): Promise<void> {
    await this.get('/portal/login');
    const r = await this.post('/portal/login', { email, password });
    if (r.status !== 303) throw new Error(`log-in ${email}: ${r.status}`);
    await this.get('/portal/orders');
  }

  /** Signs up (and so logs in) through the portal's forms. */
  async signUp(email: string, password = 'maple river candle orbit'): Promise<void> {
    await this.get('/portal/signup');
    const r = await this.post('/portal/signup', { email, password, password2: password });
    if (r.status !== 303) throw new Error(`sign-up ${email}: ${r.status}`);
    await this.get('/portal/orders');
  }
}

/** The visible text of an HTML page, roughly: tags dropped, entities of quotes decoded, spaces folded. */
export function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');
}
