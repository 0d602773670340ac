import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import DataLoader from 'dataloader';
import { Conversation, Membership } from './conversation.entity.js';
import { MessageAttachment } from './attachment.entity.js';
import { Message } from './message.entity.js';
import { byKey, rows, table, validIds } from '@peerlink/platform/db/sql';

/**
 * What a request reads, batched per request: an inbox page of twenty conversations costs one query
 * for their last messages, one for their unread counts and one for their members.
 */
export class ChatLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  readonly conversation = new DataLoader<string, Conversation | null>(async (ids) => {
    const found = await this.em.find(Conversation, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (c) => c.id);
  });

  readonly message = new DataLoader<string, Message | null>(async (ids) => {
    const found = await this.em.find(Message, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (m) => m.id);
  });

  /** The members of each conversation, oldest first. */
  readonly members = new DataLoader<string, Membership[]>(async (conversationIds) => {
    const found = await this.em.find(
      Membership,
      { conversationId: { $in: validIds(conversationIds) } },
      { orderBy: { joinedAt: 'asc', userId: 'asc' }, refresh: true },
    );
    return conversationIds.map((id) => found.filter((m) => m.conversationId === id.toLowerCase()));
  });

  /** The viewer's own membership of each conversation, or null when they are not in it. */
  readonly membership = new DataLoader<string, Membership | null>(async (conversationIds) => {
    if (!this.viewer) return conversationIds.map(() => null);
    const found = await this.em.find(
      Membership,
      { conversationId: { $in: validIds(conversationIds) }, userId: this.viewer.userId },
      { refresh: true },
    );
    return byKey(conversationIds, found, (m) => m.conversationId);
  });

  /** Each message's attachments, whatever drive answered, in the sender's order. */
  readonly attachments = new DataLoader<string, MessageAttachment[]>(async (messageIds) => {
    const found = await this.em.find(
      MessageAttachment,
      { messageId: { $in: validIds(messageIds) } },
      { orderBy: { position: 'asc' }, refresh: true },
    );
    return messageIds.map((id) => found.filter((a) => a.messageId === id.toLowerCase()));
  });

  /**
   * What a live event's lookup checks, in one statement rather than three loader queries: the
   * conversation, the viewer's membership of it and the message (by id alone: the caller checks it
   * belongs). Each primes its loader, so the fields the subscriber selected read nothing again.
   */
  async eventFacts(conversationId: string, messageId: string | null) {
    const [found] = await rows<{ conversation: object; membership: object | null; message: object | null }>(
      this.em,
      `select to_jsonb(c) as conversation, to_jsonb(me) as membership, to_jsonb(msg) as message
       from ${table(this.em, 'conversations')} c
       left join ${table(this.em, 'members')} me on me.conversation_id = c.id and me.user_id = ?
       left join ${table(this.em, 'messages')} msg on msg.id = ?
       where c.id = ?`,
      [this.viewer?.userId ?? null, messageId, conversationId],
    );
    if (!found) return { conversation: null, membership: null, message: null };
    const conversation = this.em.map(Conversation, found.conversation);
    const membership = found.membership ? this.em.map(Membership, found.membership) : null;
    const message = found.message ? this.em.map(Message, found.message) : null;
    this.conversation.prime(conversationId, conversation);
    this.membership.prime(conversationId, membership);
    if (messageId) this.message.prime(messageId, message);
    return { conversation, membership, message };
  }

  /** Messages from others after the viewer's last read one, per conversation. */
  readonly unread = new DataLoader<string, number>(async (conversationIds) => {
    if (!this.viewer) return conversationIds.map(() => 0);
    const found = await rows<{ conversation_id: string; unread: string }>(
      this.em,
      `select m.conversation_id, count(msg.id) as unread
       from ${table(this.em, 'members')} m
       join ${table(this.em, 'messages')} msg on msg.conversation_id = m.conversation_id
         and msg.sender_id <> m.user_id and msg.deleted_at is null
         and (m.last_read_message_id is null or msg.id > m.last_read_message_id)
       where m.user_id = ? and m.conversation_id in (${
         validIds(conversationIds)
           .map(() => '?')
           .join(', ') || 'null'
       })
       group by m.conversation_id`,
      [this.viewer.userId, ...validIds(conversationIds)],
    );
    const byId = new Map(found.map((r) => [r.conversation_id, Number(r.unread)]));
    return conversationIds.map((id) => byId.get(id.toLowerCase()) ?? 0);
  });
}
