import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { setContext } from '@apollo/client/link/context';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLClient } from 'graphql-request';
import type { RequestParameters } from 'relay-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { createApolloClient } from './support/web/apollo-client.js';
import { createRelayEnvironment } from './support/web/relay-network.js';
import { createUrqlClient } from './support/web/urql-client.js';

/**
 * The GraphQL clients people use, each with its documented defaults (and the README's set-ups),
 * against the gateway: a signed-in query, a mutation, a subscription where the client has them, and
 * Apollo's automatic persisted queries. urql's default GET queries are what CSRF prevention refused.
 */

// Node 20 has no WebSocket of its own; browsers do, and the README's set-ups use theirs.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

/** Every request the clients send, to check what went over the wire (urql's GET, APQ's hash-only bodies). */
const sent: { method: string; url: string; body?: string }[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const request = new Request(input, init);
  sent.push({ method: request.method, url: request.url, body: typeof init?.body === 'string' ? init.body : undefined });
  return realFetch(input, init);
};

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  await t?.stop();
});

const ME = 'query Me { me { username displayName } }';
const UPDATE = 'mutation Rename($name: String!) { updateProfile(input: { displayName: $name }) { displayName } }';
const CHANGE_PASSWORD =
  'mutation ChangePassword($current: String!, $next: String!) { changePassword(currentPassword: $current, ' +
  'newPassword: $next) }';
const NOTIFICATIONS = 'subscription Notifications { notificationAdded { title } }';

/**
 * Opens `subscribe`, waits until the gateway holds it, changes the user's password, and resolves with the
 * notification's title.
 */
async function passwordChangeSeenBy(
  user: Awaited<ReturnType<typeof signUp>>,
  subscribe: (onTitle: (title: string) => void) => () => void,
  changePassword: () => Promise<unknown>,
) {
  const titles: string[] = [];
  const unsubscribe = subscribe((title) => titles.push(title));
  try {
    await waitFor('the subscription at the gateway', () => t.stack.gateway.live.subscriptionsOf(user.id) === 1);
    await changePassword();
    return await waitFor('the password notification', () => titles.find((title) => /password/i.test(title)), 15_000);
  } finally {
    unsubscribe();
  }
}

describe('Apollo Client (the README set-up)', () => {
  it('queries signed in, mutates and subscribes', async () => {
    const user = await signUp(t, 'apollo');
    const client = createApolloClient(t.url, () => user.token);
    const me = await client.query({ query: gql(ME), fetchPolicy: 'network-only' });
    expect(me.data.me.username).toBe(user.username);
    const renamed = await client.mutate({ mutation: gql(UPDATE), variables: { name: 'Apollo Renamed' } });
    expect(renamed.data.updateProfile.displayName).toBe('Apollo Renamed');

    const title = await passwordChangeSeenBy(
      user,
      (onTitle) => {
        const subscription = client
          .subscribe({ query: gql(NOTIFICATIONS) })
          .subscribe({ next: (result) => onTitle(result.data.notificationAdded.title) });
        return () => subscription.unsubscribe();
      },
      () =>
        client.mutate({
          mutation: gql(CHANGE_PASSWORD),
          variables: { current: user.password, next: 'apollo passphrase 2' },
        }),
    );
    expect(title).toMatch(/password/i);
  });

  it('surfaces a bad token as UNAUTHENTICATED', async () => {
    const client = createApolloClient(t.url, () => 'not-a-token');
    const error = await client.query({ query: gql(ME), fetchPolicy: 'network-only' }).catch((e: unknown) => e);
    expect(JSON.stringify(error)).toContain('UNAUTHENTICATED');
  });

  it('sends persisted queries by hash, over POST (the default) and over GET', async () => {
    const user = await signUp(t, 'apq');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const auth = setContext((_, { headers }) => ({ headers: { ...headers, authorization: `Bearer ${user.token}` } }));
    const persisted = (options: { useGETForHashedQueries?: boolean }) =>
      new ApolloClient({
        link: auth.concat(createPersistedQueryLink({ sha256, ...options })).concat(new HttpLink({ uri: t.url })),
        cache: new InMemoryCache(),
      });
    const query = gql('query PersistedMe { me { username } }');

    const first = sent.length;
    const registered = await persisted({}).query({ query });
    expect(registered.data.me.username).toBe(user.username);
    // Unknown hash, then the text with its hash: the gateway now knows it.
    expect(sent.slice(first).map((r) => [r.method, r.body?.includes('PersistedMe {') ?? false])).toEqual([
      ['POST', false],
      ['POST', true],
    ]);

    for (const useGETForHashedQueries of [false, true]) {
      const before = sent.length;
      const answer = await persisted({ useGETForHashedQueries }).query({ query });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.me.username).toBe(user.username);
      const [only, ...more] = sent.slice(before);
      expect(more).toEqual([]);
      expect(only!.method).toBe(useGETForHashedQueries ? 'GET' : 'POST');
      expect(`${only!.url} ${only!.body ?? ''}`).not.toContain('PersistedMe {');
    }
  });
});

describe('urql (the README set-up, its defaults)', () => {
  it('queries over GET signed in, mutates over POST and subscribes', async () => {
    const user = await signUp(t, 'urql');
    const client = createUrqlClient(t.url, () => user.token);
    const before = sent.length;
    const me = await client.query(ME, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data.me.username).toBe(user.username);
    expect(sent.slice(before).map((r) => r.method)).toEqual(['GET']);

    const renamed = await client.mutation(UPDATE, { name: 'Urql Renamed' }).toPromise();
    expect(renamed.error).toBeUndefined();
    expect(renamed.data.updateProfile.displayName).toBe('Urql Renamed');

    const title = await passwordChangeSeenBy(
      user,
      (onTitle) =>
        client
          .subscription(NOTIFICATIONS, {})
          .subscribe((result) => result.data && onTitle(result.data.notificationAdded.title)).unsubscribe,
      async () =>
        expect(
          (await client.mutation(CHANGE_PASSWORD, { current: user.password, next: 'urql passphrase 2' }).toPromise())
            .error,
        ).toBeUndefined(),
    );
    expect(title).toMatch(/password/i);
  });

  it('surfaces a bad token as UNAUTHENTICATED', async () => {
    const result = await createUrqlClient(t.url, () => 'not-a-token')
      .query(ME, {})
      .toPromise();
    expect(result.error?.graphQLErrors.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('Relay (the fetch function from its docs)', () => {
  it('queries signed in and mutates', async () => {
    const user = await signUp(t, 'relay');
    const network = createRelayEnvironment(t.url, () => user.token).getNetwork();
    const params = (text: string, name: string, operationKind: 'query' | 'mutation'): RequestParameters => ({
      id: null,
      cacheID: name,
      name,
      operationKind,
      text,
      metadata: {},
    });
    const me = await network.execute(params(ME, 'Me', 'query'), {}, {}).toPromise();
    expect(me).toMatchObject({ data: { me: { username: user.username } } });
    const renamed = await network
      .execute(params(UPDATE, 'Rename', 'mutation'), { name: 'Relay Renamed' }, {})
      .toPromise();
    expect(renamed).toMatchObject({ data: { updateProfile: { displayName: 'Relay Renamed' } } });
  });
});

describe('graphql-request (its defaults)', () => {
  it('queries signed in and mutates, and reports a wrong token', async () => {
    const user = await signUp(t, 'gqlreq');
    const client = new GraphQLClient(t.url, { headers: () => ({ authorization: `Bearer ${user.token}` }) });
    expect(await client.request<{ me: { username: string } }>(ME)).toEqual({
      me: { username: user.username, displayName: user.displayName },
    });
    expect(await client.request(UPDATE, { name: 'Request Renamed' })).toEqual({
      updateProfile: { displayName: 'Request Renamed' },
    });
    const wrong = await new GraphQLClient(t.url, { headers: { authorization: 'Bearer not-a-token' } })
      .request(ME)
      .catch((e: { response?: { status: number } }) => e);
    expect((wrong as { response?: { status: number } }).response?.status).toBe(401);
  });
});

describe('CSRF prevention', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    realFetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers });

  it('lets GET queries through without a preflight header', async () => {
    const response = await get('{ __typename }');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a mutation over GET, without running it', async () => {
    const user = await signUp(t, 'csrfget');
    const response = await get('mutation { updateProfile(input: { displayName: "Changed By GET" }) { displayName } }', {
      authorization: `Bearer ${user.token}`,
    });
    expect(response.status).toBe(405);
    const me = await new GraphQLClient(t.url, { headers: { authorization: `Bearer ${user.token}` } }).request<{
      me: { displayName: string };
    }>(ME);
    expect(me.me.displayName).toBe(user.displayName);
  });

  it('refuses the POSTs a page on any origin can send unasked (form, text/plain, no content type)', async () => {
    const mutation = JSON.stringify({
      query:
        'mutation { register(input: { email: "csrf@example.com", username: "csrfvictim", password: "a long ' +
        'passphrase 42", displayName: "X" }) { accessToken } }',
    });
    for (const contentType of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      // Bytes, not a string: fetch would label a string text/plain itself.
      const response = await realFetch(t.url, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body: new TextEncoder().encode(mutation),
      });
      expect(response.status, String(contentType)).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
      expect(body.errors[0]!.message).toMatch(/Cross-Site Request Forgery/);
    }
    // The same request with a header that forces a preflight is an ordinary client's.
    const preflighted = await realFetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(preflighted.status).toBe(200);
  });
});

describe('the README', () => {
  it('shows the Apollo Client and urql set-ups this spec runs, as they are', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Using it from a web app'));
    for (const file of ['apollo-client.ts', 'urql-client.ts', 'relay-network.ts']) {
      const code = readFileSync(new URL(`./support/web/${file}`, import.meta.url), 'utf8');
      expect(section, file).toContain('```ts\n' + code + '```');
    }
  });
});
