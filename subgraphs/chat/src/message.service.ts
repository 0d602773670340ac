import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { ConversationKind, Membership } from './conversation.entity.js';
import type { ConversationService } from './conversation.service.js';
import type { ChatEvents } from './events.js';
import { ChatEventKind, chatEventId } from './live.js';
import type { ChatLoaders } from './loaders.js';
import { Message } from './message.entity.js';
import { table } from './sql.js';

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 100;

export interface SendMessageInput {
  conversationId: string;
  body: string;
  clientMessageId?: string | null;
}

/** Messages: sending and reading them. Only members do either. */
export class MessageService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<ChatEvents>,
    private readonly conversations: ConversationService,
  ) {}

  /** A retried send (same `clientMessageId`) returns the message already stored and tells nobody twice. */
  async send(viewer: Viewer, input: SendMessageInput, loaders: ChatLoaders): Promise<Message> {
    const conversation = await this.conversations.visible(viewer, input.conversationId, loaders);
    const body = input.body.trim();
    if (!body || body.length > MAX_MESSAGE_LENGTH) throw badInput(`A message is 1 to ${MAX_MESSAGE_LENGTH} characters.`, 'body');
    const clientMessageId = input.clientMessageId?.trim() || null;
    if (clientMessageId && clientMessageId.length > MAX_CLIENT_MESSAGE_ID_LENGTH) {
      throw badInput(`clientMessageId is at most ${MAX_CLIENT_MESSAGE_ID_LENGTH} characters.`, 'clientMessageId');
    }
    const members = await loaders.members.load(conversation.id);
    const others = members.map((m) => m.userId).filter((id) => id !== viewer.userId);
    if (conversation.kind === ConversationKind.DIRECT && others[0] && (await this.conversations.blockedEitherWay(viewer.userId, others[0]))) {
      throw forbidden('You cannot message this user.');
    }
    if (clientMessageId) {
      const sent = await this.orm.em.findOne(Message, { conversationId: conversation.id, senderId: viewer.userId, clientMessageId });
      if (sent) return sent;
    }
    return this.outbox.transaction(async (em, publish) => {
      const message = em.create(Message, { conversationId: conversation.id, senderId: viewer.userId, body, clientMessageId });
      await em.execute(`update ${table(em, 'conversations')} set last_activity_at = ?, last_message_id = ? where id = ?`, [
        message.createdAt,
        message.id,
        conversation.id,
      ]);
      // The sender reads what they wrote.
      await em.nativeUpdate(Membership, { conversationId: conversation.id, userId: viewer.userId }, { lastReadMessageId: message.id, lastDeliveredMessageId: message.id });
      publish('chat.event', { id: chatEventId(ChatEventKind.MESSAGE_ADDED, conversation.id, message.id), conversationId: conversation.id, recipientIds: members.map((m) => m.userId) });
      publish('chat.message.sent', { messageId: message.id, conversationId: conversation.id, senderId: viewer.userId, recipientIds: others, excerpt: body.slice(0, 80) });
      return message;
    });
  }

  /** A conversation's messages, newest first, paged backwards with `before`. */
  async list(viewer: Viewer, conversationId: string, first: number | null | undefined, before: string | null | undefined, loaders: ChatLoaders) {
    const conversation = await this.conversations.visible(viewer, conversationId, loaders);
    const size = pageSize(first, 50);
    const cursor = decodeCursor(before);
    const found = await (this.orm.em as EntityManager).find(
      Message,
      { conversationId: conversation.id, deletedAt: null, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return toConnection(found, size);
  }
}
