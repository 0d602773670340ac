import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterDocument } from './generated/graphql.js';
import { ok } from './support/client.js';
import { newUser, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const CHROMIUM = '/usr/bin/chromium';

let t: TestStack;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  t = await startTestStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the schema explorer', () => {
  it('works offline: GraphiQL from the gateway\'s own assets runs a signed-in query and a live subscription', async () => {
    const user = newUser('explorer');
    const { register } = await ok(t.url, RegisterDocument, { input: user });
    const origin = new URL(t.url).origin;
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreign.push(request.url());
    });

    /** Types into GraphiQL's editor the way its own prettify does: through CodeMirror. */
    const setQuery = (query: string) =>
      page.evaluate((text) => {
        const host = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as { CodeMirror: { setValue(v: string): void } };
        host.CodeMirror.setValue(text);
      }, query);

    await page.goto(t.url, { waitUntil: 'networkidle' });
    await page.getByText('PeerLink explorer').waitFor();
    await page.getByLabel('Access token').fill(register.accessToken);
    // The toolbar applies (and stores) the token once typing pauses.
    await page.waitForFunction((token) => localStorage.getItem('peerlink.accessToken') === token, register.accessToken);

    await setQuery('{ me { username } }');
    await page.getByRole('button', { name: /execute query/i }).click();
    await page.locator('.graphiql-response').getByText(user.username).waitFor({ timeout: 10_000 });

    await setQuery('subscription { notificationAdded { title } }');
    await page.getByRole('button', { name: /execute query/i }).click();
    await waitFor('the explorer\'s subscription', () => t.stack.gateway.live.subscriptionsOf(register.user.id) === 1);
    const changed = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${register.accessToken}` },
      body: JSON.stringify({ query: `mutation { changePassword(currentPassword: "${user.password}", newPassword: "explorer passphrase 1") }` }),
    });
    expect(changed.status).toBe(200);
    await page.locator('.graphiql-response').getByText(/password was changed/).waitFor({ timeout: 15_000 });

    expect(foreign).toEqual([]);
    await page.close();
  });

  it('leaves non-browser GET requests to GraphQL', async () => {
    const response = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
