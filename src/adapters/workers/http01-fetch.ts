/**
 * http-01 fetches on Workers with fetch() by host name, which lets the platform resolve it. Used only for
 * addresses in Cloudflare's own ranges, to which Workers cannot open sockets (a site behind Cloudflare's
 * proxy); everything else goes over a socket to the checked address (./http01-socket.ts). Redirects are
 * returned to the VA, which decides which to follow.
 *
 * The address policy (src/va/address-policy.ts) applies before this getter: the VA has resolved the name's
 * A/AAAA through its own resolver (DNS over HTTPS), dropped special-purpose answers, and hands over an
 * address in Cloudflare's ranges; every redirect target goes through the same check. An IP literal is
 * fetched only when it is the address the VA checked. What remains: fetch() resolves the name again by
 * itself, so a name whose answers change between the two look-ups could reach another address than the
 * one checked. Cloudflare's fetch() does not route to the Worker operator's private networks, which bounds
 * that. Used on its own (as before the socket getter) it says `resolvesItself`, and the VA then refuses a
 * name when any of its answers is special-purpose.
 */
import type { HttpGetter, HttpGetResult } from '../../va/ports.js';
import { canonicalIp, isIpLiteral } from '../../core/ip.js';

export function fetchHttpGetter(): HttpGetter {
  return {
    resolvesItself: true,
    async get(host, address, port, path, opts): Promise<HttpGetResult> {
      const literal = host.replace(/^\[(.*)\]$/, '$1');
      if (isIpLiteral(host) && canonicalIp(literal) !== canonicalIp(address)) {
        return { kind: 'error', reason: 'other', detail: `not fetching ${host}: it is not the address that was checked` };
      }
      const hostPart = literal.includes(':') ? `[${literal}]` : host;
      const scheme = opts.tls ? 'https' : 'http';
      const defaultPort = opts.tls ? 443 : 80;
      const url = `${scheme}://${hostPart}${port === defaultPort ? '' : `:${port}`}${path}`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
      try {
        const res = await fetch(url, { redirect: 'manual', signal: controller.signal });
        const reader = res.body?.getReader();
        const chunks: Uint8Array[] = [];
        let size = 0;
        let truncated = false;
        while (reader) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          size += value.length;
          if (size > opts.maxBytes) {
            truncated = true;
            await reader.cancel();
            break;
          }
        }
        const body = new Uint8Array(Math.min(size, opts.maxBytes));
        let at = 0;
        for (const c of chunks) {
          const part = c.subarray(0, Math.max(0, body.length - at));
          body.set(part, at);
          at += part.length;
        }
        return { kind: 'response', status: res.status, body, truncated, location: res.headers.get('location') ?? undefined };
      } catch (err) {
        const aborted = (err as Error).name === 'AbortError';
        return { kind: 'error', reason: aborted ? 'timeout' : 'other', detail: aborted ? `no answer from ${url} within ${opts.timeoutMs} ms` : `could not fetch ${url}` };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
