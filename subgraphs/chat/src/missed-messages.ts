import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '@peerlink/platform/db/database';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { Repeating } from '@peerlink/platform/background/repeating';
import type { Logger } from '@peerlink/platform/logger';
import { excerpt } from '@peerlink/platform/text';
import type { ChatEvents } from '@peerlink/contracts/chat';
import { nullableUuidArray, rows, table, uuidArray } from '@peerlink/platform/db/sql';

interface Told {
  conversation_id: string;
  user_id: string;
  count: number;
  last_id: string;
  sender_id: string;
  body: string;
  title: string | null;
}

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
    return new Repeating(
      'missed-message sweep',
      Math.min(5000, Math.max(100, (this.afterSeconds * 1000) / 3)),
      () => this.sweep(),
      this.logger,
    );
  }

  async sweep(): Promise<void> {
    const em = (this.orm.em as EntityManager).fork();
    const cutoff = new Date(Date.now() - this.afterSeconds * 1000);
    const due = await rows<Due>(
      em,
      `select m.conversation_id, m.user_id, max(msg.id::text) as last_id, count(*) as count, m.notified_up_to_message_id
         as previous
       from ${table(em, 'members')} m
       join ${table(em, 'conversations')} c on c.id = m.conversation_id and c.last_activity_at > ?
       join ${table(em, 'messages')} msg on msg.conversation_id = m.conversation_id
         and msg.sender_id <> m.user_id and msg.deleted_at is null
         -- Calls have notifications of their own (a call ringing you, one you missed).
         and msg.kind = 'TEXT'
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
      // One statement for the whole sweep: each pointer moves only if nobody moved it since the
      // read above, and each conversation's newest message among those told comes back with it.
      const told = await rows<Told>(
        tx,
        `with due (conversation_id, user_id, last_id, count, previous) as (
           select * from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::int[], ?::uuid[])
         ), moved as (
           update ${table(tx, 'members')} m set notified_up_to_message_id = due.last_id from due
           where m.conversation_id = due.conversation_id and m.user_id = due.user_id
             and m.notified_up_to_message_id is not distinct from due.previous
           returning m.conversation_id, m.user_id, due.count, due.last_id
         ), newest as (
           select conversation_id, max(last_id::text)::uuid as id from moved group by conversation_id
         )
         select moved.conversation_id, moved.user_id, moved.count, msg.id as last_id, msg.sender_id, msg.body, c.title
         from moved join newest using (conversation_id)
         join ${table(tx, 'messages')} msg on msg.id = newest.id
         join ${table(tx, 'conversations')} c on c.id = moved.conversation_id`,
        [
          uuidArray(due.map((d) => d.conversation_id)),
          uuidArray(due.map((d) => d.user_id)),
          uuidArray(due.map((d) => d.last_id)),
          `{${due.map((d) => Number(d.count)).join(',')}}`,
          nullableUuidArray(due.map((d) => d.previous)),
        ],
      );
      const byConversation = new Map<string, Told[]>();
      for (const row of told)
        byConversation.set(row.conversation_id, [...(byConversation.get(row.conversation_id) ?? []), row]);
      for (const [conversationId, recipients] of byConversation) {
        const [last] = recipients;
        publish('chat.messages.missed', {
          conversationId,
          title: last.title,
          lastMessageId: last.last_id,
          lastSenderId: last.sender_id,
          excerpt: excerpt(last.body, 80),
          recipients: recipients.map((r) => ({ userId: r.user_id, count: r.count })),
        });
      }
    });
  }
}
