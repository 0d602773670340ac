import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  BlockDocument,
  ChatEventsDocument,
  ConversationDocument,
  ConversationsDocument,
  CreateGroupDocument,
  MessagesDocument,
  OpenDirectConversationDocument,
  SendMessageDocument,
  UnblockDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { member, type Member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

/** Chat learns of accounts from identity's events; opening is idempotent, so it is retried until then. */
async function openDirect(from: Member, to: Member) {
  return waitFor(`a conversation between ${from.username} and ${to.username}`, async () =>
    (await request(t.url, OpenDirectConversationDocument, { userId: to.id }, { token: from.token })).data?.openDirectConversation,
  );
}

async function createGroup(owner: Member, title: string, others: Member[]) {
  return waitFor(`the group ${title}`, async () =>
    (await request(t.url, CreateGroupDocument, { title, memberIds: others.map((o) => o.id) }, { token: owner.token })).data?.createGroup,
  );
}

const send = async (from: Member, conversationId: string, body: string, clientMessageId?: string) =>
  (await ok(t.url, SendMessageDocument, { input: { conversationId, body, clientMessageId } }, from.token)).sendMessage;

async function subscribe(user: Member, conversationId?: string) {
  const client = wsClient(t.url, user.token);
  const before = t.stack.gateway.live.subscriptionsOf(user.id);
  const subscription = new Subscription(client, ChatEventsDocument, conversationId ? { conversationId } : {});
  await waitFor(`${user.username}'s chat subscription`, () => t.stack.gateway.live.subscriptionsOf(user.id) > before);
  return { subscription, close: () => client.dispose() };
}

describe('direct conversations', () => {
  it('are one per pair, from either side, and hold the messages both send', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const opened = await openDirect(ada, bob);
    expect(opened.kind).toBe('DIRECT');
    expect(opened.members.map((m) => m.user.username).sort()).toEqual([ada.username, bob.username].sort());
    expect((await openDirect(bob, ada)).id).toBe(opened.id);
    expect((await openDirect(ada, bob)).id).toBe(opened.id);

    const first = await send(ada, opened.id, 'hello bob', 'client-1');
    // A retried send returns the message already stored.
    expect((await send(ada, opened.id, 'hello bob', 'client-1')).id).toBe(first.id);
    await send(bob, opened.id, 'hi ada');
    await send(ada, opened.id, 'how are you?');

    const inbox = (await ok(t.url, ConversationsDocument, {}, bob.token)).conversations.edges.map((e) => e.node);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ id: opened.id, unreadCount: 1, lastMessage: { body: 'how are you?', sender: { username: ada.username } } });

    const page = (await ok(t.url, MessagesDocument, { conversationId: opened.id, first: 2 }, bob.token)).messages;
    expect(page.edges.map((e) => e.node.body)).toEqual(['how are you?', 'hi ada']);
    const older = (await ok(t.url, MessagesDocument, { conversationId: opened.id, first: 2, before: page.pageInfo.endCursor }, bob.token)).messages;
    expect(older.edges.map((e) => e.node.body)).toEqual(['hello bob']);
    expect(older.pageInfo.hasNextPage).toBe(false);
  });

  it('are closed to everyone else', async () => {
    const [ada, bob, eve] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    await send(ada, id, 'private');
    expect(await codes(t.url, ConversationDocument, { id }, eve.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, MessagesDocument, { conversationId: id }, eve.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'let me in' } }, eve.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, MessagesDocument, { conversationId: id })).toEqual(['UNAUTHENTICATED']);
    expect((await ok(t.url, ConversationsDocument, {}, eve.token)).conversations.edges).toEqual([]);
  });

  it('refuse bad input', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: ada.id }, ada.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: UNKNOWN }, ada.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: '  ' } }, ada.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'x'.repeat(4001) } }, ada.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: UNKNOWN, body: 'hi' } }, ada.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, CreateGroupDocument, { title: ' ', memberIds: [bob.id] }, ada.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, CreateGroupDocument, { title: 'x', memberIds: [UNKNOWN] }, ada.token)).toEqual(['NOT_FOUND']);
    expect((await ok(t.url, MessagesDocument, { conversationId: id }, ada.token)).messages.edges).toEqual([]);
  });

  it('respect blocks from the social network', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    await ok(t.url, BlockDocument, { userId: bob.id }, ada.token);
    await waitFor('chat to learn of the block', async () => (await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'hey' } }, bob.token))[0] === 'FORBIDDEN');
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: ada.id }, bob.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'hey' } }, ada.token)).toEqual(['FORBIDDEN']);
    await ok(t.url, UnblockDocument, { userId: bob.id }, ada.token);
    await waitFor('chat to learn of the unblock', async () => !(await request(t.url, SendMessageDocument, { input: { conversationId: id, body: 'friends again' } }, { token: bob.token })).errors);
  });
});

describe('groups', () => {
  it('are created with their owner and members', async () => {
    const [owner, a, b] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'Book club', [a, b, a]);
    expect(group).toMatchObject({ kind: 'GROUP', title: 'Book club' });
    const roles = Object.fromEntries(group.members.map((m) => [m.user.id, m.role]));
    expect(roles).toEqual({ [owner.id]: 'OWNER', [a.id]: 'MEMBER', [b.id]: 'MEMBER' });
  });
});

describe('chatEvent', () => {
  it('delivers new messages live to every member, with the sender resolved from identity; outsiders get nothing', async () => {
    const [owner, a, b, outsider, outsidersFriend] = await Promise.all([
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
    ]);
    const group = await createGroup(owner, 'Live group', [a, b]);
    const own = await openDirect(outsider, outsidersFriend);
    const aLive = await subscribe(a);
    const bLive = await subscribe(b, group.id);
    const outsiderLive = await subscribe(outsider);

    const sent = await send(owner, group.id, 'hello group');
    for (const live of [aLive, bLive]) {
      const event = await waitFor('the message', () => live.subscription.results[0]);
      expect(event.errors).toBeUndefined();
      expect(event.data?.chatEvent).toEqual({
        kind: 'MESSAGE_ADDED',
        conversation: { id: group.id },
        message: { id: sent.id, body: 'hello group', createdAt: sent.createdAt, deleted: false, sender: { id: owner.id, username: owner.username, displayName: owner.displayName } },
      });
    }
    // In order: a second message arrives second.
    await send(a, group.id, 'second');
    await waitFor('the second message', () => bLive.subscription.results[1]);
    expect(bLive.subscription.results.map((r) => r.data?.chatEvent.message?.body)).toEqual(['hello group', 'second']);

    // Once the outsider has a later message of their own, the group's earlier ones can no longer reach them.
    await send(outsidersFriend, own.id, 'just us');
    await waitFor('the outsider’s own message', () => outsiderLive.subscription.results.length > 0);
    expect(outsiderLive.subscription.results.map((r) => r.data?.chatEvent.message?.body)).toEqual(['just us']);
    await Promise.all([aLive.close(), bLive.close(), outsiderLive.close()]);
  });
});
