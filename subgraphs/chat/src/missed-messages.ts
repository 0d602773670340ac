import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '@peerlink/platform/db/database';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { Repeating } from '@peerlink/platform/background/repeating';
import type { Logger } from '@peerlink/platform/logger';
import type { ChatEvents } from './events.js';
import { rows, table } from '@peerlink/platform/db/sql';

interface Due {
  conversation_id: string;
  user_id: string;
  last_id: string;
  count: string;
  previous: string | null;
}

/**
 * Finds members whose devices have not received a conversation's messages within `afterSeconds`
 * (they are not connected, or not listening) and hands them to notifications as one event per
 * conversation. A member is told once per burst: not again until their delivered pointer catches
 * up with what they were told about. Several instances may sweep at once; each member's pointer
 * moves under a condition, so nobody is told twice.
 */
export class MissedMessages {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<ChatEvents>,
    private readonly afterSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** Often enough that nobody waits much longer than `afterSeconds`, at most every 5 s. */
  sweepsEvery(): Repeating {
    return new Repeating('missed-message sweep', Math.min(5000, Math.max(100, (this.afterSeconds * 1000) / 3)), () => this.sweep(), this.logger);
  }

  async sweep(): Promise<void> {
    const em = (this.orm.em as EntityManager).fork();
    const cutoff = new Date(Date.now() - this.afterSeconds * 1000);
    const due = await rows<Due>(
      em,
      `select m.conversation_id, m.user_id, max(msg.id::text) as last_id, count(*) as count, m.notified_up_to_message_id as previous
       from ${table(em, 'members')} m
       join ${table(em, 'conversations')} c on c.id = m.conversation_id and c.last_activity_at > ?
       join ${table(em, 'messages')} msg on msg.conversation_id = m.conversation_id
         and msg.sender_id <> m.user_id and msg.deleted_at is null
         and (m.last_delivered_message_id is null or msg.id > m.last_delivered_message_id)
       where m.notified_up_to_message_id is null or m.last_delivered_message_id >= m.notified_up_to_message_id
       group by m.conversation_id, m.user_id
       having min(msg.created_at) < ?
       limit 1000`,
      // Only conversations active in the last day are looked at.
      [new Date(Date.now() - 86_400_000), cutoff],
    );
    if (!due.length) return;
    await this.outbox.transaction(async (tx, publish) => {
      const told = new Map<string, { userId: string; count: number }[]>();
      const newest = new Map<string, string>();
      for (const row of due) {
        const moved = await rows(
          tx,
          `update ${table(tx, 'members')} set notified_up_to_message_id = ?
           where conversation_id = ? and user_id = ? and notified_up_to_message_id is not distinct from ? returning user_id`,
          [row.last_id, row.conversation_id, row.user_id, row.previous],
        );
        if (!moved.length) continue;
        told.set(row.conversation_id, [...(told.get(row.conversation_id) ?? []), { userId: row.user_id, count: Number(row.count) }]);
        if (row.last_id > (newest.get(row.conversation_id) ?? '')) newest.set(row.conversation_id, row.last_id);
      }
      for (const [conversationId, recipients] of told) {
        const [last] = await rows<{ id: string; sender_id: string; body: string; title: string | null }>(
          tx,
          `select msg.id, msg.sender_id, msg.body, c.title from ${table(tx, 'messages')} msg
           join ${table(tx, 'conversations')} c on c.id = msg.conversation_id where msg.id = ?`,
          [newest.get(conversationId)],
        );
        if (!last) continue;
        publish('chat.messages.missed', {
          conversationId,
          title: last.title,
          lastMessageId: last.id,
          lastSenderId: last.sender_id,
          excerpt: last.body.slice(0, 80),
          recipients,
        });
      }
    });
  }
}
