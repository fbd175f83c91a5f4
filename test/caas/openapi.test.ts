/** The CaaS routes are in the generated OpenAPI description, the admin ones under their own scheme. */
import { describe, it, expect } from 'vitest';
import { caasHarness } from './support.js';

describe('OpenAPI description of CaaS', () => {
  it('lists the customer and admin routes', async () => {
    const h = await caasHarness();
    try {
      const doc = (await (await h.request('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, any>>; components: any };
      for (const [path, method] of [
        ['/api/v1/subscriptions', 'get'],
        ['/api/v1/subscriptions/{id}', 'get'],
        ['/api/v1/subscriptions/{id}/eab-credentials', 'post'],
        ['/api/v1/subscriptions/{id}/eab-credentials/replace', 'post'],
        ['/api/v1/subscriptions/{id}/eab-credentials/views', 'get'],
        ['/api/v1/admin/subscriptions', 'post'],
        ['/api/v1/admin/subscriptions', 'get'],
        ['/api/v1/admin/subscriptions/{id}', 'get'],
        ['/api/v1/admin/subscriptions/{id}/revoke', 'post'],
        ['/api/v1/admin/subscriptions/{id}/eab-credentials/replace', 'post'],
      ] as const) {
        expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      }
      expect(doc.paths['/api/v1/admin/subscriptions']!.post.security).toEqual([{ admin: [] }]);
      expect(doc.paths['/api/v1/subscriptions/{id}/eab-credentials']!.post.responses['410']).toBeDefined();
      expect(doc.components.schemas.PlanObject.properties.maxAccountsPerCredential).toBeDefined();
      expect(doc.components.schemas.EabCredentials.required).toEqual(
        expect.arrayContaining(['kid', 'hmacKey', 'directoryUrl', 'expiresAt', 'snippets', 'views']),
      );
    } finally {
      h.close();
    }
  });
});
