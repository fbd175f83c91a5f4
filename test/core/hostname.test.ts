import { beforeAll, describe, expect, it } from 'vitest';
import { baseDomain, isDnsName, isWildcard, loadPsl, nameFault, nameSyntaxFault, normalizeName, registrableDomain, sameNames } from '../../src/core/hostname.js';
import { checkDomains, withWwwCounterparts } from '../../src/csr/names.js';
import { DomainError } from '../../src/core/errors.js';

// The Public Suffix List is loaded on first need (src/core/psl.ts), as the order paths do before they check names.
beforeAll(() => loadPsl());

describe('core/hostname', () => {
  it('normalizes: trims, lower-cases, drops one trailing dot', () => {
    expect(normalizeName(' WWW.Example.COM. ')).toBe('www.example.com');
    expect(baseDomain('*.a.example')).toBe('a.example');
    expect(isWildcard('*.a.example')).toBe(true);
  });

  it('checks syntax: labels, length, wildcards, single labels, underscores', () => {
    expect(nameSyntaxFault('a.example')).toBeUndefined();
    expect(nameSyntaxFault('')).toBe('is empty');
    expect(nameSyntaxFault(`${'a.'.repeat(127)}com`)).toMatch(/longer than 253/);
    expect(nameSyntaxFault('*.a.example')).toMatch(/wildcard/);
    expect(nameSyntaxFault('*.a.example', { wildcard: true })).toBeUndefined();
    expect(nameSyntaxFault('localhost')).toMatch(/fully qualified/);
    expect(nameSyntaxFault('localhost', { singleLabel: true })).toBeUndefined();
    expect(nameSyntaxFault('-a.example')).toMatch(/invalid label "-a"/);
    expect(nameSyntaxFault('_acme.example')).toMatch(/invalid label/);
    expect(isDnsName('_acme-challenge.example')).toBe(true);
    expect(isDnsName('*.example')).toBe(true);
    expect(isDnsName('a..example')).toBe(false);
  });

  it('knows what a certificate may name (PSL through tldts)', () => {
    expect(nameFault('shop.example.co.uk', false)).toBeUndefined();
    expect(nameFault('co.uk', false)).toMatch(/public suffix/);
    expect(nameFault('192.0.2.1', false)).toMatch(/IP address/);
    expect(nameFault('*.example.com', false)).toMatch(/wildcard/);
    expect(registrableDomain('shop.example.co.uk')).toBe('example.co.uk');
    expect(sameNames(['a', 'b', 'a'], ['b', 'a'])).toBe(true);
  });
});

describe('csr/names (order names)', () => {
  it('normalizes, de-duplicates and throws invalid domain errors naming the field', () => {
    expect(checkDomains(['WWW.example.com', 'www.example.com.'])).toEqual(['www.example.com']);
    const err = (() => {
      try {
        checkDomains(['ok.example', 'localhost']);
      } catch (e) {
        return e;
      }
    })() as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('invalid');
    expect(err.field).toBe('domains[1]');
    expect(err.detail).toBe('domains[1]: "localhost" is not a fully qualified domain name');
    expect(() => checkDomains([])).toThrow(/at least one/);
  });

  it('pairs bare and www names', () => {
    expect(withWwwCounterparts(['example.co.uk', 'www.shop.example'])).toEqual(['example.co.uk', 'www.example.co.uk', 'www.shop.example', 'shop.example']);
  });
});
