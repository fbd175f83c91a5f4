/**
 * Every URL the ACME server hands out, built from the configured base URL (EABGATE_BASE_URL), never from
 * the Host header: a JWS `url` is compared with these, so a forged Host cannot redirect a signature.
 */

/** Mount point of the ACME server inside the app. */
export const ACME_PREFIX = '/acme';

export class AcmeLinks {
  readonly root: string;
  /** The base URL without a trailing slash. */
  private readonly origin: string;
  /** `Link: <directory>;rel="index"` (RFC 8555 §7.1), on every response: made once. */
  readonly indexLink: string;
  private readonly accountPrefix: string;

  constructor(readonly baseUrl: string) {
    this.origin = baseUrl.replace(/\/+$/, '');
    this.root = `${this.origin}${ACME_PREFIX}`;
    this.indexLink = `<${this.directory}>;rel="index"`;
    this.accountPrefix = `${this.root}/acct/`;
  }

  get directory(): string {
    return `${this.root}/directory`;
  }
  get newNonce(): string {
    return `${this.root}/new-nonce`;
  }
  get newAccount(): string {
    return `${this.root}/new-account`;
  }
  get newOrder(): string {
    return `${this.root}/new-order`;
  }
  get revokeCert(): string {
    return `${this.root}/revoke-cert`;
  }
  get keyChange(): string {
    return `${this.root}/key-change`;
  }
  get renewalInfo(): string {
    return `${this.root}/renewal-info`;
  }
  get terms(): string {
    return `${this.root}/terms`;
  }

  account(id: string): string {
    return `${this.accountPrefix}${id}`;
  }
  orders(accountId: string, page = 1): string {
    return `${this.root}/acct/${accountId}/orders${page > 1 ? `?page=${page}` : ''}`;
  }
  order(id: string): string {
    return `${this.root}/order/${id}`;
  }
  finalize(orderId: string): string {
    return `${this.root}/order/${orderId}/finalize`;
  }
  authorization(id: string): string {
    return `${this.root}/authz/${id}`;
  }
  challenge(id: string): string {
    return `${this.root}/chall/${id}`;
  }
  certificate(id: string): string {
    return `${this.root}/cert/${id}`;
  }

  /** The account id in an account URL (a JWS `kid`), or undefined when it is not one of ours. */
  accountId(kid: string): string | undefined {
    if (!kid.startsWith(this.accountPrefix)) return undefined;
    const id = kid.slice(this.accountPrefix.length);
    return /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : undefined;
  }

  /** The URL a request was sent to: base URL + path (+ query), as a JWS `url` must name it. */
  requestUrl(pathAndQuery: string): string {
    return `${this.origin}${pathAndQuery}`;
  }
}

const cache = new Map<string, AcmeLinks>();

export function linksFor(baseUrl: string): AcmeLinks {
  let links = cache.get(baseUrl);
  if (!links) cache.set(baseUrl, (links = new AcmeLinks(baseUrl)));
  return links;
}
