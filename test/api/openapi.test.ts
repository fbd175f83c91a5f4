/** The OpenAPI 3.1 document is generated from the route definitions, so it lists every API route. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { harness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('GET /openapi.json', () => {
  it('describes the API routes with their schemas and problem responses', async () => {
    const res = await h.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, any>>; components: any };
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/v1/accounts', 'post'],
      ['/api/v1/sessions', 'post'],
      ['/api/v1/sessions', 'delete'],
      ['/api/v1/orders', 'post'],
      ['/api/v1/orders', 'get'],
      ['/api/v1/orders/{orderNumber}', 'get'],
      ['/api/v1/orders/{orderNumber}/unlock-code', 'post'],
      ['/api/v1/orders/{orderNumber}/renew', 'post'],
      ['/healthz', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const newOrder = doc.components.schemas.NewOrder;
    expect(newOrder.properties.product.enum).toEqual(['dv', 'ov', 'ev']);
    expect(newOrder.additionalProperties).toBe(false);
    expect(doc.paths['/api/v1/orders']!.post.responses['400'].content['application/problem+json']).toBeDefined();
    expect(doc.components.securitySchemes.session).toEqual({ type: 'http', scheme: 'bearer' });
  });
});
