import { describe, expect, it } from 'vitest';
import { withChanges } from '../../src/core/with-changes.js';

describe('withChanges', () => {
  const order = { id: 'o1', status: 'pending' as string, expires: new Date(0), error: null as unknown };

  it('answers a new object with the changes applied, the record untouched', () => {
    const changed = withChanges(order, { status: 'valid', certificateId: 'c1' });
    expect(changed).not.toBe(order);
    expect(changed).toEqual({ id: 'o1', status: 'valid', expires: new Date(0), error: null, certificateId: 'c1' });
    expect(order).toEqual({ id: 'o1', status: 'pending', expires: new Date(0), error: null });
    expect(changed.expires).toBe(order.expires); // a shallow copy, as a spread makes
  });

  it('is what the spread it replaces gives, members in the same order (JSON output included)', () => {
    const changes = { error: { type: 'x' }, status: 'invalid', extra: 1 };
    const spread = { ...order, ...changes };
    const copy = withChanges(order, changes);
    expect(Object.keys(copy)).toEqual(Object.keys(spread));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(spread));
  });

  it('takes undefined and null members as given', () => {
    const copy = withChanges(order, { error: undefined, status: null });
    expect('error' in copy && copy.error === undefined).toBe(true);
    expect(copy.status).toBeNull();
  });
});
