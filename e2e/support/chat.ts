import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  ChatEventsDocument,
  CreateGroupDocument,
  OpenDirectConversationDocument,
  SendMessageDocument,
  type ChatEventsSubscription,
} from '../generated/graphql.js';
import { ok, request, Subscription, wsClient } from './client.js';
import type { Member } from './social.js';
import type { TestStack } from './stack.js';

/** Chat through the gateway for specs on `stack()`, the test stack their beforeAll starts. */
export function chatHelpers(stack: () => TestStack) {
  /** Chat learns of accounts from identity's events; opening is idempotent, so it is retried until then. */
  async function openDirect(from: Member, to: Member) {
    return waitFor(
      `a conversation between ${from.username} and ${to.username}`,
      async () =>
        (await request(stack().url, OpenDirectConversationDocument, { userId: to.id }, { token: from.token })).data
          ?.openDirectConversation,
    );
  }

  async function createGroup(owner: Member, title: string, others: Member[]) {
    return waitFor(
      `the group ${title}`,
      async () =>
        (
          await request(
            stack().url,
            CreateGroupDocument,
            { title, memberIds: others.map((o) => o.id) },
            { token: owner.token },
          )
        ).data?.createGroup,
    );
  }

  const send = async (from: Member, conversationId: string, body: string, clientMessageId?: string) =>
    (await ok(stack().url, SendMessageDocument, { input: { conversationId, body, clientMessageId } }, from.token))
      .sendMessage;

  /** A live subscription, once the gateway holds it: whatever happens from then on reaches it. */
  async function subscribe<T = ChatEventsSubscription>(
    user: Member,
    conversationId?: string,
    document: TypedDocumentNode<T, any> = ChatEventsDocument as never,
  ) {
    const t = stack();
    const client = wsClient(t.url, user.token);
    const before = t.stack.gateway.live.subscriptionsOf(user.id);
    const subscription = new Subscription(client, document, conversationId ? { conversationId } : {});
    await waitFor(`${user.username}'s chat subscription`, () => t.stack.gateway.live.subscriptionsOf(user.id) > before);
    return { subscription, close: () => client.dispose() };
  }

  return { openDirect, createGroup, send, subscribe };
}
