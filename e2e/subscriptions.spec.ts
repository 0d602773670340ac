import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangePasswordDocument, NotificationAddedDocument, RegisterDocument } from './generated/graphql.js';
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

    await ok(t.url, ChangePasswordDocument, { currentPassword: input.password, newPassword: 'another long passphrase 7' }, register.accessToken);

    const security = await waitFor('the security notification', () =>
      subscription.results.find((r) => r.data?.notificationAdded.kind === 'SECURITY'),
    );
    expect(security.errors).toBeUndefined();
    expect(security.data?.notificationAdded.actor).toEqual({ username: input.username, displayName: input.displayName });
    subscription.stop();
    await client.dispose();
  });
});
