/** The embedded CA's public files: root, intermediate (the AIA caIssuers URL) and the CRL. */
import { Hono } from 'hono';
import type { AppEnv } from '../../app/context.js';
import { fromBase64 } from '../../core/encoding.js';

const derOf = (pem: string) => fromBase64(pem.replace(/-----[^-]+-----|\s/g, ''));

export const caRoutes = new Hono<AppEnv>()
  .get('/ca/root.pem', (c) => c.body(c.get('services').ca.rootPem, 200, { 'content-type': 'application/x-pem-file', 'cache-control': 'public, max-age=3600' }))
  .get('/ca/intermediate.pem', (c) =>
    c.body(c.get('services').ca.chainPem, 200, { 'content-type': 'application/x-pem-file', 'cache-control': 'public, max-age=3600' }),
  )
  .get('/ca/intermediate.crt', (c) =>
    c.body(derOf(c.get('services').ca.chainPem) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/pkix-cert', 'cache-control': 'public, max-age=3600' }),
  )
  .get('/ca/crl', async (c) => {
    const der = await c.get('services').crl.der();
    return c.body(der, 200, { 'content-type': 'application/pkix-crl', 'cache-control': 'public, max-age=300' });
  });
