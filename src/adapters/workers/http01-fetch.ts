/**
 * http-01 fetches on Workers. A Worker cannot open a socket to a chosen address, so it asks for the host
 * name and lets the platform resolve it; the address the VA resolved is only used to build the URL when the
 * name is an IP literal. Redirects are returned to the VA, which decides which to follow.
 */
import type { HttpGetter, HttpGetResult } from '../../va/ports.js';

export function fetchHttpGetter(): HttpGetter {
  return {
    async get(host, _address, port, path, opts): Promise<HttpGetResult> {
      const scheme = opts.tls ? 'https' : 'http';
      const defaultPort = opts.tls ? 443 : 80;
      const url = `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}${path}`;
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
