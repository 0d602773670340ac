import type { EntityManager } from '@mikro-orm/postgresql';
import { table } from '@peerlink/platform/db/sql';
import { NotificationKind } from './notification.entity.js';

/**
 * Recipients per transaction: an announcement to a million users is a million / 500 short commits, not one long one.
 */
export const ANNOUNCEMENT_BATCH = 500;

/**
 * A time-ordered id made by Postgres (15 has no uuidv7()): a random v4 with its first 48 bits
 * replaced by the millisecond clock and its version nibble turned from 4 into 7.
 */
const UUIDV7 =
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch ` +
  `from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;

export interface Announcement {
  id: string;
  title: string;
  body: string;
  actorId: string;
}

/**
 * One batch of an announcement in one statement: the next recipients after `after` (by user id)
 * who have not turned in-app SYSTEM notifications off, a notification each, and its
 * `notifications.notification.created` event in the outbox. Nothing travels per recipient between
 * Postgres and this process. A batch run again after a commit adds nothing (one notification per
 * recipient and announcement).
 */
export async function announceBatch(em: EntityManager, announcement: Announcement, after: string | null) {
  const [row] = await em.execute<{ last: string | null; picked: number; notified: number }[]>(
    `with picked as (
       select r.user_id from ${table(em, 'recipients')} r
       where (?::uuid is null or r.user_id > ?::uuid)
         and not exists (select 1 from ${table(em, 'preferences')} p where p.user_id = r.user_id and p.kind = ? and not
           p.in_app)
       order by r.user_id limit ?
     ), made as (
       insert into ${table(em, 'notifications')} (id, recipient_id, kind, title, body, actor_id, read, created_at,
         source_event_id)
       select ${UUIDV7}, user_id, ?, ?, ?, ?, false, now(), ? from picked
       on conflict (recipient_id, source_event_id) do nothing
       returning id, recipient_id, kind
     ), recorded as (
       insert into ${table(em, 'outbox')} (id, name, payload, occurred_at)
       select ${UUIDV7}, 'notifications.notification.created', jsonb_build_object('id', id, 'recipientId', recipient_id,
         'kind', kind), now() from made
       returning id
     )
     select (select user_id from picked order by user_id desc limit 1) as last,
            (select count(*) from picked)::int as picked,
            (select count(*) from recorded)::int as notified`,
    [
      after,
      after,
      NotificationKind.SYSTEM,
      ANNOUNCEMENT_BATCH,
      NotificationKind.SYSTEM,
      announcement.title,
      announcement.body,
      announcement.actorId,
      announcement.id,
    ],
  );
  return { last: row!.last, done: row!.picked < ANNOUNCEMENT_BATCH, notified: row!.notified };
}
