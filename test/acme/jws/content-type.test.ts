import { describe, it, expect } from 'vitest';
import { checkJoseContentType } from '../../../src/acme/jws/content-type.js';
import { expectProblem } from './support.js';

describe('content type (RFC 8555 §6.2)', () => {
  it('accepts application/jose+json, case-insensitively and with parameters', () => {
    for (const ct of ['application/jose+json', 'Application/JOSE+JSON', 'application/jose+json; charset=utf-8']) {
      expect(() => checkJoseContentType(ct)).not.toThrow();
    }
  });

  it('refuses other media types with malformed and status 415', async () => {
    for (const ct of ['application/json', 'text/plain', 'application/jose', 'application/jose+json-x']) {
      await expectProblem(() => checkJoseContentType(ct), 'malformed', /is not accepted.*application\/jose\+json/, 415);
    }
  });

  it('refuses a missing content type with malformed and status 415', async () => {
    await expectProblem(() => checkJoseContentType(null), 'malformed', /Content-Type is missing/, 415);
    await expectProblem(() => checkJoseContentType(undefined), 'malformed', /Content-Type is missing/, 415);
    await expectProblem(() => checkJoseContentType(''), 'malformed', /Content-Type is missing/, 415);
  });
});
