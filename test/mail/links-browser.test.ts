/**
 * The links in mails work in a real browser: a customer signs up in the portal (Chromium), the confirmation
 * mail arrives at a real SMTP server, its link confirms the address; "forgot password" mails a reset link
 * that sets a new password once, and the old password and the used link stop working. An approver opens
 * the link of an approver e-mail (BR 3.2.2.4.4) and approves once; the same link is refused after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../support/server.js';
import { startSmtpSink, type SmtpSink, type SunkMail } from '../support/smtp-sink.js';
import { launch, newPage, PASSWORD, placeOrder, startPortal } from '../portal/support.js';

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
async function mailWith(subject: RegExp, n = 1, to?: string): Promise<SunkMail> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = sink.messages().filter((m) => subject.test(m.headers.subject ?? '') && (to === undefined || m.rcptTos.includes(to)));
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

  it('an approver e-mail’s link approves the name once in the browser; the order is issued; a second use is refused', async () => {
    const { page, consoleErrors } = await newPage(browser);
    await page.goto(`${server.baseUrl}/portal/signup`);
    await page.getByLabel('Email address').fill('approver-owner@example.com');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.baseUrl}/portal/verify?sent`);
    const verify = await mailWith(/Confirm your e-mail address/, 1, 'approver-owner@example.com');
    await page.goto(linkIn(verify, '/portal/verify?token='));
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByText('your address is confirmed').waitFor();

    const { orderNumber } = await placeOrder(page, server.baseUrl, { domains: 'approve-browser.example.net', product: 'dv', www: false });
    await page.goto(`${server.baseUrl}/portal/orders/${encodeURIComponent(orderNumber)}`);
    await page.locator('#approver-email').getByLabel('Address').selectOption('hostmaster');
    await page.getByRole('button', { name: 'Mail the approval request' }).click();
    await page.getByText('The approval request is on its way to hostmaster@approve-browser.example.net.').waitFor();

    const request = await mailWith(/Confirm the certificate order for approve-browser\.example\.net/, 1, 'hostmaster@approve-browser.example.net');
    expect(request.rcptTos).toEqual(['hostmaster@approve-browser.example.net']);
    const approveLink = linkIn(request, '/portal/approve?value=');
    expect(request.html).toContain(`href="${approveLink}"`);

    // The approver is someone else: a fresh browser context, no session.
    const approver = await newPage(browser);
    await approver.page.goto(approveLink);
    await expect(approver.page.getByLabel('Approval value (from the mail)').inputValue()).resolves.toBe(new URL(approveLink).searchParams.get('value'));
    await approver.page.getByRole('button', { name: 'Approve the certificate' }).click();
    await approver.page.getByText(`Thank you: approved. The order ${orderNumber} goes on (status: issued).`).waitFor();
    expect(await approver.page.getByText('approver-owner@example.com').count()).toBe(0);

    // The same link again: refused, nothing changes.
    await approver.page.goto(approveLink);
    await approver.page.getByRole('button', { name: 'Approve the certificate' }).click();
    await approver.page.getByText('not a valid approval value').waitFor();
    expect(await approver.page.getByText('Thank you: approved').count()).toBe(0);

    // The owner sees the name validated by approver e-mail and the order issued.
    await page.goto(`${server.baseUrl}/portal/orders/${encodeURIComponent(orderNumber)}`);
    await page.getByText('issued', { exact: false }).first().waitFor();
    expect(consoleErrors).toEqual([]);
    expect(approver.consoleErrors).toEqual([]);
  });
});
