/**
 * One conversation with the upstream ACME CA: an acme-client Client (JWS, nonces, EAB) whose transport is
 * watched, so that a failure can be told apart as
 * - a refusal: the upstream answered with a problem document (its detail becomes the order's reason);
 * - a transient answer: 5xx, 429, `rateLimited`, `serverInternal`, `badNonce` (try again later);
 * - no answer at all: connection refused, timeout, TLS failure (the gateway's own fault: thrown).
 *
 * acme-client 5.x turns a request without a response into a bare TypeError and retries 5xx/429 itself
 * for up to ~75 s, waiting out any Retry-After: every request here has a time limit and no inner retries,
 * because the issuer answers "pending" instead. Both settings ride on the request options of the Client's
 * HTTP layer (acme-client internals, checked at construction), not on the library's shared axios defaults.
 */
import { request as httpsRequest } from 'node:https';
import * as acme from 'acme-client';

/** Per upstream request. */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface UpstreamProblem {
  status: number;
  type: string | undefined;
  detail: string;
}

export interface SessionOptions {
  directoryUrl: string;
  accountKeyPem: string;
  accountUrl?: string;
  eab?: { kid: string; hmacKey: string };
}

interface HttpLayer {
  request(url: string, method: string, opts?: Record<string, unknown>): Promise<{ status: number; headers: Record<string, unknown>; data: unknown }>;
}

/** The upstream could not be reached (no HTTP answer). */
export class UpstreamUnreachable extends Error {
  override name = 'UpstreamUnreachable';
}

/** The upstream answered with a problem (or a status) that says: later. */
export class UpstreamBusy extends Error {
  override name = 'UpstreamBusy';
  constructor(
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

/** The upstream refused: `detail` is its own words, safe to show (it never holds the gateway's secrets). */
export class UpstreamRefused extends Error {
  override name = 'UpstreamRefused';
  constructor(
    readonly detail: string,
    readonly problemType: string | undefined,
  ) {
    super(detail);
  }
}

const TRANSIENT_TYPES = new Set(['rateLimited', 'serverInternal', 'badNonce']);

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function problemOf(status: number, data: unknown): UpstreamProblem {
  const d = (data && typeof data === 'object' ? data : {}) as { type?: unknown; detail?: unknown };
  const type = typeof d.type === 'string' ? d.type.replace(/^urn:ietf:params:acme:error:/, '') : undefined;
  const detail = typeof d.detail === 'string' && d.detail ? d.detail.replace(/\s+/g, ' ').slice(0, 500) : `HTTP ${status}`;
  return { status, type, detail };
}

/** Why a request got no answer, for the operator's log: the error code of a plain HTTPS probe. */
function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'HEAD', timeout: 5_000 }, (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode ?? '?'} to a plain probe`);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
    req.end();
  });
}

export class UpstreamSession {
  readonly client: acme.Client;
  /** The problem of the latest request, when it had one. */
  private problem: UpstreamProblem | undefined;
  /** Retry-After of the latest answer, in seconds. */
  retryAfterSeconds: number | undefined;

  constructor(opts: SessionOptions) {
    this.client = new acme.Client({
      directoryUrl: opts.directoryUrl,
      accountKey: opts.accountKeyPem,
      accountUrl: opts.accountUrl,
      externalAccountBinding: opts.eab,
    });
    const http = (this.client as unknown as { http?: Partial<HttpLayer> }).http;
    if (!http || typeof http.request !== 'function') throw new Error('acme-client: unexpected internals (expected 5.x)');
    const send = http.request.bind(http);
    http.request = async (url, method, reqOpts = {}) => {
      this.problem = undefined;
      let resp;
      try {
        // timeout: axios per request; retryAttempt: past acme-client's own retry limit, so none happens.
        resp = await send(url, method, { ...reqOpts, timeout: REQUEST_TIMEOUT_MS, retryAttempt: 1_000 });
      } catch {
        const { host } = new URL(url);
        throw new UpstreamUnreachable(`upstream ACME CA ${host}: no answer to ${method.toUpperCase()} (${await probe(url)})`);
      }
      this.retryAfterSeconds = parseRetryAfter(resp.headers['retry-after']);
      if (resp.status >= 400) this.problem = problemOf(resp.status, resp.data);
      return resp;
    };
  }

  /** Runs an acme-client call and sorts its failure into the three kinds above. */
  async call<T>(what: string, fn: (client: acme.Client) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      if (err instanceof UpstreamUnreachable) throw err;
      const p = this.problem;
      if (p && (p.status >= 500 || p.status === 429 || (p.type !== undefined && TRANSIENT_TYPES.has(p.type)))) {
        throw new UpstreamBusy(`upstream ACME CA busy at ${what}: ${p.detail}`, this.retryAfterSeconds);
      }
      if (p) throw new UpstreamRefused(p.detail, p.type);
      // acme-client's own complaint about an answer (e.g. an order without a URL) is a plain Error; a
      // TypeError or the like is a bug, not the upstream's answer.
      if (err instanceof Error && err.constructor === Error) throw new UpstreamRefused(err.message, undefined);
      throw err;
    }
  }
}
