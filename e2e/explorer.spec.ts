import {
  buildClientSchema,
  getIntrospectionQuery,
  getOperationAST,
  NoDeprecatedCustomRule,
  parse,
  validate,
  type IntrospectionQuery,
} from 'graphql';
import { EXPLORER_EXAMPLES } from '@peerlink/gateway/explorer-examples';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterDocument } from './generated/graphql.js';
import { ok } from './support/client.js';
import { newUser, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { launchChromium } from './support/browser.js';

/** The tabs the explorer opens on, in order. */
const EXAMPLE_NAMES = ['WhoAmI', 'CreateAccount', 'SignIn', 'HomeFeed', 'SearchProducts', 'LiveNotifications'];

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

describe('the schema explorer', () => {
  it("works offline: GraphiQL from the gateway's own assets runs its signed-in examples, a query and a live subscription", async () => {
    const user = newUser('explorer');
    const { register } = await ok(t.url, RegisterDocument, { input: user });
    const origin = new URL(t.url).origin;
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreign.push(request.url());
    });

    /** Switches tabs, and waits until the editor holds that tab's operation: GraphiQL swaps it in after the click. */
    const openTab = async (name: string) => {
      await page.locator('.graphiql-tab').getByText(name, { exact: true }).click();
      await page.waitForFunction((operation) => {
        const host = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as {
          CodeMirror: { getValue(): string };
        };
        return new RegExp(`\\b${operation}\\b`).test(host.CodeMirror.getValue());
      }, name);
    };

    await page.goto(t.url, { waitUntil: 'networkidle' });
    await page.getByText('PeerLink explorer').waitFor();
    expect(await page.locator('.graphiql-tab').allInnerTexts()).toEqual(EXAMPLE_NAMES);
    await page.getByLabel('Access token').fill(register.accessToken);
    // The toolbar applies (and stores) the token once typing pauses.
    await page.waitForFunction((token) => localStorage.getItem('peerlink.accessToken') === token, register.accessToken);

    await openTab('WhoAmI');
    await page.getByRole('button', { name: /execute query/i }).click();
    await page
      .locator('.graphiql-response')
      .getByText(`"${user.username}"`, { exact: true })
      .waitFor({ timeout: 10_000 });

    await openTab('LiveNotifications');
    await page.getByRole('button', { name: /execute query/i }).click();
    await waitFor("the explorer's subscription", () => t.stack.gateway.live.subscriptionsOf(register.user.id) === 1);
    const changed = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${register.accessToken}` },
      body: JSON.stringify({
        query: `mutation { changePassword(currentPassword: "${user.password}", newPassword: "explorer passphrase 1") }`,
      }),
    });
    expect(changed.status).toBe(200);
    await page
      .locator('.graphiql-response')
      .getByText(/password was changed/)
      .waitFor({ timeout: 15_000 });

    expect(foreign).toEqual([]);
    await page.close();
  });

  it('loads the schema at the default limits: the Docs pane lists the root types and the editor offers fields', async () => {
    const page = await browser.newPage();
    await page.goto(t.url, { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const rootTypes = page.locator('.graphiql-doc-explorer-root-type').locator('..');
    await rootTypes.last().waitFor({ timeout: 10_000 });
    expect(await rootTypes.allInnerTexts()).toEqual([
      'query: Query',
      'mutation: Mutation',
      'subscription: Subscription',
    ]);
    await expect(page.getByText('Error fetching schema').count()).resolves.toBe(0);

    await page.locator('.graphiql-tab-add').click();
    await page.evaluate(() => {
      const host = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as {
        CodeMirror: { setValue(v: string): void };
      };
      host.CodeMirror.setValue('');
    });
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.type('{ m');
    const hints = page.locator('.CodeMirror-hints .CodeMirror-hint');
    await hints.getByText('me', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await hints.allInnerTexts()).toContain('me');
    await page.close();
  });

  it('opens on examples that are valid against the schema it serves, and run as written', async () => {
    const post = async (body: object, token?: string) => {
      const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
      return (await (await fetch(t.url, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as {
        data?: any;
        errors?: unknown[];
      };
    };
    const schema = buildClientSchema((await post({ query: getIntrospectionQuery() })).data as IntrospectionQuery);
    const operations = EXPLORER_EXAMPLES.map((example) => getOperationAST(parse(example.query)));
    expect(operations.map((operation) => operation?.name?.value)).toEqual(EXAMPLE_NAMES);

    // In tab order, as a newcomer would: the account CreateAccount makes signs in the rest.
    let token: string | undefined;
    for (const [i, example] of EXPLORER_EXAMPLES.entries()) {
      expect(validate(schema, parse(example.query)).map((e) => e.message)).toEqual([]);
      // A newcomer's first tour should not teach names that are on their way out.
      expect(validate(schema, parse(example.query), [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([]);
      if (operations[i]!.operation === 'subscription') continue;
      const result = await post(
        { query: example.query, variables: example.variables ? JSON.parse(example.variables) : undefined },
        token,
      );
      expect([EXAMPLE_NAMES[i], result.errors]).toEqual([EXAMPLE_NAMES[i], undefined]);
      token ??= result.data.createAccount?.accessToken;
    }
    expect(token).toBeTruthy();
  });

  it('leaves non-browser GET requests to GraphQL', async () => {
    const response = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
