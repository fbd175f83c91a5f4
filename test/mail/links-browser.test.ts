/**
 * The links in mails work in a real browser: a customer signs up in the portal (Chromium), the confirmation
 * mail arrives at a real SMTP server, its link confirms the address; "forgot password" mails a reset link
 * that sets a new password once, and the old password and the used link stop working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { startSmtpSink, type SmtpSink, type SunkMail } from '../support/smtp-sink.js';
import { launch, newPage, PASSWORD, startPortal } from '../portal/support.js';

let server: RunningServer;
let browser: Browser;
let sink: SmtpSink;
const NEW_PASSWORD = 'quiet harbour lantern moss';

beforeAll(async () => {
  sink = await startSmtpSink();
  [server, browser] = await Promise.all([startPortal({ EABGATE_SMTP_URL: sink.url, EABGATE_MAIL_FROM: 'portal@eabgate.test', EABGATE_MAIL_INTERVAL: '1' }), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

const linkIn = (m: SunkMail, path: string) => m.text!.split(/\s+/).find((w) => w.startsWith(`${server.baseUrl}${path}`))!;
async function mailWith(subject: RegExp, n = 1): Promise<SunkMail> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = sink.messages().filter((m) => subject.test(m.headers.subject ?? ''));
    if (found.length >= n) return found[n - 1]!;
    if (Date.now() > deadline) throw new Error(`no mail ${subject}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('mailed links in Chromium', () => {
  it('sign-up → confirmation link → confirmed; forgot password → reset link → new password, once', async () => {
    const { page, consoleErrors } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/signup`);
    await page.getByLabel('Email address').fill('links@example.com');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.baseUrl}/portal/verify?sent`);
    await page.getByText('We mailed a link to links@example.com').waitFor();

    const confirm = await mailWith(/Confirm your e-mail address/);
    const verifyLink = linkIn(confirm, '/portal/verify?token=');
    expect(confirm.html).toContain(`href="${verifyLink}"`);
    await page.goto(verifyLink);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByText('your address is confirmed').waitFor();
    // The link works once.
    await page.goto(verifyLink);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByText('This link is not valid').waitFor();

    // Logged out, the password forgotten: the reset link arrives and sets a new one.
    const other = await newPage(browser);
    await other.page.goto(`${server.baseUrl}/portal/login`);
    await other.page.getByRole('link', { name: 'Forgot your password?' }).click();
    await other.page.getByLabel('Email address').fill('links@example.com');
    await other.page.getByRole('button', { name: 'Mail me a reset link' }).click();
    await other.page.getByText('If an account has this address').waitFor();
    // An unknown address gets the same answer, and no mail.
    await other.page.getByLabel('Email address').fill('nobody@example.com');
    await other.page.getByRole('button', { name: 'Mail me a reset link' }).click();
    await other.page.getByText('If an account has this address').waitFor();

    const reset = await mailWith(/Reset your eabgate password/);
    expect(reset.rcptTos).toEqual(['links@example.com']);
    const resetLink = linkIn(reset, '/portal/reset?token=');
    await other.page.goto(resetLink);
    await other.page.getByLabel('New password').fill(NEW_PASSWORD);
    await other.page.getByLabel('Repeat password').fill(NEW_PASSWORD);
    await other.page.getByRole('button', { name: 'Set the new password' }).click();
    await other.page.waitForURL(`${server.baseUrl}/portal/login?reset`);
    await other.page.getByLabel('Email address').fill('links@example.com');
    await other.page.getByLabel('Password').fill(NEW_PASSWORD);
    await other.page.getByRole('button', { name: 'Log in' }).click();
    await other.page.waitForURL(`${server.baseUrl}/portal/orders`);

    // The used link is refused; the old password no longer logs in; the first browser's session ended.
    await other.page.goto(resetLink);
    await other.page.getByLabel('New password').fill('another password entirely');
    await other.page.getByLabel('Repeat password').fill('another password entirely');
    await other.page.getByRole('button', { name: 'Set the new password' }).click();
    await other.page.getByText('The reset link is not valid').first().waitFor();
    const old = await fetch(`${server.baseUrl}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'links@example.com', password: PASSWORD }) });
    expect(old.status).toBe(401);
    await page.goto(`${server.baseUrl}/portal/orders`);
    await page.waitForURL(/\/portal\/login\?next=/);

    expect(sink.messages().filter((m) => m.rcptTos.includes('nobody@example.com'))).toHaveLength(0);
    for (const m of sink.messages()) for (const secret of [PASSWORD, NEW_PASSWORD]) expect(m.raw).not.toContain(secret);
    expect(consoleErrors).toEqual([]);
  });
});
