import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import { excerpt, optionalText, prose, text } from '@peerlink/platform/text';
import { mentionsIn } from './mentions.js';
import { Conversation, MemberRole } from './conversation.entity.js';
import type { ConversationService } from './conversation.service.js';
import type { Signal } from '@peerlink/platform/events/signals';
import type { ChatEvents, ChatSignals } from '@peerlink/contracts/chat';
import { ChatEventKind, signalMembers, tellMembers } from './live.js';
import type { ChatLoaders } from './loaders.js';
import { AttachmentStatus } from './attachment.entity.js';
import { Message } from './message.entity.js';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 100;

export const MAX_ATTACHMENTS = 10;

export interface SendMessageInput {
  conversationId: string;
  body: string;
  clientMessageId?: string | null;
  attachmentIds?: string[] | null;
}

const BODY = prose('A message', MAX_MESSAGE_LENGTH);
// Kept as sent apart from its ends, so the client can match the message to its draft.
const CLIENT_MESSAGE_ID = prose('clientMessageId', MAX_CLIENT_MESSAGE_ID_LENGTH);

/**
 * Stores a message, its pending attachments (drive decides whether the sender may attach each file;
 * until it answers they are pending), moves the conversation's last message and marks it read by its
 * sender, in one statement. A retry racing the original finds the row taken and changes nothing:
 * false. Concurrent sends finish in any order, so the pointers only move forward.
 */
export async function storeMessage(em: EntityManager, message: Message, attachmentIds: string[]): Promise<boolean> {
  const now = new Date();
  const stored = await rows(
    em,
    `with sent as (
       insert into ${table(em, 'messages')} (id, conversation_id, sender_id, body, client_message_id, created_at, kind,
         live_session_id, call_duration_seconds) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (conversation_id, sender_id, client_message_id) do nothing returning id, conversation_id, sender_id,
         created_at
     ), attached as (
       insert into ${table(em, 'message_attachments')} (message_id, file_id, position, status)
       select sent.id, file.id, file.position - 1, '${AttachmentStatus.PENDING}' from sent, unnest(?::uuid[]) with
         ordinality as file(id, position)
     ), conversation as (
       update ${table(em, 'conversations')} c set last_activity_at = greatest(c.last_activity_at, sent.created_at),
         last_message_id = greatest(coalesce(c.last_message_id, sent.id), sent.id)
       from sent where c.id = sent.conversation_id
     ), sender as (
       update ${table(em, 'members')} m set
         last_read_message_id = greatest(coalesce(m.last_read_message_id, sent.id), sent.id), last_read_at = ?,
         last_delivered_message_id = greatest(coalesce(m.last_delivered_message_id, sent.id), sent.id),
           last_delivered_at = ?
       from sent where m.conversation_id = sent.conversation_id and m.user_id = sent.sender_id
     )
     select id from sent`,
    [
      message.id,
      message.conversationId,
      message.senderId,
      message.body,
      message.clientMessageId,
      message.createdAt,
      message.kind,
      message.liveSessionId,
      message.callDurationSeconds,
      uuidArray(attachmentIds),
      now,
      now,
    ],
  );
  return stored.length > 0;
}

/** Messages: sending, reading, editing and acknowledging them. Only members do any of it. */
export class MessageService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<ChatEvents>,
    private readonly conversations: ConversationService,
    private readonly signal: Signal<ChatSignals>,
  ) {}

  /**
   * A retried send (same `clientMessageId`) returns the message already stored and tells nobody twice.
   * Messages are the hot path: one statement reads what the send checks, one stores the message
   * with everything it changes, and the outbox adds one insert for both events.
   */
  async send(viewer: Viewer, input: SendMessageInput, loaders: ChatLoaders): Promise<Message> {
    const target = isUuid(input.conversationId)
      ? await this.sendingTo(viewer, input.conversationId.toLowerCase(), loaders)
      : null;
    if (!target) throw notFound('Conversation');
    const body = text(input.body, 'body', BODY);
    if (!(input.attachmentIds ?? []).every(isUuid)) throw badInput('Attachments are drive file ids.', 'attachmentIds');
    const attachmentIds = [...new Set((input.attachmentIds ?? []).map((id) => id.toLowerCase()))];
    if (attachmentIds.length > MAX_ATTACHMENTS)
      throw badInput(`At most ${MAX_ATTACHMENTS} attachments per message.`, 'attachmentIds');
    const clientMessageId = optionalText(input.clientMessageId, 'clientMessageId', CLIENT_MESSAGE_ID);
    if (target.blocked) throw forbidden('You cannot message this user.');
    const { conversationId, memberIds } = target;
    const others = memberIds.filter((id) => id !== viewer.userId);
    const draft = Object.assign(new Message(), { conversationId, senderId: viewer.userId, body, clientMessageId });
    const stored = await this.outbox.transaction(async (em, publish) => {
      if (!(await storeMessage(em, draft, attachmentIds))) return null;
      tellMembers(publish, { kind: ChatEventKind.MESSAGE_ADDED, conversationId, messageId: draft.id }, memberIds);
      publish('chat.message.sent', {
        messageId: draft.id,
        conversationId,
        senderId: viewer.userId,
        recipientIds: others,
        excerpt: excerpt(body, 80),
        attachmentIds,
        mentions: mentionsIn(body),
      });
      return draft;
    });
    if (stored) return stored;
    return (this.orm.em as EntityManager)
      .fork()
      .findOneOrFail(Message, { conversationId, senderId: viewer.userId, clientMessageId });
  }

  /**
   * What a send checks, in one statement: the conversation if the viewer is in it (primed for the
   * fields the client selects), its members (oldest first), and for a direct conversation whether
   * either side blocked the other.
   */
  private async sendingTo(viewer: Viewer, conversationId: string, loaders: ChatLoaders) {
    const em = this.orm.em as EntityManager;
    const [found] = await rows<{ conversation: object; member_ids: string[]; blocked: boolean }>(
      em,
      `select to_jsonb(c) as conversation, array_agg(m.user_id::text order by m.joined_at, m.user_id) as member_ids,
         c.kind = 'DIRECT' and exists (
           select 1 from ${table(em, 'members')} other join ${table(em, 'blocks')} b on b.active
             and ((b.blocker_id = ? and b.blocked_id = other.user_id) or (b.blocker_id = other.user_id and b.blocked_id
               = ?))
           where other.conversation_id = c.id and other.user_id <> ?) as blocked
       from ${table(em, 'conversations')} c join ${table(em, 'members')} m on m.conversation_id = c.id
       where c.id = ? group by c.id having bool_or(m.user_id = ?)`,
      [viewer.userId, viewer.userId, viewer.userId, conversationId, viewer.userId],
    );
    if (!found) return null;
    loaders.conversation.prime(conversationId, em.map(Conversation, found.conversation));
    return { conversationId, memberIds: found.member_ids, blocked: found.blocked };
  }

  /** The sender edits their message; members see the new text live. */
  async edit(viewer: Viewer, id: string, bodyInput: string, loaders: ChatLoaders): Promise<Message> {
    const message = await this.visible(viewer, id, loaders);
    if (message.senderId !== viewer.userId) throw forbidden('Only the sender can edit a message.');
    if (message.deletedAt) throw badInput('A deleted message cannot be edited.', 'id');
    const body = text(bodyInput, 'body', BODY);
    const members = await loaders.members.load(message.conversationId);
    await this.outbox.transaction(async (em, publish) => {
      await em.nativeUpdate(Message, { id, deletedAt: null }, { body, editedAt: new Date() });
      tellMembers(
        publish,
        { kind: ChatEventKind.MESSAGE_EDITED, conversationId: message.conversationId, messageId: id },
        members.map((m) => m.userId),
      );
    });
    loaders.message.clear(id);
    return (await loaders.message.load(id))!;
  }

  /** The sender deletes their message, as do a group's owner and admins; its text is gone for everyone. */
  async remove(viewer: Viewer, id: string, loaders: ChatLoaders): Promise<boolean> {
    const message = await this.visible(viewer, id, loaders);
    const mine = await loaders.membership.load(message.conversationId);
    const moderates = mine?.role === MemberRole.OWNER || mine?.role === MemberRole.ADMIN;
    if (message.senderId !== viewer.userId && !moderates)
      throw forbidden('Only the sender or a group’s owner and admins can delete a message.');
    if (message.deletedAt) return true;
    const members = await loaders.members.load(message.conversationId);
    await this.outbox.transaction(async (em, publish) => {
      const deleted = await em.nativeUpdate(Message, { id, deletedAt: null }, { deletedAt: new Date() });
      if (!deleted) return;
      tellMembers(
        publish,
        { kind: ChatEventKind.MESSAGE_DELETED, conversationId: message.conversationId, messageId: id },
        members.map((m) => m.userId),
      );
      // Its attachments stop being shared with the conversation through it.
      publish('chat.message.deleted', { messageId: id, conversationId: message.conversationId });
    });
    loaders.message.clear(id);
    return true;
  }

  /**
   * Receipts: the viewer has received (`delivered`) or read the conversation up to a message.
   * Pointers only move forward, and reading implies receiving. Members see the receipt live.
   */
  async acknowledge(
    viewer: Viewer,
    conversationId: string,
    upToMessageId: string,
    read: boolean,
    loaders: ChatLoaders,
  ): Promise<Conversation> {
    const conversation = await this.conversations.visible(viewer, conversationId, loaders);
    const upTo = isUuid(upToMessageId) ? await loaders.message.load(upToMessageId) : null;
    if (!upTo || upTo.conversationId !== conversation.id) throw notFound('Message');
    const members = await loaders.members.load(conversation.id);
    await this.outbox.transaction(async (em, publish) => {
      const now = new Date();
      const memberships = table(em, 'members');
      const setRead = read
        ? `, last_read_message_id = greatest(coalesce(last_read_message_id, ?), ?),
           last_read_at = case when last_read_message_id is null or last_read_message_id < ? then ? else
             last_read_at end`
        : '';
      const orUnread = read ? 'or last_read_message_id is null or last_read_message_id < ?' : '';
      const moved = await rows(
        em,
        `update ${memberships} set
           last_delivered_message_id = greatest(coalesce(last_delivered_message_id, ?), ?),
           last_delivered_at = case when last_delivered_message_id is null or last_delivered_message_id < ? then ? else
             last_delivered_at end
           ${setRead}
         where conversation_id = ? and user_id = ?
           and (last_delivered_message_id is null or last_delivered_message_id < ?
             ${orUnread})
         returning user_id`,
        [
          upTo.id,
          upTo.id,
          upTo.id,
          now,
          ...(read ? [upTo.id, upTo.id, upTo.id, now] : []),
          conversation.id,
          viewer.userId,
          upTo.id,
          ...(read ? [upTo.id] : []),
        ],
      );
      if (moved.length) {
        tellMembers(
          publish,
          { kind: ChatEventKind.RECEIPT, conversationId: conversation.id, messageId: upTo.id, userId: viewer.userId },
          members.map((m) => m.userId),
        );
      }
    });
    loaders.members.clear(conversation.id);
    loaders.membership.clear(conversation.id);
    loaders.unread.clear(conversation.id);
    return conversation;
  }

  /**
   * Tells the other members the viewer is typing: a signal, so no outbox row and nothing in the
   * stream. It may overtake or trail the conversation's stored events; it is repeated while they type.
   */
  async typing(viewer: Viewer, conversationId: string, loaders: ChatLoaders): Promise<boolean> {
    const conversation = await this.conversations.visible(viewer, conversationId, loaders);
    const others = (await loaders.members.load(conversation.id))
      .map((m) => m.userId)
      .filter((id) => id !== viewer.userId);
    await signalMembers(
      this.signal,
      { kind: ChatEventKind.TYPING, conversationId: conversation.id, userId: viewer.userId },
      others,
    );
    return true;
  }

  /** A message in a conversation the viewer is in, or NOT_FOUND. */
  async visible(_viewer: Viewer, id: string, loaders: ChatLoaders): Promise<Message> {
    const message = isUuid(id) ? await loaders.message.load(id) : null;
    if (!message || !(await loaders.membership.load(message.conversationId))) throw notFound('Message');
    return message;
  }

  /** A conversation's messages, newest first, paged backwards with `before` (the deprecated root `messages`). */
  async list(
    viewer: Viewer,
    conversationId: string,
    first: number | null | undefined,
    before: string | null | undefined,
    loaders: ChatLoaders,
  ) {
    const { found, size } = await this.olderThan(viewer, conversationId, pageSize(first, 50), before, loaders);
    return toConnection(found, size, { after: before });
  }

  /**
   * The `last` messages before `before`, oldest first, as a chat shows them and as Relay pages
   * backwards: hasPreviousPage says older ones exist, and `before: startCursor` fetches them.
   */
  async history(
    viewer: Viewer,
    conversationId: string,
    last: number | null | undefined,
    before: string | null | undefined,
    loaders: ChatLoaders,
  ) {
    const { conversation, found, size, cursor } = await this.olderThan(
      viewer,
      conversationId,
      pageSize(last, 50, 'last'),
      before,
      loaders,
    );
    const edges = found
      .slice(0, size)
      .reverse()
      .map((node) => ({ cursor: encodeCursor(node), node }));
    const em = this.orm.em as EntityManager;
    const newer = cursor
      ? await rows(
          em,
          `select 1 from ${table(em, 'messages')} where conversation_id = ? and deleted_at is null and id >= ? limit 1`,
          [conversation.id, cursor.id],
        )
      : [];
    const pageInfo = {
      hasPreviousPage: found.length > size,
      hasNextPage: newer.length > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    };
    return { edges, pageInfo };
  }

  /** `size + 1` messages older than the cursor, newest first. */
  private async olderThan(
    viewer: Viewer,
    conversationId: string,
    size: number,
    before: string | null | undefined,
    loaders: ChatLoaders,
  ) {
    const conversation = await this.conversations.visible(viewer, conversationId, loaders);
    const cursor = decodeCursor(before, 'before');
    const found = await (this.orm.em as EntityManager).find(
      Message,
      { conversationId: conversation.id, deletedAt: null, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return { conversation, found, size, cursor };
  }
}
