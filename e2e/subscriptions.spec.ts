import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChangePasswordDocument,
  MeDocument,
  NotificationAddedDocument,
  PostDocument,
  RegisterDocument,
} from './generated/graphql.js';
import { ok, Subscription, wsClient } from './support/client.js';
import { newUser, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

describe('notificationAdded', () => {
  it('delivers a security notification with the actor resolved from identity', async () => {
    const input = newUser('live');
    const { register } = await ok(t.url, RegisterDocument, { input });
    const client = wsClient(t.url, register.accessToken);
    const subscription = new Subscription(client, NotificationAddedDocument);
    await waitFor('the subscription to be live', () => t.stack.gateway.live.subscriptionsOf(register.user.id) === 1);

    await ok(
      t.url,
      ChangePasswordDocument,
      { currentPassword: input.password, newPassword: 'another long passphrase 7' },
      register.accessToken,
    );

    const security = await waitFor('the security notification', () =>
      subscription.results.find((r) => r.data?.notificationAdded!.kind === 'SECURITY'),
    );
    expect(security.errors).toBeUndefined();
    expect(security.data?.notificationAdded!.actor).toEqual({
      username: input.username,
      displayName: input.displayName,
    });
    subscription.stop();
    await client.dispose();
  });
});

describe('queries over the socket', () => {
  it('answer a coded error as a result, and the socket and its subscriptions live on', async () => {
    const input = newUser('wsquery');
    const { register } = await ok(t.url, RegisterDocument, { input });
    const client = wsClient(t.url, register.accessToken);
    let closed: unknown;
    client.on('closed', (event) => {
      closed = event;
    });
    const live = new Subscription(client, NotificationAddedDocument);
    await waitFor('the subscription to be live', () => t.stack.gateway.live.subscriptionsOf(register.user.id) === 1);

    const missing = new Subscription(client, PostDocument, { id: '00000000-0000-7000-8000-000000000000' });
    await waitFor("the missing post's answer", () => missing.completed);
    expect(missing.error).toBeUndefined();
    expect(missing.results.map((r) => r.errors?.map((e) => e.extensions?.code))).toEqual([['NOT_FOUND']]);
    const me = new Subscription(client, MeDocument);
    await waitFor("the next query's answer", () => me.completed);
    expect(me.results[0]?.data?.me?.username).toBe(input.username);

    await ok(
      t.url,
      ChangePasswordDocument,
      { currentPassword: input.password, newPassword: 'another long passphrase 8' },
      register.accessToken,
    );
    await waitFor('the security notification on the same socket', () =>
      live.results.find((r) => r.data?.notificationAdded!.kind === 'SECURITY'),
    );
    expect(closed).toBeUndefined();
    live.stop();
    await client.dispose();
  });
});
