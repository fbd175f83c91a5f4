/** Mail settings: validated at start, each fault naming its variable, and never echoing the SMTP password. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { configFault } from '../support/config.js';

const fault = configFault;

describe('mail settings', () => {
  it('none: no mail', () => {
    expect(loadConfig({}).mail).toBeUndefined();
  });

  it('SMTP with the sender address, defaults for the rest', () => {
    expect(loadConfig({ EABGATE_SMTP_URL: 'smtps://user:secret@mail.example.com:465', EABGATE_MAIL_FROM: 'certs@example.com' }).mail).toEqual({
      from: 'certs@example.com',
      transport: { kind: 'smtp', url: 'smtps://user:secret@mail.example.com:465' },
      intervalSeconds: 5,
      caReference: 'include',
    });
  });

  it('an HTTP mail API with its token', () => {
    const c = loadConfig({ EABGATE_MAIL_API_URL: 'https://api.mail.example/emails', EABGATE_MAIL_API_TOKEN: 'tok', EABGATE_MAIL_FROM: 'certs@example.com', EABGATE_MAIL_CA_REFERENCE: 'omit' });
    expect(c.mail).toMatchObject({ transport: { kind: 'http', url: 'https://api.mail.example/emails', token: 'tok' }, caReference: 'omit' });
  });

  it.each([
    [{ EABGATE_SMTP_URL: 'smtp://mail.example.com' }, 'EABGATE_MAIL_FROM'],
    [{ EABGATE_SMTP_URL: 'smtp://mail.example.com', EABGATE_MAIL_FROM: 'not an address' }, 'EABGATE_MAIL_FROM'],
    [{ EABGATE_SMTP_URL: 'http://mail.example.com', EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_SMTP_URL'],
    [{ EABGATE_SMTP_URL: 'smtp://mail.example.com/path', EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_SMTP_URL'],
    [{ EABGATE_SMTP_URL: 'smtp://x', EABGATE_MAIL_API_URL: 'https://api.example', EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_MAIL_API_URL'],
    [{ EABGATE_MAIL_API_URL: 'https://api.example', EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_MAIL_API_TOKEN'],
    [{ EABGATE_MAIL_API_URL: 'http://api.example', EABGATE_MAIL_API_TOKEN: 't', EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_MAIL_API_URL'],
    [{ EABGATE_MAIL_FROM: 'a@example.com' }, 'EABGATE_MAIL_FROM'],
    [{ EABGATE_SMTP_URL: 'smtp://x.example', EABGATE_MAIL_FROM: 'a@example.com', EABGATE_MAIL_CA_REFERENCE: 'sometimes' }, 'EABGATE_MAIL_CA_REFERENCE'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(fault(env).variable).toBe(variable);
  });

  it('never repeats the SMTP URL, which may hold a password', () => {
    const err = fault({ EABGATE_SMTP_URL: 'smtp://user:hunter2hunter2@exa mple', EABGATE_MAIL_FROM: 'a@example.com' });
    expect(err.message).not.toContain('hunter2');
  });
});
