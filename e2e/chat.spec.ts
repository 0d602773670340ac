import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AddGroupMembersDocument,
  BlockDocument,
  ChatEventLookupDocument,
  ChatNotificationsDocument,
  DeleteFileDocument,
  DeleteMessageDocument,
  EditMessageDocument,
  FileDocument,
  GroupMembersDocument,
  LeaveConversationDocument,
  MarkDeliveredDocument,
  MarkReadDocument,
  MessageAttachmentsDocument,
  MessageReceiptsDocument,
  RemoveGroupMemberDocument,
  RestoreFileDocument,
  RenameGroupDocument,
  SetMemberRoleDocument,
  SetTypingDocument,
  ChatEventsAlikeDocument,
  ChatEventsWithUnreadDocument,
  ConversationDocument,
  ConversationsDocument,
  CreateGroupDocument,
  MessagesDocument,
  OpenDirectConversationDocument,
  SendMessageDocument,
  UnblockDocument,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { codes, ok, request } from './support/client.js';
import { upload } from './support/drive.js';
import { member, type Member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { recordStatements } from './support/statements.js';

let t: TestStack;
beforeAll(async () => {
  // Missed messages become notifications after 2 s here, so the test of it stays short.
  t = await startTestStack({ CHAT_MISSED_AFTER_SECONDS: '2' });
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

const { openDirect, createGroup, send, subscribe } = chatHelpers(() => t);

describe('direct conversations', () => {
  it('are one per pair, from either side, and hold the messages both send', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const opened = await openDirect(ada, bob);
    expect(opened.kind).toBe('DIRECT');
    expect(opened.members.map((m) => m.user!.username).sort()).toEqual([ada.username, bob.username].sort());
    expect((await openDirect(bob, ada)).id).toBe(opened.id);
    expect((await openDirect(ada, bob)).id).toBe(opened.id);

    const first = await send(ada, opened.id, 'hello bob', 'client-1');
    // A retried send returns the message already stored, even when retries race each other.
    expect((await send(ada, opened.id, 'hello bob', 'client-1')).id).toBe(first.id);
    const raced = await Promise.all([
      send(ada, opened.id, 'again', 'client-2'),
      send(ada, opened.id, 'again', 'client-2'),
      send(ada, opened.id, 'again', 'client-2'),
    ]);
    expect(new Set(raced.map((m) => m.id)).size).toBe(1);
    await send(bob, opened.id, 'hi ada');
    await send(ada, opened.id, 'how are you?');

    const inbox = (await ok(t.url, ConversationsDocument, {}, bob.token)).conversations.edges.map((e) => e.node);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      id: opened.id,
      unreadCount: 1,
      lastMessage: { body: 'how are you?', sender: { username: ada.username } },
    });

    const page = (await ok(t.url, MessagesDocument, { conversationId: opened.id, first: 2 }, bob.token)).messages;
    expect(page.edges.map((e) => e.node.body)).toEqual(['how are you?', 'hi ada']);
    const older = (
      await ok(
        t.url,
        MessagesDocument,
        { conversationId: opened.id, first: 2, before: page.pageInfo.endCursor },
        bob.token,
      )
    ).messages;
    expect(older.edges.map((e) => e.node.body)).toEqual(['again', 'hello bob']);
    expect(older.pageInfo.hasNextPage).toBe(false);
  });

  it('are closed to everyone else', async () => {
    const [ada, bob, eve] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    await send(ada, id, 'private');
    expect(await codes(t.url, ConversationDocument, { id }, eve.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, MessagesDocument, { conversationId: id }, eve.token)).toEqual(['NOT_FOUND']);
    expect(
      await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'let me in' } }, eve.token),
    ).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, MessagesDocument, { conversationId: id })).toEqual(['UNAUTHENTICATED']);
    expect((await ok(t.url, ConversationsDocument, {}, eve.token)).conversations.edges).toEqual([]);
  });

  it('refuse bad input', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: ada.id }, ada.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: UNKNOWN }, ada.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: '  ' } }, ada.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'x'.repeat(4001) } }, ada.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(t.url, SendMessageDocument, { input: { conversationId: UNKNOWN, body: 'hi' } }, ada.token),
    ).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, CreateGroupDocument, { title: ' ', memberIds: [bob.id] }, ada.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CreateGroupDocument, { title: 'x', memberIds: [UNKNOWN] }, ada.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect((await ok(t.url, MessagesDocument, { conversationId: id }, ada.token)).messages.edges).toEqual([]);
  });

  it('respect blocks from the social network', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    await ok(t.url, BlockDocument, { userId: bob.id }, ada.token);
    await waitFor(
      'chat to learn of the block',
      async () =>
        (await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'hey' } }, bob.token))[0] ===
        'FORBIDDEN',
    );
    expect(await codes(t.url, OpenDirectConversationDocument, { userId: ada.id }, bob.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, SendMessageDocument, { input: { conversationId: id, body: 'hey' } }, ada.token)).toEqual([
      'FORBIDDEN',
    ]);
    await ok(t.url, UnblockDocument, { userId: bob.id }, ada.token);
    await waitFor(
      'chat to learn of the unblock',
      async () =>
        !(
          await request(
            t.url,
            SendMessageDocument,
            { input: { conversationId: id, body: 'friends again' } },
            { token: bob.token },
          )
        ).errors,
    );
  });
});

describe('groups', () => {
  it('are created with their owner and members', async () => {
    const [owner, a, b] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'Book club', [a, b, a]);
    expect(group).toMatchObject({ kind: 'GROUP', title: 'Book club' });
    const roles = Object.fromEntries(group.members.map((m) => [m.user!.id, m.role]));
    expect(roles).toEqual({ [owner.id]: 'OWNER', [a.id]: 'MEMBER', [b.id]: 'MEMBER' });
  });
});

describe('outsiders and bad input', () => {
  it('are refused by every conversation operation, and change nothing', async () => {
    const [owner, member_, outsider] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'Closed', [member_]);
    const message = await send(owner, group.id, 'members only');
    const id = group.id;
    for (const [document, variables] of [
      [MarkReadDocument, { conversationId: id, upToMessageId: message.id }],
      [MarkDeliveredDocument, { conversationId: id, upToMessageId: message.id }],
      [SetTypingDocument, { conversationId: id }],
      [EditMessageDocument, { id: message.id, body: 'mine now' }],
      [DeleteMessageDocument, { id: message.id }],
      [RenameGroupDocument, { conversationId: id, title: 'Taken' }],
      [AddGroupMembersDocument, { conversationId: id, userIds: [outsider.id] }],
      [LeaveConversationDocument, { conversationId: id }],
    ] as const) {
      expect(await codes(t.url, document as never, variables as never, outsider.token)).toEqual(['NOT_FOUND']);
    }
    // The lookup behind chatEvent checks membership too.
    const liveId = Buffer.from(['MESSAGE_ADDED', id, message.id, '-'].join(':')).toString('base64url');
    expect(await codes(t.url, ChatEventLookupDocument, { id: liveId }, outsider.token)).toEqual(['NOT_FOUND']);
    expect((await ok(t.url, ChatEventLookupDocument, { id: liveId }, member_.token)).chatEventById.message?.body).toBe(
      'members only',
    );
    expect(await codes(t.url, ChatEventLookupDocument, { id: 'garbage' }, member_.token)).toEqual(['NOT_FOUND']);

    expect(await codes(t.url, RenameGroupDocument, { conversationId: id, title: ' ' }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      await codes(
        t.url,
        SetMemberRoleDocument,
        { conversationId: id, userId: outsider.id, role: 'ADMIN' },
        owner.token,
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      await codes(t.url, RemoveGroupMemberDocument, { conversationId: id, userId: outsider.id }, owner.token),
    ).toEqual(['NOT_FOUND']);
    expect(
      await codes(t.url, RemoveGroupMemberDocument, { conversationId: id, userId: owner.id }, owner.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ConversationsDocument, { first: 0 }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, MessagesDocument, { conversationId: id, before: 'not a cursor' }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);

    const { conversation } = await ok(t.url, GroupMembersDocument, { id }, owner.token);
    expect(conversation.title).toBe('Closed');
    expect(conversation.members).toHaveLength(2);
    expect(
      (await ok(t.url, MessagesDocument, { conversationId: id }, member_.token)).messages.edges.map((e) => e.node.body),
    ).toEqual(['members only']);
  });
});

describe('receipts', () => {
  it('move forward only, and give the sender a status: sent, delivered, read', async () => {
    const [ada, bob] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const { id } = await openDirect(ada, bob);
    const first = await send(ada, id, 'one');
    const second = await send(ada, id, 'two');
    const status = async (as: Member) =>
      (await ok(t.url, MessageReceiptsDocument, { conversationId: id }, as.token)).messages.edges.map((e) => [
        e.node.body,
        e.node.status,
      ]);
    expect(await status(ada)).toEqual([
      ['two', 'SENT'],
      ['one', 'SENT'],
    ]);
    expect(await status(bob)).toEqual([
      ['two', null],
      ['one', null],
    ]);

    expect(
      (await ok(t.url, MarkDeliveredDocument, { conversationId: id, upToMessageId: first.id }, bob.token)).markDelivered
        .unreadCount,
    ).toBe(2);
    expect(await status(ada)).toEqual([
      ['two', 'SENT'],
      ['one', 'DELIVERED'],
    ]);
    expect(
      (await ok(t.url, MarkReadDocument, { conversationId: id, upToMessageId: second.id }, bob.token)).markRead
        .unreadCount,
    ).toBe(0);
    // Going back is ignored: pointers only move forward.
    await ok(t.url, MarkDeliveredDocument, { conversationId: id, upToMessageId: first.id }, bob.token);
    expect(await status(ada)).toEqual([
      ['two', 'READ'],
      ['one', 'READ'],
    ]);
    const receipts = (await ok(t.url, MessageReceiptsDocument, { conversationId: id }, ada.token)).messages.edges[0]!
      .node.receipts;
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.user!.username).toBe(bob.username);
    expect(receipts[0]!.readAt).not.toBeNull();

    const elsewhere = await openDirect(bob, await member(t, 'chat'));
    const stray = await send(bob, elsewhere.id, 'not here');
    expect(await codes(t.url, MarkReadDocument, { conversationId: id, upToMessageId: stray.id }, bob.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(await codes(t.url, MarkReadDocument, { conversationId: id, upToMessageId: 'nope' }, bob.token)).toEqual([
      'NOT_FOUND',
    ]);
  });
});

describe('messages', () => {
  it('are edited by their sender and deleted by their sender or a group’s owner', async () => {
    const [owner, a, b] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'Edits', [a, b]);
    const mine = await send(a, group.id, 'typo');
    expect(await codes(t.url, EditMessageDocument, { id: mine.id, body: 'not yours' }, b.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, EditMessageDocument, { id: mine.id, body: ' ' }, a.token)).toEqual(['BAD_USER_INPUT']);
    const edited = (await ok(t.url, EditMessageDocument, { id: mine.id, body: 'fixed' }, a.token)).editMessage;
    expect(edited.body).toBe('fixed');
    expect(edited.editedAt).not.toBeNull();
    expect(await codes(t.url, DeleteMessageDocument, { id: mine.id }, b.token)).toEqual(['FORBIDDEN']);
    expect((await ok(t.url, DeleteMessageDocument, { id: mine.id }, owner.token)).deleteMessage).toBe(true);
    expect((await ok(t.url, MessagesDocument, { conversationId: group.id }, b.token)).messages.edges).toEqual([]);
    const outsider = await member(t, 'chat');
    expect(await codes(t.url, DeleteMessageDocument, { id: mine.id }, outsider.token)).toEqual(['NOT_FOUND']);
  });
});

describe('group membership', () => {
  it('is managed by owners and admins, and a removed member loses access at once', async () => {
    const [owner, a, b, c] = await Promise.all([
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
    ]);
    const group = await createGroup(owner, 'Team', [a, b]);
    expect(await codes(t.url, AddGroupMembersDocument, { conversationId: group.id, userIds: [c.id] }, a.token)).toEqual(
      ['FORBIDDEN'],
    );
    expect(await codes(t.url, RenameGroupDocument, { conversationId: group.id, title: 'Mine now' }, a.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      await codes(t.url, SetMemberRoleDocument, { conversationId: group.id, userId: b.id, role: 'ADMIN' }, a.token),
    ).toEqual(['FORBIDDEN']);

    await ok(t.url, SetMemberRoleDocument, { conversationId: group.id, userId: a.id, role: 'ADMIN' }, owner.token);
    await ok(t.url, AddGroupMembersDocument, { conversationId: group.id, userIds: [c.id] }, a.token);
    expect(
      (await ok(t.url, RenameGroupDocument, { conversationId: group.id, title: 'Team two' }, a.token)).renameGroup
        .title,
    ).toBe('Team two');
    // An admin removes members, not other admins or the owner.
    expect(
      await codes(t.url, RemoveGroupMemberDocument, { conversationId: group.id, userId: owner.id }, a.token),
    ).toEqual(['FORBIDDEN']);

    const bLive = await subscribe(b);
    await ok(t.url, RemoveGroupMemberDocument, { conversationId: group.id, userId: b.id }, a.token);
    expect(await codes(t.url, MessagesDocument, { conversationId: group.id }, b.token)).toEqual(['NOT_FOUND']);
    expect(
      await codes(t.url, SendMessageDocument, { input: { conversationId: group.id, body: 'still here?' } }, b.token),
    ).toEqual(['NOT_FOUND']);
    await send(owner, group.id, 'after b left');
    // b's own direct conversation gets a later message; the group's can no longer reach b.
    const friend = await member(t, 'chat');
    const direct = await openDirect(friend, b);
    await send(friend, direct.id, 'for b');
    await waitFor('b’s direct message', () =>
      bLive.subscription.results.some((r) => r.data?.chatEvent!.message?.body === 'for b'),
    );
    expect(bLive.subscription.results.filter((r) => r.data?.chatEvent!.conversation.id === group.id)).toEqual([]);
    await bLive.close();

    // The owner leaves; the admin takes over.
    expect(
      (await ok(t.url, LeaveConversationDocument, { conversationId: group.id }, owner.token)).leaveConversation,
    ).toBe(true);
    const members = (await ok(t.url, GroupMembersDocument, { id: group.id }, a.token)).conversation.members;
    expect(Object.fromEntries(members.map((m) => [m.user!.id, m.role]))).toEqual({ [a.id]: 'OWNER', [c.id]: 'MEMBER' });

    const { id: directId } = await openDirect(a, c);
    expect(
      await codes(t.url, AddGroupMembersDocument, { conversationId: directId, userIds: [owner.id] }, a.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, LeaveConversationDocument, { conversationId: directId }, a.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('attachments', () => {
  const attachmentsSeenBy = async (user: Member, conversationId: string) =>
    (await ok(t.url, MessageAttachmentsDocument, { conversationId }, user.token)).messages.edges.map((e) =>
      e.node.attachments.map((a) => a?.name),
    );

  it('are drive files the sender may read; members download them until they leave', async () => {
    const [ada, bob, carl, eve] = await Promise.all([
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
    ]);
    const mine = await upload(t.url, ada.token, 'minutes.txt', Buffer.from('what we decided'));
    const notMine = await upload(t.url, carl.token, 'secret.txt', Buffer.from('carl only'));
    const group = await createGroup(ada, 'Files', [bob]);
    const bobLive = await subscribe(bob, group.id);

    const sent = (
      await ok(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'see attached', attachmentIds: [mine.id, notMine.id] } },
        ada.token,
      )
    ).sendMessage;
    // Drive checks each file and answers; the message then shows the accepted ones, live.
    const shown = await waitFor('the attachments to be accepted', () =>
      bobLive.subscription.results.find(
        (r) => r.data?.chatEvent!.kind === 'MESSAGE_EDITED' && r.data.chatEvent.message?.id === sent.id,
      ),
    );
    expect(shown.data?.chatEvent!.message?.attachments).toEqual([{ id: mine.id, name: 'minutes.txt' }]);
    expect(await attachmentsSeenBy(bob, group.id)).toEqual([['minutes.txt']]);

    const [attachment] = (await ok(t.url, MessageAttachmentsDocument, { conversationId: group.id }, bob.token)).messages
      .edges[0]!.node.attachments;
    expect(await (await fetch(attachment!.downloadUrl!)).text()).toBe('what we decided');
    expect(await codes(t.url, FileDocument, { id: mine.id }, eve.token)).toEqual(['NOT_FOUND']);
    // Carl's file was refused: attaching gave nobody access to it, and Ada (only) is told which.
    expect(await codes(t.url, FileDocument, { id: notMine.id }, bob.token)).toEqual(['NOT_FOUND']);
    const refusedFor = async (user: Member, messageId: string) =>
      (await ok(t.url, MessageAttachmentsDocument, { conversationId: group.id }, user.token)).messages.edges.find(
        (e) => e.node.id === messageId,
      )!.node.refusedAttachmentIds;
    expect(await refusedFor(ada, sent.id)).toEqual([notMine.id]);
    expect(await refusedFor(bob, sent.id)).toEqual([]);
    // When nothing at all could be attached, the sender alone hears of it, live.
    const adaLive = await subscribe(ada, group.id);
    const nothing = (
      await ok(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'try again', attachmentIds: [notMine.id] } },
        ada.token,
      )
    ).sendMessage;
    await waitFor('the sender to hear of the refusal', () =>
      adaLive.subscription.results.find(
        (r) => r.data?.chatEvent!.kind === 'MESSAGE_EDITED' && r.data.chatEvent.message?.id === nothing.id,
      ),
    );
    // Bob would have been told with Ada, before anything Ada sends next: once that reaches him, his silence means
    // something.
    const next = (
      await ok(t.url, SendMessageDocument, { input: { conversationId: group.id, body: 'never mind' } }, ada.token)
    ).sendMessage;
    await waitFor('bob to get the next message', () =>
      bobLive.subscription.results.find(
        (r) => r.data?.chatEvent!.kind === 'MESSAGE_ADDED' && r.data.chatEvent.message?.id === next.id,
      ),
    );
    expect(
      bobLive.subscription.results.filter(
        (r) => r.data?.chatEvent!.kind === 'MESSAGE_EDITED' && r.data.chatEvent.message?.id === nothing.id,
      ),
    ).toEqual([]);
    expect(await refusedFor(ada, nothing.id)).toEqual([notMine.id]);
    await adaLive.close();
    await ok(t.url, DeleteMessageDocument, { id: nothing.id }, ada.token);

    expect(
      await codes(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'x', attachmentIds: ['nope'] } },
        ada.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const eleven = Array.from({ length: 11 }, (_, i) => `0195f000-0000-7000-8000-${String(i).padStart(12, '0')}`);
    expect(
      await codes(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'x', attachmentIds: eleven } },
        ada.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);

    const sentSeenBy = async (user: Member) =>
      (await ok(t.url, MessageAttachmentsDocument, { conversationId: group.id }, user.token)).messages.edges
        .find((e) => e.node.id === sent.id)!
        .node.attachments.map((a) => a?.name ?? null);
    // In Ada's trash the file is hers alone, and cannot be attached; restored, it is the members' again.
    await ok(t.url, DeleteFileDocument, { id: mine.id }, ada.token);
    expect(await codes(t.url, FileDocument, { id: mine.id }, bob.token)).toEqual(['NOT_FOUND']);
    expect(await sentSeenBy(bob)).toEqual([null]);
    const trashed = (
      await ok(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'again', attachmentIds: [mine.id] } },
        ada.token,
      )
    ).sendMessage;
    await waitFor('the trashed attachment to be refused', async () =>
      (await ok(t.url, MessageAttachmentsDocument, { conversationId: group.id }, ada.token)).messages.edges.find(
        (e) => e.node.id === trashed.id && e.node.refusedAttachmentIds.length,
      ),
    );
    await ok(t.url, DeleteMessageDocument, { id: trashed.id }, ada.token);
    await ok(t.url, RestoreFileDocument, { id: mine.id }, ada.token);
    expect(await sentSeenBy(bob)).toEqual(['minutes.txt']);

    // Deleting the message takes back what it shared; other attachments stay.
    const draft = await upload(t.url, ada.token, 'draft.txt', Buffer.from('not final'));
    const withDraft = (
      await ok(
        t.url,
        SendMessageDocument,
        { input: { conversationId: group.id, body: 'draft', attachmentIds: [draft.id] } },
        ada.token,
      )
    ).sendMessage;
    await waitFor(
      'bob to see the draft',
      async () => (await codes(t.url, FileDocument, { id: draft.id }, bob.token)).length === 0,
    );
    await ok(t.url, DeleteMessageDocument, { id: withDraft.id }, ada.token);
    await waitFor(
      'bob to lose the draft',
      async () => (await codes(t.url, FileDocument, { id: draft.id }, bob.token))[0] === 'NOT_FOUND',
    );
    expect(await codes(t.url, FileDocument, { id: mine.id }, bob.token)).toEqual([]);

    // Removed from the group, bob loses the file with it.
    await ok(t.url, RemoveGroupMemberDocument, { conversationId: group.id, userId: bob.id }, ada.token);
    await waitFor(
      'bob to lose the attachment',
      async () => (await codes(t.url, FileDocument, { id: mine.id }, bob.token))[0] === 'NOT_FOUND',
    );
    await bobLive.close();
  });
});

describe('missed messages', () => {
  const missed = async (user: Member) =>
    (await ok(t.url, ChatNotificationsDocument, {}, user.token)).notifications.edges
      .map((e) => e.node)
      .filter((n) => n.kind === 'MESSAGE');

  it('notify members whose devices did not receive them, once per burst', async () => {
    const [owner, away, present, late] = await Promise.all([
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
    ]);
    const group = await createGroup(owner, 'Burst', [away, present]);
    for (const body of ['one', 'two', 'three']) {
      const message = await send(owner, group.id, body);
      // A connected client acknowledges what it receives.
      await ok(t.url, MarkDeliveredDocument, { conversationId: group.id, upToMessageId: message.id }, present.token);
    }
    const [first] = await waitFor('the away member’s notification', async () =>
      (await missed(away)).length ? missed(away) : null,
    );
    expect(first).toMatchObject({
      title: '3 new messages in Burst',
      body: `${owner.displayName}: three`,
      actor: { username: owner.username },
      conversation: { id: group.id },
    });
    expect(await missed(present)).toEqual([]);

    // Still away: a newcomer is told of the next message, and the away member not again.
    await ok(t.url, AddGroupMembersDocument, { conversationId: group.id, userIds: [late.id] }, owner.token);
    const fourth = await send(owner, group.id, 'four');
    await waitFor('the newcomer’s notification', async () => (await missed(late)).length === 1);
    expect(await missed(away)).toHaveLength(1);

    // Caught up, the away member is told of the next burst.
    await ok(t.url, MarkReadDocument, { conversationId: group.id, upToMessageId: fourth.id }, away.token);
    await send(owner, group.id, 'five');
    await waitFor('the second burst’s notification', async () => (await missed(away)).length === 2);
    expect((await missed(away))[0]).toMatchObject({
      title: 'New message in Burst',
      body: `${owner.displayName}: five`,
    });
    expect(await missed(late)).toHaveLength(1);
  });
});

describe('chatEvent', () => {
  it('brings messages, receipts, edits and deletions live and in order, and typing; outsiders get nothing', async () => {
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
        conversation: { id: group.id, title: 'Live group' },
        message: {
          id: sent.id,
          body: 'hello group',
          createdAt: sent.createdAt,
          deleted: false,
          sender: { id: owner.id, username: owner.username, displayName: owner.displayName },
          attachments: [],
        },
        user: null,
      });
    }
    await ok(t.url, MarkReadDocument, { conversationId: group.id, upToMessageId: sent.id }, b.token);
    await ok(t.url, SetTypingDocument, { conversationId: group.id }, b.token);
    await ok(t.url, EditMessageDocument, { id: sent.id, body: 'hello, group' }, owner.token);
    await ok(t.url, DeleteMessageDocument, { id: sent.id }, owner.token);
    await waitFor('five events for a', () => aLive.subscription.results.length >= 5);
    const seen = aLive.subscription.results.map((r) => r.data?.chatEvent);
    // Typing is a live-only signal: it keeps no order with the stored events around it.
    const stored = seen.filter((e) => e?.kind !== 'TYPING');
    expect(stored.map((e) => [e?.kind, e?.user?.username ?? null])).toEqual([
      ['MESSAGE_ADDED', null],
      ['RECEIPT', b.username],
      ['MESSAGE_EDITED', null],
      ['MESSAGE_DELETED', null],
    ]);
    expect(seen.filter((e) => e?.kind === 'TYPING').map((e) => e?.user?.username)).toEqual([b.username]);
    expect(stored[3]?.message).toMatchObject({ id: sent.id, body: null, deleted: true });
    // b hears of the edit and deletion but not of their own typing.
    await waitFor('four events for b', () => bLive.subscription.results.length >= 4);
    expect(bLive.subscription.results.map((r) => r.data?.chatEvent!.kind)).toEqual([
      'MESSAGE_ADDED',
      'RECEIPT',
      'MESSAGE_EDITED',
      'MESSAGE_DELETED',
    ]);

    // Once the outsider has a later message of their own, the group's earlier events can no longer reach them.
    await send(outsidersFriend, own.id, 'just us');
    await waitFor('the outsider’s own message', () => outsiderLive.subscription.results.length > 0);
    expect(outsiderLive.subscription.results.map((r) => r.data?.chatEvent!.message?.body)).toEqual(['just us']);
    await Promise.all([aLive.close(), bLive.close(), outsiderLive.close()]);
  });
});

describe('chatEvent for a whole group', () => {
  /** How many events subscribers got from a lookup another subscriber made, per the gateway's metrics. */
  async function sharedDeliveries() {
    const metrics = await (await fetch(new URL('/metrics', t.url))).text();
    return Number(/^peerlink_live_deliveries_total\{resolved="shared"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  }

  it('is resolved once for every member when nothing selected differs between them, and per member otherwise', async () => {
    const [owner, a, b] = await Promise.all([member(t, 'chat'), member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'One lookup', [a, b]);
    const alike = [
      await subscribe(a, group.id, ChatEventsAlikeDocument),
      await subscribe(b, group.id, ChatEventsAlikeDocument),
    ];
    const unread = [
      await subscribe(owner, group.id, ChatEventsWithUnreadDocument),
      await subscribe(a, group.id, ChatEventsWithUnreadDocument),
    ];
    const before = await sharedDeliveries();

    const sent = await send(owner, group.id, 'same for all');
    for (const live of alike) {
      const event = await waitFor('the message', () => live.subscription.results[0]);
      expect(event.data).toEqual({
        chatEvent: {
          kind: 'MESSAGE_ADDED',
          message: { id: sent.id, body: 'same for all', sender: { displayName: owner.displayName } },
        },
      });
    }
    // The sender has read their own message; a has not.
    const [ownerUnread, aUnread] = await Promise.all(
      unread.map((live) => waitFor('the unread count', () => live.subscription.results[0])),
    );
    expect(ownerUnread?.data?.chatEvent!.conversation).toEqual({ id: group.id, unreadCount: 0 });
    expect(aUnread?.data?.chatEvent!.conversation).toEqual({ id: group.id, unreadCount: 1 });
    // Of the two alike subscribers, one resolved the event and the other reused it.
    expect((await sharedDeliveries()) - before).toBe(1);
    await Promise.all([...alike, ...unread].map((live) => live.close()));
  });
});

describe('the cost of a message', () => {
  it('is a fixed handful of SQL statements to send, and one to look up for a live event', async () => {
    const [owner, ...others] = await Promise.all([
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
      member(t, 'chat'),
    ]);
    const group = await createGroup(owner, 'Counted', others);
    const statements = recordStatements(t.stack.subgraphs.find((s) => s.name === 'chat')!);
    try {
      const sent = await send(owner, group.id, 'counted');
      const sending = statements.take().filter((request) => request.some((sql) => /insert into .*messages/.test(sql)));
      expect(sending).toHaveLength(1);
      // One read (membership, members, blocks), BEGIN, one write (message, pointers, attachments), the outbox's insert,
      // COMMIT.
      expect(sending[0], sending[0]!.join('\n')).toHaveLength(5);

      const liveId = Buffer.from(['MESSAGE_ADDED', group.id, sent.id, '-'].join(':')).toString('base64url');
      expect(
        (await ok(t.url, ChatEventLookupDocument, { id: liveId }, others[0]!.token)).chatEventById.message?.body,
      ).toBe('counted');
      const lookups = statements.take();
      // The conversation, the subscriber's membership and the message, together.
      expect(
        lookups.map((request) => request.length),
        lookups.flat().join('\n'),
      ).toEqual([1]);
    } finally {
      statements.stop();
    }
  });

  it('costs drive nothing when it attaches nothing', async () => {
    const [owner, other] = await Promise.all([member(t, 'chat'), member(t, 'chat')]);
    const group = await createGroup(owner, 'Plain', [other]);
    const driveSubgraph = t.stack.subgraphs.find((s) => s.name === 'drive')!;
    // Drive's handling of the new group is over before counting starts.
    await waitFor(
      'drive to know the group',
      async () =>
        (
          await driveSubgraph.orm.em
            .fork()
            .execute('select 1 from drive.conversation_members where conversation_id = ?', [group.id])
        ).length,
    );
    const drive = recordStatements(driveSubgraph);
    try {
      await send(owner, group.id, 'nothing attached');
      const input = { conversationId: group.id, body: 'a file that does not exist', attachmentIds: [UNKNOWN] };
      const attached = (await ok(t.url, SendMessageDocument, { input }, owner.token)).sendMessage;
      await waitFor(
        'drive to refuse the file',
        async () =>
          (await ok(t.url, MessageAttachmentsDocument, { conversationId: group.id }, owner.token)).messages.edges.find(
            (e) => e.node.id === attached.id,
          )?.node.refusedAttachmentIds.length,
      );
      // Drive handled the message with a file, in one transaction; the other never reached its database.
      const handled = drive.take();
      expect(handled, handled.map((request) => request.join('; ')).join('\n')).toHaveLength(1);
    } finally {
      drive.stop();
    }
  });
});
