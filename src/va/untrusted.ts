/** Untrusted text from challenges and responses: the token syntax, and short printable excerpts for details. */

/** RFC 8555 §8.1: tokens are base64url; anything else must never reach a URL path. */
export const isToken = (token: string): boolean => /^[A-Za-z0-9_-]{16,256}$/.test(token);

/** A short, quoted, printable excerpt of untrusted text for a problem detail. */
export function excerpt(text: string, max = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > max ? clean.slice(0, max) + '…' : clean);
}

/** A URL for a problem detail: as parsed (so percent-encoded, no control characters), at most `max` characters. */
export function shortUrl(url: URL, max = 200): string {
  const href = url.href;
  return href.length > max ? href.slice(0, max) + '…' : href;
}
