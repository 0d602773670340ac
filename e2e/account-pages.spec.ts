import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAccountDocument,
  CreateSessionDocument,
  MeDocument,
  RequestPasswordResetDocument,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import type { ReceivedMail } from './support/mailbox.js';
import { onGateway } from './support/payer-pages.js';
import { newUser, startTestStack, type TestStack } from './support/stack.js';
import { launchChromium, watchPage } from './support/browser.js';

/** The pages email links open, driven in headless Chromium as the person who got the email. */
const NEW_PASSWORD = 'a fresh passphrase 77';

let t: TestStack;
let browser: Browser;
beforeAll(async () => {
  t = await startTestStack();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The link in an email, moved onto the gateway under test (it listens on a port of its own). */
function linkIn(mail: ReceivedMail, path: string): string {
  const link = new RegExp(`https?://\\S+${path}\\?token=\\S+`).exec(mail.text)?.[0];
  if (!link) throw new Error(`no ${path} link in: ${mail.text}`);
  return onGateway(t, link).href;
}

/**
 * A page that records what it asked for outside the gateway and what the browser refused (a CSP
 * violation is reported on the console), so every test can check there was neither.
 */
async function openPage() {
  const page = await browser.newPage();
  return { page, clean: watchPage(page, new URL(t.url).origin) };
}

const status = (page: Page) => page.getByRole('status').or(page.getByRole('alert'));

async function register() {
  const input = newUser('pages');
  const { createAccount: register } = await ok(t.url, CreateAccountDocument, { input });
  return { ...input, token: register.accessToken };
}

describe('verify-email', () => {
  it('the link from the email confirms the address and says so; opened again, it says the link is used', async () => {
    const user = await register();
    const link = linkIn(await t.mailbox.waitFor(user.email, /Confirm your email address/), '/verify-email');
    const { page, clean } = await openPage();

    const response = await page.goto(link);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.getByRole('heading', { name: 'Email address confirmed' }).waitFor();
    await expect(status(page).textContent()).resolves.toMatch(/your email address is confirmed/);
    // The token leaves the address bar once read.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect((await ok(t.url, MeDocument, {}, user.token)).me?.emailVerified).toBe(true);

    await page.goto(link);
    await page.getByRole('heading', { name: 'Email address not confirmed' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/invalid, expired or already used/);
    clean();
    await page.close();
  });

  it('a made-up token, or none, is refused in words', async () => {
    const { page, clean } = await openPage();
    await page.goto(new URL('/verify-email?token=not-a-real-token', t.url).href);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/invalid, expired or already used/);
    await page.goto(new URL('/verify-email', t.url).href);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/no token/);
    clean();
    await page.close();
  });
});

describe('reset-password', () => {
  it('the form refuses a weak password, then sets a new one that signs in', async () => {
    const user = await register();
    await ok(t.url, RequestPasswordResetDocument, { email: user.email });
    const link = linkIn(await t.mailbox.waitFor(user.email, /Reset your PeerLink password/), '/reset-password');
    const { page, clean } = await openPage();
    await page.goto(link);

    const password = page.getByLabel('New password', { exact: true });
    const again = page.getByLabel('New password again');
    const submit = page.getByRole('button', { name: 'Set the new password' });

    // Two that differ never reach the API.
    await password.fill(NEW_PASSWORD);
    await again.fill(`${NEW_PASSWORD}!`);
    await submit.click();
    await page.getByText('The two passwords differ.').waitFor();
    await expect(again.getAttribute('aria-invalid')).resolves.toBe('true');

    // The API's own rule, shown beside the field, and the form stays.
    const weak = `${user.username}-secret`;
    await password.fill(weak);
    await again.fill(weak);
    await submit.click();
    await page.getByText('Passwords must not contain your username or email.').waitFor();
    await expect(password.getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await codes(t.url, CreateSessionDocument, { input: { login: user.username, password: weak } })).toEqual([
      'UNAUTHENTICATED',
    ]);

    await password.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    await expect(password.isVisible()).resolves.toBe(false);

    const { createSession: login } = await ok(t.url, CreateSessionDocument, {
      input: { login: user.username, password: NEW_PASSWORD },
    });
    expect(login.user.username).toBe(user.username);
    expect(
      await codes(t.url, CreateSessionDocument, { input: { login: user.username, password: user.password } }),
    ).toEqual(['UNAUTHENTICATED']);

    // The same link again: used.
    await page.goto(link);
    await password.fill('another fine passphrase 5');
    await again.fill('another fine passphrase 5');
    await submit.click();
    await page.getByRole('heading', { name: 'Password not changed' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/invalid, expired or already used/);
    clean();
    await page.close();
  });

  it("a bogus token is refused and nobody's password changes", async () => {
    const { page, clean } = await openPage();
    await page.goto(new URL('/reset-password?token=bogus', t.url).href);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/invalid, expired or already used/);
    await expect(page.getByRole('button', { name: 'Set the new password' }).isVisible()).resolves.toBe(false);
    clean();
    await page.close();
  });
});
