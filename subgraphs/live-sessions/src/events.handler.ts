import type { ChatEvents } from '@peerlink/contracts/chat';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { SocialEvents } from '@peerlink/contracts/social';
import { table } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { SessionService } from './session.service.js';

/**
 * Read models of what others own: who is in each conversation (chat), who follows whom (social). Calls
 * and streams admit people by them, never by reading the owners' tables.
 */
export function eventHandlers(sessions: SessionService): EventHandlers<ChatEvents & SocialEvents, LiveSessionEvents> {
  return {
    'chat.members.changed': ({ conversationId, memberIds }, { em }) =>
      sessions.membersChanged(em, conversationId, memberIds),
    'social.user.followed': async ({ actorId, followeeId }, { em }) => {
      await em.execute(
        `insert into ${table(em, 'follows')} (follower_id, followee_id) values (?, ?) on conflict do nothing`,
        [actorId, followeeId],
      );
    },
    'social.user.unfollowed': async ({ followerId, followeeId }, { em }) => {
      await em.execute(`delete from ${table(em, 'follows')} where follower_id = ? and followee_id = ?`, [
        followerId,
        followeeId,
      ]);
    },
  };
}
